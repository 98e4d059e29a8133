"""The poller fetches the next batch while it commits this one: order and actions-after-commit.

Against the real Dovecot, with `after_processing = "mark-seen"` and batches of two:
the ledger (the real `StoreLedger`, watched) looks at the server each time a batch is
about to commit and checks what a person reading the mailbox would see then — exactly
the batches committed before are `\\Seen` — and that the next batch has already been
asked for (the prefetch happens), waiting for it rather than timing anything.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import imapclient
import pytest
from dovecot import Mailbox
from mailkit import build_message

from classify import Mark, ParsedMessage
from classify.message import Classification
from ingest.imap import (
    ByteCounter,
    FetchPipeline,
    connect,
    disconnect,
    fetch_pipelined,
    mailbox_errors,
)
from ingest.poller import Poller
from tinbai.config import mailbox_settings
from tinbai.errors import MailboxError
from tinbai.pipeline import classify_context
from tinbai.polling import StoreLedger, credentials

pytestmark = pytest.mark.integration

BATCH = 2
PATIENCE = 60.0  # seconds to wait for the next batch's fetch before calling it missing


@dataclass
class Watched(StoreLedger):
    """The real ledger, noting what the poll does and what the server shows at each commit."""

    batches: int = 0  # how many the poll will commit
    seen_at_commit: list[set[int]] = field(default_factory=list)
    fetched_ahead: list[bool] = field(default_factory=list)  # per batch but the last
    submitted: list[int] = field(default_factory=list)
    asked: int = 0  # batches whose "already stored?" question came (from the IMAP thread)
    on_ask: dict[int, object] = field(default_factory=dict)  # batch number -> what to do then
    _asked: threading.Condition = field(default_factory=threading.Condition)
    server_seen: object = None  # () -> set of \\Seen UIDs, read by another client

    def known(self, identities: Sequence[tuple[str | None, str]]) -> list[int | None]:
        with self._asked:
            self.asked += 1
            hook = self.on_ask.get(self.asked)
            self._asked.notify_all()
        if callable(hook):
            hook()
        return super().known(identities)

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        number = len(self.seen_at_commit) + 1
        self.seen_at_commit.append(self.server_seen() if callable(self.server_seen) else set())
        if number < self.batches:  # the next batch is asked for before this one commits
            with self._asked:
                ahead = self._asked.wait_for(lambda: self.asked > number, timeout=PATIENCE)
            self.fetched_ahead.append(ahead)
        with super().batch():
            yield

    def submit(
        self, parsed: ParsedMessage, mark: Mark, failed: str | None = None
    ) -> tuple[bool, Classification]:
        self.submitted.append(mark.uid)
        return super().submit(parsed, mark, failed)


def seen_flags(mailbox: Mailbox) -> set[int]:
    other = mailbox.server.client(mailbox.user)
    try:
        other.select_folder("INBOX", readonly=True)
        flags = other.get_flags(other.search(["ALL"]))
        return {uid for uid, f in flags.items() if imapclient.SEEN in f}
    finally:
        other.logout()


def poll_watched(
    mailbox: Mailbox, batches: int, hooks: dict[int, object], *, look: bool = True
) -> tuple[Watched, Poller]:
    """One poll on the watched ledger; ``look``: read the \\Seen flags at each commit."""
    app = mailbox.app()
    settings = mailbox_settings(app.config)
    ledger = Watched(app, app.store, classify_context(app.config, settings.name))
    ledger.on_ask, ledger.batches = hooks, batches
    ledger.server_seen = (lambda: seen_flags(mailbox)) if look else None
    client = connect(settings, credentials(app, settings), ByteCounter())
    poller = Poller(client, settings, ledger)
    try:
        with mailbox_errors(settings):
            poller.poll()
    finally:
        disconnect(client)
        app.close()
    return ledger, poller


def test_the_next_batch_is_fetched_during_a_commit_and_acted_on_only_after_its_own(
    mailbox: Mailbox,
) -> None:
    uids = mailbox.deliver(*(build_message(subject=f"[Tin] số {n}") for n in range(7)))
    mailbox.configure(after_processing="mark-seen", batch_size=BATCH)
    batches = [set(uids[i : i + BATCH]) for i in range(0, len(uids), BATCH)]

    ledger, poller = poll_watched(mailbox, len(batches), {})

    assert poller.stats.new == 7
    assert ledger.submitted == uids  # committed in UID order, each once
    # At each commit exactly the batches committed before it are \Seen: an action never
    # runs ahead of its batch's commit, and never lags behind the next one.
    expected = [set().union(*batches[:n]) for n in range(len(batches))]
    assert ledger.seen_at_commit == expected
    assert ledger.fetched_ahead == [True] * (len(batches) - 1)
    assert ledger.asked == len(batches)
    assert seen_flags(mailbox) == set(uids)
    assert mailbox.totals()["news"] == 7


def test_a_link_broken_during_a_prefetch_stops_the_poll_in_one_line_and_the_next_resumes(
    mailbox: Mailbox,
) -> None:
    uids = mailbox.deliver(*(build_message(subject=f"[Tin] đứt {n}") for n in range(6)))
    mailbox.configure(after_processing="mark-seen", batch_size=BATCH)

    # The server goes away while the IMAP thread reads batch 2 and plans batch 3 (the
    # "already stored?" question of batch 3), as batch 1 commits.
    with pytest.raises(MailboxError) as stopped:
        # (not looking at the flags meanwhile: the kick would cut that client too)
        poll_watched(mailbox, 3, {3: lambda: mailbox.server.kick(mailbox.user)}, look=False)

    line = str(stopped.value)
    assert "\n" not in line
    assert "127.0.0.1" in line
    assert mailbox.totals()["news"] == 2  # batch 1 committed, nothing of batch 2
    assert seen_flags(mailbox) <= set(uids[:BATCH])  # nothing acted on past the commit

    assert mailbox.poll().new == 4
    assert mailbox.totals()["news"] == 6
    assert seen_flags(mailbox) >= set(uids[BATCH:])


def test_fetches_sent_together_answer_as_each_alone_and_a_refused_one_keeps_the_session(
    mailbox: Mailbox,
) -> None:
    uids = mailbox.deliver(*(build_message(subject=f"[Tin] cùng lúc {n}") for n in range(3)))
    other = mailbox.server.client(mailbox.user)
    try:
        other.select_folder("INBOX", readonly=True)
        requests = [([uids[0], uids[2]], ["BODY.PEEK[1]"]), ([uids[1]], ["RFC822.SIZE"])]

        together = fetch_pipelined(other, requests)

        assert together == [other.fetch(u, w) for u, w in requests]
        with pytest.raises(imapclient.exceptions.IMAPClientError):
            fetch_pipelined(other, [requests[0], ([uids[1]], ["BODY.PEEK[NOPE]"]), requests[1]])
        assert other.fetch([uids[1]], ["RFC822.SIZE"]) == together[1]  # still in step
    finally:
        other.logout()


def test_a_command_sent_while_fetches_are_outstanding_reads_their_answers_first(
    mailbox: Mailbox,
) -> None:
    uids = mailbox.deliver(*(build_message(subject=f"[Tin] hàng đợi {n}") for n in range(3)))
    other = mailbox.server.client(mailbox.user)
    try:
        other.select_folder("INBOX")
        alone = other.fetch(uids[:2], ["BODY.PEEK[1]"])
        with FetchPipeline(other) as pipeline:
            parts = pipeline.send(uids[:2], ["BODY.PEEK[1]"])
            sizes = pipeline.send([uids[2]], ["RFC822.SIZE"])
            # A command of the client's own, with both answers still on their way.
            flags = other.get_flags(uids)
            seen = pipeline.send_command("UID", "STORE", str(uids[2]), "+FLAGS.SILENT", "(\\Seen)")
            assert pipeline.result(parts) == alone
            assert pipeline.result(sizes) == other.fetch([uids[2]], ["RFC822.SIZE"])
            pipeline.result(seen)
        assert set(flags) == set(uids)
        assert imapclient.SEEN in other.get_flags([uids[2]])[uids[2]]
        assert other.noop()[0].startswith(b"NOOP completed")  # the session is still in step
    finally:
        other.logout()


def test_an_action_the_server_refuses_stops_the_poll_before_the_next_commit(
    mailbox: Mailbox,
) -> None:
    uids = mailbox.deliver(*(build_message(subject=f"[Tin] chuyển {n}") for n in range(5)))
    mailbox.configure(after_processing="move:Counted", batch_size=BATCH)  # no such folder yet

    with pytest.raises(MailboxError) as stopped:
        mailbox.poll()

    assert "\n" not in str(stopped.value)
    assert mailbox.totals()["news"] == BATCH  # the move's NO is read before the 2nd commit
    with mailbox.server.client(mailbox.user) as other:
        assert other.folder_status("INBOX", ["MESSAGES"])[b"MESSAGES"] == len(uids)
        other.create_folder("Counted")

    assert mailbox.poll().new == len(uids) - BATCH  # the 1st batch is moved on the way
    with mailbox.server.client(mailbox.user) as other:
        assert other.folder_status("INBOX", ["MESSAGES"])[b"MESSAGES"] == 0
        assert other.folder_status("Counted", ["MESSAGES"])[b"MESSAGES"] == len(uids)
    assert mailbox.totals()["news"] == len(uids)
