"""kill -9 in the middle of a poll, then a restart: the same counts as an uninterrupted run."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from dovecot import Mailbox
from mailkit import Attachment, build_message, make_jpeg
from sqlalchemy import func, select

from store.models import FolderStateRow, Message

pytestmark = pytest.mark.integration

# Polls in a child process that SIGKILLs itself at a chosen moment:
# "between": right after the commit that holds the second message;
# "inside": in the transaction that holds the third message, its rows written, just
# before COMMIT (with batches of 2, the fourth message's rows are written too).
CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from sqlalchemy import Engine, event
    from tinbai.app import App
    from tinbai.polling import poll_once

    moment = sys.argv[2]

    def between(done, total):
        if moment == "between" and done == 2:
            os.kill(os.getpid(), signal.SIGKILL)

    @event.listens_for(Engine, "before_cursor_execute")
    def written(conn, cursor, statement, parameters, context, executemany):
        values = parameters if isinstance(parameters, (list, tuple)) else list(parameters.values())
        if statement.lstrip().upper().startswith("INSERT INTO MESSAGES") and any(
            isinstance(v, str) and v.endswith("số 2") for v in values
        ):
            conn.info["third"] = True

    @event.listens_for(Engine, "commit")
    def inside(conn):
        if moment == "inside" and conn.info.pop("third", False):
            os.kill(os.getpid(), signal.SIGKILL)

    poll_once(App(config_path=sys.argv[1]), between)
    """
)


@pytest.mark.parametrize("batch_size", [1, 2])
@pytest.mark.parametrize("moment", ["between", "inside"])
def test_kill_9_mid_poll_then_restart_counts_everything_once(
    mailbox: Mailbox, moment: str, batch_size: int
) -> None:
    mailbox.configure(batch_size=batch_size)
    mailbox.deliver(
        *(
            build_message(
                subject=f"[Tin] số {i}",
                attachments=[Attachment(f"{i}.jpg", make_jpeg(400, 300, i))],
            )
            for i in range(4)
        )
    )

    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(mailbox.config), moment],
        env=mailbox.tinbai.env,
        check=False,
    )

    assert child.returncode == -9
    assert mailbox.totals() == {"news": 2, "article": 0, "photo": 2}
    app = mailbox.app()
    with app.store.session() as s:
        assert s.scalar(select(FolderStateRow.highest_uid)) == 2
        assert s.scalar(select(func.count(Message.id))) == 2
    app.close()

    stats = mailbox.poll()

    assert stats.new == 2
    assert mailbox.totals() == {"news": 4, "article": 0, "photo": 4}
