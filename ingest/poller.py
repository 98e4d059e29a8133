"""One poll of one mailbox: new UIDs only, the few bytes counting needs, one commit per batch.

This module syncs folders; `ingest.reconstruct` rebuilds each new message from the
few bytes fetched, and `ingest.after_processing` acts on it once it is committed.

For each folder: STATUS (UIDVALIDITY UIDNEXT) against the stored high-water
mark, and when that does not settle it, SELECT (read-only unless an
after-processing action is configured) and `UID SEARCH` above the mark; then
work through the new UIDs in bounded batches:

1. one FETCH per batch of RFC822.SIZE, INTERNALDATE, BODYSTRUCTURE and the
   header fields the rules read — a message already stored (another folder, a
   Gmail label, a UIDVALIDITY resync) stops here;
2. one FETCH per group of messages with the same plan, of the text parts
   whole, images' heads (`BODY.PEEK[n]<0.N>`, base64 decoded here), and
   documents only when no tag decides the kind;
3. one transaction for the batch: in UID order, each message, its items and its
   location, and the folder's new high-water mark (the `Ledger`). Nothing in it
   talks to the server, so a connection that breaks leaves the batch uncommitted.

Steps 1–2 run on one IMAP thread while step 3 runs here, and their FETCHes are sent
without waiting for the answers before them: a batch's step 1 two batches ahead, its
step 2 as soon as step 1 is answered, behind the parts of the batch before — so a slow
link does not idle while a batch is planned, classified or stored. The configured
action (mark seen, move) on a batch follows its commit, in order, on that thread.

On a session kept open between polls (the service's), the folder read last stays
selected; the next poll asks it `NOOP`, and when the server reports nothing
(no EXISTS, EXPUNGE, UIDNEXT or UIDVALIDITY, nothing else we do not know to be
harmless) since the folder was settled at the same stored mark, the folder is
done without STATUS, SELECT or SEARCH. Any doubt takes the usual road.

A structure that cannot be trusted sends the message down the old road (fetch
whole, parse) and the poll counts it. A message that breaks is recorded as
failed and the poll goes on; a broken connection stops the poll, and the
next one resumes after the last committed batch.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, ParamSpec, Protocol, TypeVar

import imapclient

from classify.crash import crash_point
from classify.message import Classification, Mark, ParsedMessage
from ingest.after_processing import AfterProcessing, action_for
from ingest.errors import MailboxError
from ingest.imap import FetchPipeline, Ticket, Untagged
from ingest.reconstruct import AskedParts, Pending, Reconstructor, first_fetch
from ingest.settings import MailboxSettings
from texts import reason_text

log = logging.getLogger(__name__)


class Ledger(Protocol):
    """What the poller needs from the rest of tinbai: memory, and one commit per batch."""

    def batch(self) -> AbstractContextManager[None]:
        """One transaction around a batch's writes; the mark lands with them or not at all."""
        ...

    def high_water(self, account: str, folder: str) -> tuple[int, int] | None:
        """The folder's stored (UIDVALIDITY, highest UID), or None if never polled."""
        ...

    def set_high_water(self, mark: Mark) -> None: ...

    def acted(self, account: str, folder: str) -> tuple[int, int] | None:
        """(UIDVALIDITY, UID) up to which the after-processing action is done, or None."""
        ...

    def set_acted(self, mark: Mark) -> None:
        """The after-processing action is done for every committed UID up to ``mark``."""
        ...

    def known(self, identities: Sequence[tuple[str | None, str]]) -> list[int | None]:
        """For each (Message-ID or None, content digest): the stored message, or None.

        Asked from the poller's IMAP thread, beside the transaction of the batch before
        (so it must open its own): a message that batch stores is then not yet known,
        is fetched, and `submit` finds it stored (one more location, not a second count).
        """
        ...

    def seen_again(self, message_pk: int, mark: Mark) -> None:
        """Record one more location of a stored message and advance the mark, together."""
        ...

    def submit(
        self, parsed: ParsedMessage, mark: Mark, failed: str | None = None
    ) -> tuple[bool, Classification]:
        """Classify and store the message, its location and the mark in one transaction.

        ``failed`` records it as failed with that reason instead of classifying it.
        Returns (created, classification).
        """
        ...


@dataclass
class PollStats:
    folders: int = 0
    new: int = 0
    already: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    items: Counter[str] = field(default_factory=Counter)
    full_fetches: int = 0
    size_fetches: int = 0  # partial fetches for a photo's pixel size past its head
    resyncs: int = 0
    bytes_fetched: int = 0

    def summary(self) -> str:
        return (
            f"{self.new} new message(s): {self.items['news']} news,"
            f" {self.items['article']} article(s),"
            f" {self.items['photo']} photo(s); {self.statuses['ignored']} ignored,"
            f" {self.statuses['needs-review']} to review, {self.statuses['failed']} failed;"
            f" {self.already} already stored; {self.full_fetches} fetched whole;"
            f" {self.size_fetches} photo size read(s) past the head;"
            f" {self.bytes_fetched:,} bytes fetched from {self.folders} folder(s)"
        )


Progress = Callable[[int, int], None]  # (done, total) within the current folder

# Untagged answers (and response codes) that say nothing about new mail in the selected
# folder: the answers to our own SEARCH, FETCH, STATUS …, flag changes, a bare "* OK".
# Any other (EXISTS, EXPUNGE, RECENT, UIDNEXT, UIDVALIDITY, NO, BAD, BYE, anything
# unknown) sends the folder down the full road.
HARMLESS_UNTAGGED = frozenset(
    {
        "OK",
        "FETCH",
        "FLAGS",
        "PERMANENTFLAGS",
        "SEARCH",
        "ESEARCH",
        "STATUS",
        "LIST",
        "LSUB",
        "CAPABILITY",
        "ENABLED",
        "READ-ONLY",
        "READ-WRITE",
    }
)


@dataclass(frozen=True)
class Selection:
    """The folder a kept session has selected, and the stored mark it was settled at.

    Settled means: read up to that mark, and every untagged answer the server sent
    since the SELECT is recorded (`Untagged`) and looked at by the next poll.
    """

    folder: str
    readonly: bool
    mark: tuple[int, int]


@dataclass
class _Step:
    """What one UID of a batch comes to, applied in UID order inside the batch's transaction."""

    mark: Mark
    item: Pending | None = None  # a new message, read from the server
    parsed: ParsedMessage | None = None  # ... ready to classify
    failed: str | None = None  # why it is recorded as failed
    unreadable: bool = False  # the server could not describe it: a placeholder is recorded
    known: int | None = None  # already stored (another folder, a resync): one more location
    present: bool = True  # False: expunged since the search, only the mark moves past it


@dataclass
class _Run:
    """A folder's batches as the wire works through them."""

    folder: str
    uidvalidity: int
    batches: list[list[int]]
    pipeline: FetchPipeline
    heads: dict[int, Ticket] = field(default_factory=dict)  # first FETCHes sent (the wire's)


@dataclass
class _Planned:
    """A batch whose first FETCH is read and whose part FETCHes are sent."""

    rebuild: Reconstructor
    steps: list[_Step]
    parts: AskedParts


P = ParamSpec("P")
T = TypeVar("T")


class _Wire:
    """The one thread that talks to the server during a folder's batches, in the order asked.

    imapclient is not thread-safe: while the batches run, only this thread touches
    the client. On leaving (a fetch or a commit failed, or all is done) what is
    queued is cancelled and what runs is waited for, so the client is free again
    for the caller (the next folder, a LOGOUT).
    """

    def __enter__(self) -> _Wire:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tinbai-imap")
        return self

    def ask(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        return self._pool.submit(fn, *args, **kwargs)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _placeholder(mark: Mark) -> ParsedMessage:
    """A message the server cannot describe: recorded as failed under its place, so it is seen."""
    key = f"{mark.account}/{mark.folder}/{mark.uidvalidity}/{mark.uid}"
    return ParsedMessage(
        message_id=None,
        subject=f"(unreadable message, {mark.folder} UID {mark.uid})",
        sender=None,
        digest=hashlib.sha256(key.encode()).hexdigest(),
    )


class Poller:
    """Folder sync of one mailbox: what is new, in batches, and where each folder stands."""

    def __init__(
        self,
        client: imapclient.IMAPClient,
        settings: MailboxSettings,
        ledger: Ledger,
        *,
        progress: Progress | None = None,
        heard: Untagged | None = None,
        selection: Selection | None = None,
    ) -> None:
        self.client = client
        self.settings = settings
        self.ledger = ledger
        self.account = settings.account
        self.after: AfterProcessing = action_for(settings.after_processing)
        self.progress = progress
        # A kept session (``heard`` records its untagged answers): leave a folder selected,
        # and ask it NOOP next time (``selection``).
        self.heard = heard
        self.selection = selection
        self.stats = PollStats()
        self._gmail = False

    def poll(self) -> PollStats:
        """Poll every folder; a folder that cannot be opened does not stop the others."""
        self._gmail = b"X-GM-EXT-1" in self.client.capabilities()
        readonly = self.after.readonly
        unopened: list[str] = []
        for folder in self.settings.folders:
            stored = self.ledger.high_water(self.account, folder)
            if self.selection is not None and self.selection.folder == folder:
                if not self._owes_action(folder, stored) and self._quiet(folder, readonly, stored):
                    self.stats.folders += 1
                    continue
                settle = True  # the server said something, or the mark moved: read it again
            else:
                # A kept session with nothing selected selects this folder even when STATUS
                # would say it is idle: from the next poll on, a NOOP answers for it.
                settle = self.heard is not None and self.selection is None
            settle = settle or self._owes_action(folder, stored)
            if stored is not None and not settle and self._unchanged(folder, stored):
                self.stats.folders += 1
                continue
            try:
                self.selection = None  # a SELECT that fails leaves nothing selected
                info = self.client.select_folder(folder, readonly=readonly)
            except imapclient.exceptions.IMAPClientAbortError:
                raise
            except imapclient.exceptions.IMAPClientError as e:
                unopened.append(f"{folder!r} ({e})")
                continue
            if self.heard is not None:
                self.heard.clear()  # from here on, whatever the server says is news
            self.poll_folder(folder, info, stored)
            if self.heard is not None:
                mark = self.ledger.high_water(self.account, folder)
                self.selection = Selection(folder, readonly, mark) if mark else None
        if unopened:
            raise MailboxError(
                f"cannot open the folder(s) {', '.join(unopened)} — check mailbox.folder / mailbox.folders"
            )
        return self.stats

    def _owes_action(self, folder: str, stored: tuple[int, int] | None) -> bool:
        """The action (mark seen, move) lags behind the committed mark: a crash came between."""
        if self.after.readonly or stored is None:
            return False
        acted = self.ledger.acted(self.account, folder)
        return acted is None or acted[0] != stored[0] or acted[1] < stored[1]

    def _catch_up(self, folder: str, uidvalidity: int, highest: int) -> None:
        """Do the action for committed UIDs it has not reached (present ones only)."""
        acted = self.ledger.acted(self.account, folder)
        start = acted[1] + 1 if acted is not None and acted[0] == uidvalidity else 1
        if start > highest:
            return
        uids = changed_uids(self.client.search(["UID", f"{start}:{highest}"]), start - 1)
        uids = [u for u in uids if u <= highest]
        if uids:
            log.info(
                "folder %s: %s for %d message(s) committed before a stop",
                folder,
                self.after.name,
                len(uids),
            )
            self.after.apply(self.client, uids)
        self.ledger.set_acted(Mark(self.account, folder, uidvalidity, highest))

    def _quiet(self, folder: str, readonly: bool, stored: tuple[int, int] | None) -> bool:
        """Nothing new in the kept session's selected ``folder``, by one NOOP.

        True only when the folder was settled at the very mark stored now (so nothing,
        not another tinbai, not a reset database, moved it since) and no untagged answer
        since its SELECT — to the NOOP or to any command after the SELECT — may mean new
        mail (RFC 3501 §7.3.1: the server reports EXISTS).
        """
        selection, heard = self.selection, self.heard
        if heard is None or selection is None:
            return False
        if (selection.folder, selection.readonly, selection.mark) != (folder, readonly, stored):
            return False
        self.client.noop()
        news = heard.kinds - HARMLESS_UNTAGGED
        if news:
            log.debug("folder %s: the server said %s since the last poll", folder, sorted(news))
            return False
        return True

    def _unchanged(self, folder: str, stored: tuple[int, int]) -> bool:
        """Nothing new since the stored mark, by STATUS alone: no SELECT, no SEARCH.

        The cheapest question a server answers: no message is listed or searched.
        (Dovecot answers it from its mailbox list index, except for INBOX, which by
        default it leaves out of that index and opens: 0.35 ms at 1,000 messages,
        2.4 ms at 100,000 — BENCHMARKS.md.) Any doubt, and the folder is selected as usual.
        """
        try:
            status = self.client.folder_status(folder, [b"UIDVALIDITY", b"UIDNEXT"])
        except imapclient.exceptions.IMAPClientAbortError:
            raise
        except imapclient.exceptions.IMAPClientError:
            return False  # the SELECT that follows says why, in its own words
        uidvalidity, uidnext = status.get(b"UIDVALIDITY"), status.get(b"UIDNEXT")
        if uidvalidity is None or uidnext is None:
            return False
        return int(uidvalidity) == stored[0] and int(uidnext) - 1 <= stored[1]

    # ------------------------------------------------------------------ folders

    def poll_folder(
        self, folder: str, info: dict[bytes, Any], stored: tuple[int, int] | None
    ) -> None:
        """Read what is new in the selected ``folder``; ``info`` is the SELECT's answer."""
        self.stats.folders += 1
        uidvalidity = int(info[b"UIDVALIDITY"])
        uidnext = info.get(b"UIDNEXT")
        highest = stored[1] if stored and stored[0] == uidvalidity else 0
        if stored and stored[0] != uidvalidity:
            self.stats.resyncs += 1
            log.warning(
                "folder %s: UIDVALIDITY changed from %s to %s — reading it again;"
                " stored messages are recognised, not counted twice",
                folder,
                stored[0],
                uidvalidity,
            )
        fresh = stored is None or stored[0] != uidvalidity
        if not self.after.readonly and not fresh and self._owes_action(folder, stored):
            self._catch_up(folder, uidvalidity, highest)
        if uidnext is not None and int(uidnext) - 1 <= highest:
            if fresh:
                self.ledger.set_high_water(Mark(self.account, folder, uidvalidity, highest))
            return
        # RFC 3501 §6.4.8: "n:*" also matches the highest UID when it is below n — filter it.
        uids = changed_uids(self.client.search(["UID", f"{highest + 1}:*"]), highest)
        if not uids:
            # UIDNEXT moved with nothing to read (a message came and went): every UID
            # below it is read or gone, so the mark moves up to it and the next idle
            # poll is a STATUS again.
            top = int(uidnext) - 1 if uidnext is not None else highest
            if fresh or top > highest:
                self.ledger.set_high_water(Mark(self.account, folder, uidvalidity, top))
            return
        log.info("folder %s: %d new message(s) above UID %d", folder, len(uids), highest)
        size = self.settings.batch_size
        batches = [uids[start : start + size] for start in range(0, len(uids), size)]
        self._sync_batches(folder, uidvalidity, batches, len(uids))

    def _sync_batches(
        self, folder: str, uidvalidity: int, batches: list[list[int]], total: int
    ) -> None:
        """Keep the link busy: batches are asked for ahead, committed in order, acted on after.

        On a slow link the fetches are most of a first sync. One thread (`_Wire`) owns
        the IMAP client and runs, in order, what is asked of the server; the FETCHes are
        sent without waiting for the answers before them (`FetchPipeline`):

        - a batch's first FETCH (headers, structure) is sent two batches ahead, so its
          answer is in when the batch before is still arriving;
        - its part FETCHes are sent as soon as that answer is read (`_plan_batch`),
          behind the previous batch's parts, which are still arriving — the link does
          not idle while a batch is planned, read (`_finish_batch`) or committed;
        - a batch's action (mark seen, move) is asked for only once its rows are
          committed, and done before the next commit; the action first reads every
          answer outstanding, so it is never mixed with a FETCH's.

        Batch N is committed here while the wire reads batch N+1 and plans N+2: at most
        three batches are in memory. An action that fails stops the poll before the
        next commit, as it did when everything ran here.
        """
        done, last = 0, len(batches) - 1
        with FetchPipeline(self.client) as pipeline, _Wire() as wire:
            run = _Run(folder, uidvalidity, batches, pipeline)

            def plan(n: int) -> Future[_Planned]:
                return wire.ask(self._plan_batch, run, n)

            wire.ask(self._ask_heads, run, [0, 1])
            plans = {n: plan(n) for n in range(min(2, last + 1))}
            reading = wire.ask(self._finish_batch, folder, plans.pop(0))
            sent: Future[Ticket | None] | None = None  # the last batch's action, sent
            for n, batch in enumerate(batches):
                steps = reading.result()  # a fetch's error is raised here, as it was raised
                if n + 2 <= last:
                    plans[n + 2] = plan(
                        n + 2
                    )  # its parts go out before the action's answer is read
                acting = wire.ask(self._answered, run, sent) if sent is not None else None
                if n + 1 <= last:
                    reading = wire.ask(self._finish_batch, folder, plans.pop(n + 1))
                if acting is not None:
                    acting.result()  # the previous batch's action is done before this commit
                    self._acted(folder, uidvalidity, batches[n - 1], ran=True)
                committed = self._commit_batch(steps)
                crash_point("poll.committed")
                sent = wire.ask(self._act, run, committed) if committed else None
                if sent is None:
                    self._acted(folder, uidvalidity, batch, ran=False)
                done += len(batch)
                if self.progress:
                    self.progress(done, total)
            if sent is not None:
                wire.ask(self._answered, run, sent).result()
                self._acted(folder, uidvalidity, batches[-1], ran=True)

    def _act(self, run: _Run, uids: list[int]) -> Ticket | None:
        """Send the action on committed ``uids`` without waiting (the wire's thread); an
        action that is not one command (a move without MOVE) is done here, in full."""
        command = self.after.command(self.client, uids)
        if command is None:
            self.after.apply(self.client, uids)
            return None
        return run.pipeline.send_command(*command)

    def _answered(self, run: _Run, sent: Future[Ticket | None]) -> None:
        """Read the action's answer (after every answer sent before it); a NO raises."""
        ticket = sent.result()
        if ticket is not None:
            run.pipeline.result(ticket)

    def _acted(self, folder: str, uidvalidity: int, batch: list[int], *, ran: bool) -> None:
        """The action is done for ``batch`` (and so for every batch before it): record it.

        Recorded only once the action has run, so a crash between a commit and its
        action leaves the acted mark behind the committed one and the next poll
        catches up (`_catch_up`). ``ran``: an action was sent for it (False: nothing
        of the batch was committed, so there was nothing to act on).
        """
        if ran:
            crash_point("poll.acted")
        if not self.after.readonly:
            self.ledger.set_acted(Mark(self.account, folder, uidvalidity, batch[-1]))

    # ------------------------------------------------------------------ batches

    def _ask_heads(self, run: _Run, numbers: list[int]) -> None:
        """Send the first FETCH of the batches ``numbers`` (those that exist)."""
        for n in numbers:
            if n < len(run.batches):
                run.heads[n] = run.pipeline.send(run.batches[n], first_fetch(self._gmail))

    def _plan_batch(self, run: _Run, n: int) -> _Planned:
        """Read batch ``n``'s first FETCH, send its part FETCHes, and the first FETCH of ``n + 2``.

        Run on the wire's thread (`_sync_batches`), beside the commit of a batch before:
        it touches the client, reads the ledger (`known`) and nothing else of the
        poller's, and writes nothing. The transaction holds only the database work,
        so a broken connection leaves the batch uncommitted (the next poll starts it
        again) and the database is never locked while we wait on the server.
        """
        folder, uidvalidity, uids = run.folder, run.uidvalidity, run.batches[n]
        rebuild = Reconstructor(
            self.client,
            vocabulary=self.settings.vocabulary,
            max_message_bytes=self.settings.max_message_bytes,
            read_documents=self.settings.read_documents,
            pipeline=run.pipeline,
        )
        # Not sent if sending failed (the job that sent it failed): asked here, its error raised.
        sent = run.heads.pop(n, None)
        answer, unreadable = rebuild.fetch_isolated(uids, first_fetch(self._gmail), sent)
        crash_point("poll.fetched")
        steps: list[_Step] = []
        pending: list[Pending] = []
        for uid in uids:
            mark = Mark(self.account, folder, uidvalidity, uid)
            data = answer.get(uid)
            if uid in unreadable:
                steps.append(_Step(mark, failed=unreadable[uid], unreadable=True))
                continue
            if data is None:  # expunged since the search: nothing to count, move past it
                steps.append(_Step(mark, present=False))
                continue
            try:
                item = rebuild.first_pass(uid, data)
            except Exception as e:  # edge: one broken message never blocks the rest
                log.exception("folder %s UID %s: unreadable headers or structure", folder, uid)
                reason = f"cannot read its headers or structure: {type(e).__name__}: {e}"
                steps.append(_Step(mark, failed=reason, unreadable=True))
                continue
            steps.append(_Step(mark, item=item))
        read = [(step, step.item) for step in steps if step.item is not None]
        identities = [(item.parsed.message_id, item.parsed.digest) for _, item in read]
        for (step, item), known in zip(read, self.ledger.known(identities), strict=True):
            if known is not None:  # stored already: another folder, a label, a resync
                step.item, step.known = None, known
            else:
                pending.append(item)
        parts = rebuild.ask_parts([p for p in pending if not p.distrust])
        self._ask_heads(run, [n + 2])
        return _Planned(rebuild, steps, parts)

    def _finish_batch(self, folder: str, planned: Future[_Planned]) -> list[_Step]:
        """Read a planned batch's parts and make each message ready to commit (the wire's thread)."""
        batch = planned.result()  # its planning's error is raised here
        rebuild, steps = batch.rebuild, batch.steps
        rebuild.take_parts(batch.parts)
        for step in steps:
            if step.item is not None:
                step.parsed, step.failed = rebuild.prepare(step.item, step.mark)
        self.stats.full_fetches += rebuild.full_fetches
        self.stats.size_fetches += rebuild.size_fetches
        self._drop_expunged(folder, steps)
        crash_point("poll.parsed")
        return steps

    def _commit_batch(self, steps: list[_Step]) -> list[int]:
        """One transaction for the batch, in UID order; return the UIDs committed."""
        with self.ledger.batch():
            for step in steps:
                self._apply(step)
                crash_point("poll.written")
        return [step.mark.uid for step in steps if step.present]

    def _drop_expunged(self, folder: str, steps: list[_Step]) -> None:
        """Messages that failed because another client expunged them meanwhile are not failures.

        A server may still answer the first FETCH of a message expunged by another
        session (empty headers: RFC 2180 §4.1) and then have no body for it: recorded
        as failed, it would be a phantom for the editor to review. One NOOP (the
        server then tells what went) and one UID SEARCH, only when something failed.
        """
        doubtful = [step for step in steps if step.failed is not None and step.present]
        if not doubtful:
            return
        self.client.noop()
        asked = ",".join(str(step.mark.uid) for step in doubtful)
        still = set(self.client.search(["UID", asked]))
        for step in doubtful:
            if step.mark.uid not in still:
                log.info(
                    "folder %s UID %s: expunged by another client while read: nothing to record",
                    folder,
                    step.mark.uid,
                )
                step.present, step.failed, step.unreadable = False, None, False
                step.item = step.parsed = None

    def _apply(self, step: _Step) -> None:
        """One message's database work, inside the batch's transaction."""
        mark = step.mark
        if step.known is not None:
            self.ledger.seen_again(step.known, mark)
            self.stats.already += 1
            return
        if not step.present:
            self.ledger.set_high_water(mark)
            return
        parsed = step.parsed
        if step.unreadable:
            parsed = _placeholder(mark)
            log.error(
                "folder %s UID %s: recorded as failed: %s", mark.folder, mark.uid, step.failed
            )
        assert parsed is not None
        created, result = self.ledger.submit(parsed, mark, step.failed)
        if not created:
            self.stats.already += 1
            return
        self.stats.new += 1
        self.stats.statuses[result.status] += 1
        for piece in result.items:
            self.stats.items[piece.kind] += piece.count
        log.info(
            "folder %s UID %s %s: %s %s",
            mark.folder,
            mark.uid,
            parsed.message_id,
            result.status,
            reason_text(result.reason, "en"),  # the log is for whoever runs tinbai
        )


def changed_uids(uids: Iterable[int], above: int) -> list[int]:
    """UIDs strictly above a mark, ascending (the server may answer "n:*" with one below n)."""
    return sorted(u for u in uids if u > above)
