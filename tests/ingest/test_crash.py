"""kill -9 in the middle of a poll, then a restart: the same counts as an uninterrupted run."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from dovecot import Mailbox
from mailkit import Attachment, build_message, make_jpeg
from sqlalchemy import select

from store.models import FolderStateRow

pytestmark = pytest.mark.integration

# Polls in a child process that kills itself with SIGKILL right after the second commit.
CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from tinbai.app import App
    from tinbai.polling import poll_once

    def die(done, total):
        if done == 2:
            os.kill(os.getpid(), signal.SIGKILL)

    poll_once(App(config_path=sys.argv[1]), die)
    """
)


def test_kill_9_mid_poll_then_restart_counts_everything_once(mailbox: Mailbox) -> None:
    mailbox.configure(batch_size=1)
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
        [sys.executable, "-c", CHILD, str(mailbox.config)], env=mailbox.tinbai.env, check=False
    )

    assert child.returncode == -9
    assert mailbox.totals() == {"news": 2, "article": 0, "photo": 2}
    app = mailbox.app()
    with app.store.session() as s:
        assert s.scalar(select(FolderStateRow.highest_uid)) == 2
    app.close()

    stats = mailbox.poll()

    assert stats.new == 2
    assert mailbox.totals() == {"news": 4, "article": 0, "photo": 4}
