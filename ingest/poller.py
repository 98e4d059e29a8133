"""One poll of one mailbox: new UIDs only, the few bytes counting needs, one commit per batch.

For each folder: STATUS (UIDVALIDITY UIDNEXT) against the stored high-water
mark, and when that does not settle it, SELECT (read-only unless an
after-processing action is configured) and `UID SEARCH` above the mark; then
work through the new UIDs in bounded batches:

1. one FETCH per batch of RFC822.SIZE, INTERNALDATE, BODYSTRUCTURE and the
   header fields the rules read — a message already stored (another folder, a
   Gmail label, a UIDVALIDITY resync) stops here;
2. one FETCH per group of messages with the same plan, of the text parts
   whole, images' heads (`BODY.PEEK[n]<0.N>`, base64 decoded here), and
   documents only when no subject tag decides the kind;
3. one transaction for the batch: in UID order, each message, its items and its
   location, and the folder's new high-water mark (the `Ledger`). Nothing in it
   talks to the server, so a connection that breaks leaves the batch uncommitted.

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
import json
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

import imapclient

from classify.message import (
    FINGERPRINT_HEAD_BYTES,
    Classification,
    ParsedMessage,
    Part,
    image_fingerprint,
)
from classify.tags import DEFAULT_VOCABULARY, message_tags
from ingest import parse
from ingest.headers import decode_header_block
from ingest.imap import Untagged
from ingest.sniff import sniff_image
from ingest.structure import (
    TEXT_LIMIT,
    Leaf,
    StructureError,
    decode_head,
    distrust,
    head_octets,
    leaves,
)
from tinbai.config import MailboxConfig
from tinbai.errors import MailboxError, StoreError

log = logging.getLogger(__name__)

# Header fields the rules read (the parser's list, whatever it grows to) plus the envelope's.
ENVELOPE_FIELDS = (
    "from",
    "sender",
    "to",
    "cc",
    "subject",
    "date",
    "message-id",
    "in-reply-to",
    "references",
)
HEADER_FIELDS: tuple[str, ...] = tuple(
    dict.fromkeys((*ENVELOPE_FIELDS, *parse.KEPT_HEADERS, "content-transfer-encoding"))
)


@dataclass(frozen=True)
class Mark:
    """Where one message sits: the key of a poll's idempotency."""

    account: str
    folder: str
    uidvalidity: int
    uid: int


class Ledger(Protocol):
    """What the poller needs from the rest of tinbai: memory, and one commit per batch."""

    def batch(self) -> AbstractContextManager[None]:
        """One transaction around a batch's writes; the mark lands with them or not at all."""
        ...

    def high_water(self, account: str, folder: str) -> tuple[int, int] | None:
        """The folder's stored (UIDVALIDITY, highest UID), or None if never polled."""
        ...

    def set_high_water(self, mark: Mark) -> None: ...

    def known(self, identities: Sequence[tuple[str | None, str]]) -> list[int | None]:
        """For each (Message-ID or None, content digest): the stored message, or None."""
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
    resyncs: int = 0
    bytes_fetched: int = 0

    def summary(self) -> str:
        return (
            f"{self.new} new message(s): {self.items['news']} news,"
            f" {self.items['article']} article(s),"
            f" {self.items['photo']} photo(s); {self.statuses['ignored']} ignored,"
            f" {self.statuses['needs-review']} to review, {self.statuses['failed']} failed;"
            f" {self.already} already stored; {self.full_fetches} fetched whole;"
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
class _Pending:
    uid: int
    size: int
    received_at: datetime | None
    header_block: bytes
    body: Any
    parsed: ParsedMessage  # headers only, until the parts are in
    structure: list[Leaf] = field(default_factory=list)
    distrust: str | None = None
    specs: dict[str, tuple[Leaf, int | None]] = field(
        default_factory=dict
    )  # path → (leaf, octets or None=whole)
    fetched: dict[str, bytes] = field(default_factory=dict)


@dataclass
class _Step:
    """What one UID of a batch comes to, applied in UID order inside the batch's transaction."""

    mark: Mark
    item: _Pending | None = None  # a new message, read from the server
    parsed: ParsedMessage | None = None  # ... ready to classify
    failed: str | None = None  # why it is recorded as failed
    unreadable: bool = False  # the server could not describe it: a placeholder is recorded
    known: int | None = None  # already stored (another folder, a resync): one more location
    present: bool = True  # False: expunged since the search, only the mark moves past it


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
    def __init__(
        self,
        client: imapclient.IMAPClient,
        config: MailboxConfig,
        ledger: Ledger,
        *,
        account: str,
        vocabulary: Any = DEFAULT_VOCABULARY,
        progress: Progress | None = None,
        heard: Untagged | None = None,
        selection: Selection | None = None,
    ) -> None:
        self.client = client
        self.config = config
        self.ledger = ledger
        self.account = account
        self.vocabulary = vocabulary
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
        readonly = self.config.after_processing == "none"
        unopened: list[str] = []
        for folder in self.config.folder_list():
            stored = self.ledger.high_water(self.account, folder)
            if self.selection is not None and self.selection.folder == folder:
                if self._quiet(folder, readonly, stored):
                    self.stats.folders += 1
                    continue
                settle = True  # the server said something, or the mark moved: read it again
            else:
                # A kept session with nothing selected selects this folder even when STATUS
                # would say it is idle: from the next poll on, a NOOP answers for it.
                settle = self.heard is not None and self.selection is None
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
        done = 0
        for start in range(0, len(uids), self.config.batch_size):
            batch = uids[start : start + self.config.batch_size]
            committed = self._batch(folder, uidvalidity, batch)
            self._after_processing(committed)
            done += len(batch)
            if self.progress:
                self.progress(done, len(uids))

    def _after_processing(self, uids: list[int]) -> None:
        action = self.config.after_processing
        if not uids or action == "none":
            return
        if action == "mark-seen":
            self.client.add_flags(uids, [imapclient.SEEN])
            return
        target = action.removeprefix("move:")
        if b"MOVE" in self.client.capabilities():
            self.client.move(uids, target)
        else:
            self.client.copy(uids, target)
            self.client.delete_messages(uids)
            self.client.uid_expunge(uids)

    # ------------------------------------------------------------------ batches

    def _batch(self, folder: str, uidvalidity: int, uids: list[int]) -> list[int]:
        """Fetch a batch, then commit it in one transaction; return the UIDs committed.

        Everything that talks to the server happens first; the transaction holds only
        the database work, so a broken connection leaves the batch uncommitted (the
        next poll starts it again) and the database is never locked while we wait.
        """
        wanted = [
            "RFC822.SIZE",
            "INTERNALDATE",
            "BODYSTRUCTURE",
            f"BODY.PEEK[HEADER.FIELDS ({' '.join(HEADER_FIELDS).upper()})]",
        ]
        if self._gmail:
            wanted.append("X-GM-MSGID")
        answer, unreadable = self._fetch_isolated(uids, wanted)
        steps: list[_Step] = []
        pending: list[_Pending] = []
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
                item = self._first_pass(uid, data)
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
        self._fetch_parts([p for p in pending if not p.distrust])
        for step in steps:
            if step.item is not None:
                step.parsed, step.failed = self._prepare(step.item, step.mark)
        with self.ledger.batch():
            for step in steps:
                self._apply(step)
        return [step.mark.uid for step in steps if step.present]

    def _fetch_isolated(
        self, uids: list[int], wanted: list[str]
    ) -> tuple[dict[int, dict[bytes, Any]], dict[int, str]]:
        """FETCH for many UIDs; if the answer cannot be had, UID by UID, so one bad message
        (an answer imapclient cannot parse, a NO for one message) cannot block the rest.

        Returns the answers and, per UID that failed alone, the reason.
        """
        try:
            return self.client.fetch(uids, wanted), {}
        except imapclient.exceptions.IMAPClientAbortError:
            raise
        except imapclient.exceptions.IMAPClientError as e:
            if len(uids) == 1:
                return {}, {uids[0]: f"the server's answer cannot be read: {e}"}
            log.warning("FETCH of %d messages failed (%s): fetching them one by one", len(uids), e)
        answers: dict[int, dict[bytes, Any]] = {}
        broken: dict[int, str] = {}
        for uid in uids:
            try:
                answers.update(self.client.fetch([uid], wanted))
            except imapclient.exceptions.IMAPClientAbortError:
                raise
            except imapclient.exceptions.IMAPClientError as e:
                broken[uid] = f"the server's answer cannot be read: {e}"
        return answers, broken

    def _first_pass(self, uid: int, data: dict[bytes, Any]) -> _Pending:
        header_block = (
            next((v for k, v in data.items() if k.startswith(b"BODY[HEADER")), b"") or b""
        )
        size = int(data.get(b"RFC822.SIZE") or 0)
        body = data.get(b"BODYSTRUCTURE")
        received = data.get(b"INTERNALDATE")
        parsed = decode_header_block(
            header_block, received if isinstance(received, datetime) else None
        )
        gm = data.get(b"X-GM-MSGID")
        if gm is not None:
            parsed = replace(parsed, headers=(*parsed.headers, ("x-gm-msgid", str(gm))))
        item = _Pending(uid, size, parsed.received_at, header_block, body, parsed)
        try:
            item.structure = leaves(body)
        except StructureError as e:
            item.distrust = str(e)
        item.parsed = replace(
            parsed, size=size, digest=_digest(header_block, size, item.structure, body)
        )
        parsed = item.parsed
        if item.distrust:
            return item
        ctype = parsed.header("content-type") or ""
        item.distrust = distrust(
            item.structure,
            declared_multipart=ctype.lower().startswith("multipart/"),
            message_size=size,
            header_size=len(header_block),
        )
        if not item.distrust:
            item.specs = self._plan(parsed, item.structure)
        return item

    def _plan(
        self, parsed: ParsedMessage, structure: Sequence[Leaf]
    ) -> dict[str, tuple[Leaf, int | None]]:
        """What to fetch of each part: whole (None) or the first N octets."""
        plain_alternatives = {
            leaf.alternative_of
            for leaf in structure
            if leaf.content_type == "text/plain" and leaf.alternative_of
        }
        tags = message_tags(parsed, self.vocabulary)  # the rules' own reading, Delivered-To too
        word_count_needed = not any(t in ("news", "article") for t in tags)
        specs: dict[str, tuple[Leaf, int | None]] = {}
        for leaf in structure:
            if leaf.is_text_body():
                if leaf.content_type == "text/html" and leaf.alternative_of in plain_alternatives:
                    continue  # the plain alternative says the same words
                specs[leaf.path] = (leaf, TEXT_LIMIT if leaf.encoded_size > TEXT_LIMIT else None)
            elif leaf.is_document():
                if word_count_needed and leaf.encoded_size <= self.config.max_message_bytes:
                    specs[leaf.path] = (leaf, None)
            elif leaf.may_be_image():
                octets = head_octets(leaf)
                specs[leaf.path] = (leaf, octets if leaf.encoded_size > octets else None)
        return specs

    def _fetch_parts(self, pending: list[_Pending]) -> None:
        """One FETCH per group of messages that want the same sections."""
        groups: dict[tuple[str, ...], list[_Pending]] = defaultdict(list)
        for item in pending:
            sections = tuple(
                _section(path, octets) for path, (_, octets) in sorted(item.specs.items())
            )
            if sections:
                groups[sections].append(item)
        for sections, items in groups.items():
            answer, unreadable = self._fetch_isolated([i.uid for i in items], list(sections))
            for item in items:
                if item.uid in unreadable:
                    item.distrust = unreadable[item.uid]  # try the whole message instead
                    continue
                data = answer.get(item.uid, {})
                for path, (_, octets) in item.specs.items():
                    key = f"BODY[{path}]<0>" if octets is not None else f"BODY[{path}]"
                    value = data.get(key.encode())
                    item.fetched[path] = value if isinstance(value, bytes) else b""

    # ------------------------------------------------------------------ messages

    def _prepare(self, item: _Pending, mark: Mark) -> tuple[ParsedMessage, str | None]:
        """The message ready to classify, or why it cannot be read (it is then recorded failed)."""
        try:
            return (self._whole(item, mark) if item.distrust else self._assemble(item)), None
        except (MailboxError, StoreError):
            raise
        except (imapclient.exceptions.IMAPClientAbortError, OSError):
            raise  # the connection broke: stop here, the next poll starts this batch again
        except Exception as e:  # edge: one broken message never blocks the rest
            log.exception(
                "folder %s UID %s %s: cannot be read",
                mark.folder,
                mark.uid,
                item.parsed.message_id,
            )
            return item.parsed, f"cannot read the message: {type(e).__name__}: {e}"

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
            result.reason,
        )

    def _whole(self, item: _Pending, mark: Mark) -> ParsedMessage:
        """The old road: fetch the whole message and parse it; the structure is not to be trusted."""
        log.info(
            "folder %s UID %s %s: fetched whole: %s",
            mark.folder,
            mark.uid,
            item.parsed.message_id,
            item.distrust,
        )
        if item.size > self.config.max_message_bytes:
            raise ValueError(
                f"{item.distrust}, and at {item.size:,} bytes it is over"
                " mailbox.max_message_bytes to fetch whole"
            )
        self.stats.full_fetches += 1
        answer = self.client.fetch([item.uid], ["BODY.PEEK[]"])
        raw = answer.get(item.uid, {}).get(b"BODY[]")
        if not isinstance(raw, bytes):
            raise ValueError("the server returned no body")
        whole = parse.parse_message(raw, received_at=item.received_at)
        # Keep the structure digest: the same message in another folder is then recognised
        # before any fetch, like every other message.
        return replace(
            whole,
            digest=item.parsed.digest,
            defects=(*whole.defects, f"imap: fetched whole: {item.distrust}"),
        )

    def _assemble(self, item: _Pending) -> ParsedMessage:
        parts: list[Part] = []
        texts: list[str] = []
        defects = list(item.parsed.defects)
        for leaf in item.structure:
            spec = item.specs.get(leaf.path)
            data = item.fetched.get(leaf.path, b"") if spec else b""
            text: str | None = None
            head = b""
            size = leaf.size
            if spec and (leaf.is_text_body() or leaf.is_document()):
                if spec[1] is not None:
                    defects.append(f"imap: part {leaf.path} cut at {spec[1]:,} bytes")
                text, size = _decode_part(leaf, data)
                if leaf.is_text_body() and text and text.strip():
                    texts.append(text)
            elif spec:
                head = self._image_head(item.uid, leaf, data, spec[1])
                if spec[1] is None:
                    size = len(decode_head(leaf, data))
            sniffed = sniff_image(head[:32]) if head else None
            parts.append(
                Part(
                    path=leaf.path,
                    content_type=leaf.content_type,
                    filename=leaf.filename,
                    size=size,
                    disposition=leaf.disposition,
                    content_id=leaf.content_id,
                    sniffed_type=sniffed,
                    fingerprint=image_fingerprint(head)
                    if head and (sniffed or leaf.content_type.startswith("image/"))
                    else None,
                    text=text,
                    nested_in=leaf.nested_in,
                )
            )
        return replace(
            item.parsed, parts=tuple(parts), text="\n".join(texts), defects=tuple(defects)
        )

    def _image_head(self, uid: int, leaf: Leaf, data: bytes, octets: int | None) -> bytes:
        """The first FINGERPRINT_HEAD_BYTES decoded bytes; asks again if lines were short."""
        head = decode_head(leaf, data)
        while octets is not None and len(head) < FINGERPRINT_HEAD_BYTES and len(data) >= octets:
            octets *= 2
            section = _section(leaf.path, octets)
            data = (
                self.client.fetch([uid], [section])
                .get(uid, {})
                .get(f"BODY[{leaf.path}]<0>".encode(), b"")
            )
            head = decode_head(leaf, data)
            if octets >= leaf.encoded_size:
                break
        return head[:FINGERPRINT_HEAD_BYTES]


def _digest(header_block: bytes, size: int, structure: Sequence[Leaf], body: Any) -> str:
    """The message's identity without its bytes: header fields, size and MIME structure.

    Serialised from our own `Leaf` values, not from a library's repr, so that the
    same message keeps the same digest across upgrades (else a resync after an
    upgrade would take every stored message for a reused Message-ID).
    """
    shape = (
        [
            [
                leaf.path,
                leaf.content_type,
                leaf.params,
                leaf.encoding,
                leaf.encoded_size,
                leaf.disposition,
                leaf.disposition_params,
            ]
            for leaf in structure
        ]
        if structure
        else repr(body)
    )
    canonical = json.dumps([size, shape], ensure_ascii=False, separators=(",", ":")).encode()
    return hashlib.sha256(b"imap\0" + header_block + b"\0" + canonical).hexdigest()


def _section(path: str, octets: int | None) -> str:
    return f"BODY.PEEK[{path}]" + (f"<0.{octets}>" if octets is not None else "")


def _decode_part(leaf: Leaf, data: bytes) -> tuple[str | None, int]:
    """A text body decoded here (as the file parser does it); a document by the file parser."""
    if leaf.is_text_body():
        decoded = decode_head(leaf, data)
        charset = dict(leaf.params).get("charset", "utf-8").strip().lower() or "utf-8"
        try:
            text = decoded.decode(charset, errors="replace")
        except LookupError:
            text = decoded.decode("utf-8", errors="replace")
        if leaf.content_type == "text/html":
            text = parse.html_to_text(text)
        return text, len(decoded)
    single = parse.parse_message(leaf.mime_header() + data)
    first = single.parts[0] if single.parts else None
    if first is None:
        return None, leaf.size
    return first.text, first.size or leaf.size


def changed_uids(uids: Iterable[int], above: int) -> list[int]:
    """UIDs strictly above a mark, ascending (the server may answer "n:*" with one below n)."""
    return sorted(u for u in uids if u > above)
