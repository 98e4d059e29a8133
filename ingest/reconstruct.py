"""Rebuild a message from its BODYSTRUCTURE and a few partial fetches, as the file parser would.

The poller (`ingest.poller`) syncs folders; this module turns one batch of new UIDs
into `ParsedMessage` values without downloading them whole:

1. the first FETCH of a batch (`first_fetch`: size, INTERNALDATE, BODYSTRUCTURE and
   the header fields the rules read) gives each message its headers, its structure,
   and an identity digest (`first_pass`); a structure that cannot be trusted
   (`structure.distrust`) marks it for a whole fetch;
2. `plan_fetch` decides per part what the rules need: text parts whole, images'
   heads (`BODY.PEEK[n]<0.N>`, base64 decoded here), documents only when no tag
   decides the kind;
3. one FETCH per group of messages with the same plan, all sent at once (`ask_parts`,
   through the poller's `FetchPipeline`: their answers are read later, `take_parts`), then
   `prepare` assembles the message from the parts (or fetches it whole and parses it).

The file parser is the reference: `tests/ingest/test_both_roads.py` holds a letter's
count equal over both roads.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import imapclient

from classify.errors import TinbaiError
from classify.message import (
    FINGERPRINT_HEAD_BYTES,
    Kind,
    Mark,
    ParsedMessage,
    Part,
    image_fingerprint,
)
from classify.tags import message_tags
from ingest import parse
from ingest.containers import Inflation, is_zip
from ingest.headers import decode_header_block
from ingest.imagesize import Source, image_size
from ingest.imap import FetchPipeline, FetchRequest, Ticket, fetch_pipelined
from ingest.partial import decoded_reader
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

log = logging.getLogger(__name__)

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


def first_fetch(gmail: bool) -> list[str]:
    """What the batch's first FETCH asks of every new UID."""
    wanted = [
        "RFC822.SIZE",
        "INTERNALDATE",
        "BODYSTRUCTURE",
        f"BODY.PEEK[HEADER.FIELDS ({' '.join(HEADER_FIELDS).upper()})]",
    ]
    if gmail:
        wanted.append("X-GM-MSGID")
    return wanted


@dataclass
class Pending:
    """A new message of a batch: its headers and structure, then the parts fetched for it."""

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
    # Encoded ranges fetched ahead for a photo whose pixel size lies past its head:
    # (path, start) -> bytes, asked for in one FETCH with the batch's other such ranges.
    ahead: dict[tuple[str, int], bytes] = field(default_factory=dict)


@dataclass
class AskedParts:
    """The part FETCHes of a batch, sent (`Reconstructor.ask_parts`) and not yet read."""

    pending: list[Pending]
    groups: list[list[Pending]]
    requests: list[FetchRequest]
    sent: list[Ticket] | None  # None: no pipeline, asked when read


class _Wanted(Exception):
    def __init__(self, start: int, length: int) -> None:
        self.start, self.length = start, length


class Reconstructor:
    """Reads one batch's new messages from the server, part by part, on ``client``."""

    def __init__(
        self,
        client: imapclient.IMAPClient,
        *,
        vocabulary: Mapping[str, Kind],
        max_message_bytes: int,
        read_documents: bool = False,
        pipeline: FetchPipeline | None = None,
    ) -> None:
        self.client = client
        self.pipeline = pipeline  # FETCHes sent without waiting (the poller's); else one by one
        self.vocabulary = vocabulary
        self.read_documents = read_documents
        self.max_message_bytes = max_message_bytes
        self.full_fetches = 0  # messages fetched whole: their structure was not to be trusted
        self.size_fetches = 0  # partial fetches for a photo's pixel size past its head

    def fetch_isolated(
        self, uids: list[int], wanted: list[str], sent: Ticket | None = None
    ) -> tuple[dict[int, dict[bytes, Any]], dict[int, str]]:
        """FETCH for many UIDs; if the answer cannot be had, UID by UID, so one bad message
        (an answer imapclient cannot parse, a NO for one message) cannot block the rest.

        ``sent``: that FETCH already sent through the pipeline; its answer is read.
        Returns the answers and, per UID that failed alone, the reason.
        """
        try:
            if sent is not None and self.pipeline is not None:
                return self.pipeline.result(sent), {}
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

    def first_pass(self, uid: int, data: dict[bytes, Any]) -> Pending:
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
        item = Pending(uid, size, parsed.received_at, header_block, body, parsed)
        try:
            item.structure = leaves(body)
        except StructureError as e:
            item.distrust = str(e)
        item.parsed = replace(
            parsed, size=size, digest=structure_digest(header_block, size, item.structure, body)
        )
        parsed = item.parsed
        if item.distrust:
            return item
        if parsed.sender is None and parsed.message_id is None:
            # A header block this broken is read two ways by Dovecot and by the parser of
            # the file road: read it whole, so both roads count it from the same reading.
            item.distrust = "no From and no Message-ID in its header"
            return item
        ctype = parsed.header("content-type") or ""
        item.distrust = distrust(
            item.structure,
            declared_multipart=ctype.lower().startswith("multipart/"),
            message_size=size,
            header_size=len(header_block),
        )
        if not item.distrust:
            item.specs = plan_fetch(
                parsed,
                item.structure,
                self.vocabulary,
                max_document_bytes=self.max_message_bytes,
                read_documents=self.read_documents,
            )
        return item

    def fetch_together(
        self, requests: list[FetchRequest]
    ) -> list[tuple[dict[int, dict[bytes, Any]], dict[int, str]]]:
        """`fetch_isolated` for several requests, sent at once (`fetch_pipelined`).

        One round trip for a batch's groups instead of one per group: over a slow link
        each costs the link's round-trip time plus reading the answer before the next
        is asked. If the server refuses any of them, they are asked again one by one.
        """
        if len(requests) < 2:
            return [self.fetch_isolated(uids, wanted) for uids, wanted in requests]
        if self.pipeline is not None:
            sent = [self.pipeline.send(uids, wanted) for uids, wanted in requests]
            return [
                self.fetch_isolated(uids, wanted, ticket)
                for (uids, wanted), ticket in zip(requests, sent, strict=True)
            ]
        try:
            return [(answer, {}) for answer in fetch_pipelined(self.client, requests)]
        except imapclient.exceptions.IMAPClientAbortError:
            raise
        except imapclient.exceptions.IMAPClientError as e:
            log.warning("%d FETCHes sent together failed (%s): asking again", len(requests), e)
        return [self.fetch_isolated(uids, wanted) for uids, wanted in requests]

    def fetch_parts(self, pending: list[Pending]) -> None:
        """The parts the plans ask for, then the ranges photos' sizes need past their heads."""
        self.take_parts(self.ask_parts(pending))

    def ask_parts(self, pending: list[Pending]) -> AskedParts:
        """Send the FETCHes of the parts the plans ask for, one per group of messages that
        want the same sections; with a pipeline their answers are read later (`take_parts`)."""
        groups: dict[tuple[str, ...], list[Pending]] = defaultdict(list)
        for item in pending:
            sections = tuple(
                fetch_section(path, octets) for path, (_, octets) in sorted(item.specs.items())
            )
            if sections:
                groups[sections].append(item)
        requests = [([i.uid for i in items], list(sections)) for sections, items in groups.items()]
        sent = (
            [self.pipeline.send(uids, wanted) for uids, wanted in requests]
            if self.pipeline is not None
            else None
        )
        return AskedParts(pending, list(groups.values()), requests, sent)

    def take_parts(self, asked: AskedParts) -> None:
        """Read the parts asked for, then fetch the ranges photos' sizes need past their heads."""
        if asked.sent is None:
            answers = self.fetch_together(asked.requests)
        else:
            answers = [
                self.fetch_isolated(uids, wanted, ticket)
                for (uids, wanted), ticket in zip(asked.requests, asked.sent, strict=True)
            ]
        for items, (answer, unreadable) in zip(asked.groups, answers, strict=True):
            for item in items:
                if item.uid in unreadable:
                    item.distrust = unreadable[item.uid]  # try the whole message instead
                    continue
                data = answer.get(item.uid, {})
                empty: list[str] = []
                for path, (leaf, octets) in item.specs.items():
                    key = f"BODY[{path}]<0>" if octets is not None else f"BODY[{path}]"
                    value = data.get(key.encode())
                    if not isinstance(value, bytes) or (not value and leaf.encoded_size > 0):
                        empty.append(path)  # expunged meanwhile (RFC 2180 §4.1), or a bad server
                    item.fetched[path] = value if isinstance(value, bytes) else b""
                if empty:
                    # Never a silent zero: a photo whose bytes did not come is not "no photo".
                    # The whole message is asked for instead; if it is gone, the poller sees
                    # that (`_drop_expunged`), else it is read whole or recorded failed.
                    item.distrust = (
                        f"the server sent nothing for part(s) {', '.join(sorted(empty))}"
                    )
        self._fetch_ahead(asked.pending)

    def _fetch_ahead(self, pending: list[Pending]) -> None:
        """The first range past its head that each photo's pixel size needs, for the batch at once.

        Reading a size past a phone photo's Exif block costs a round trip per photo
        when asked for one by one; asked for together (one FETCH per group of messages
        wanting the same ranges) it costs a few. A further jump, rare, is fetched alone.
        """
        groups: dict[tuple[tuple[str, int, int], ...], list[Pending]] = defaultdict(list)
        for item in pending:
            ranges: list[tuple[str, int, int]] = []
            for path, (leaf, octets) in sorted(item.specs.items()):
                head = item.fetched.get(path, b"")
                if octets is None or not leaf.may_be_image() or not head:
                    continue
                wanted = _first_range(leaf, head)
                if wanted is not None:
                    ranges.append((path, *wanted))
            if ranges:
                groups[tuple(ranges)].append(item)
        requests: list[FetchRequest] = [
            ([i.uid for i in items], [f"BODY.PEEK[{p}]<{start}.{n}>" for p, start, n in group])
            for group, items in groups.items()
        ]
        self.size_fetches += len(requests)
        answers = self.fetch_together(requests)
        for (group, items), (answer, _) in zip(groups.items(), answers, strict=True):
            for item in items:
                got = answer.get(item.uid, {})
                for path, start, _length in group:
                    value = got.get(f"BODY[{path}]<{start}>".encode())
                    if isinstance(value, bytes):
                        item.ahead[(path, start)] = value

    # ------------------------------------------------------------------ messages

    def prepare(self, item: Pending, mark: Mark) -> tuple[ParsedMessage, str | None]:
        """The message ready to classify, or why it cannot be read (it is then recorded failed)."""
        try:
            return (self.whole(item, mark) if item.distrust else self.assemble(item)), None
        except TinbaiError:  # the mailbox or the store failed, not this message
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

    def whole(self, item: Pending, mark: Mark) -> ParsedMessage:
        """The old road: fetch the whole message and parse it; the structure is not to be trusted."""
        log.info(
            "folder %s UID %s %s: fetched whole: %s",
            mark.folder,
            mark.uid,
            item.parsed.message_id,
            item.distrust,
        )
        if item.size > self.max_message_bytes:
            raise ValueError(
                f"{item.distrust}, and at {item.size:,} bytes it is over"
                " mailbox.max_message_bytes to fetch whole"
            )
        self.full_fetches += 1
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

    def assemble(self, item: Pending) -> ParsedMessage:
        parts: list[Part] = []
        texts: list[str] = []
        defects = list(item.parsed.defects)
        inflation = Inflation()  # one per message, as on the file road
        for leaf in item.structure:
            spec = item.specs.get(leaf.path)
            data = item.fetched.get(leaf.path, b"") if spec else b""
            if is_archive(leaf):
                parts.extend(self.archive(leaf, data if spec else None, inflation))
                continue
            text: str | None = None
            note = ""
            head = b""
            size = leaf.size
            if spec and (leaf.is_text_body() or leaf.is_document()):
                if spec[1] is not None:
                    defects.append(f"imap: part {leaf.path} cut at {spec[1]:,} bytes")
                # The document's note too: a decompression bomb is a limit on both roads.
                text, size, note = decode_part(leaf, data)
                if leaf.is_text_body() and text and text.strip():
                    texts.append(text)
            elif spec:
                head, whole = self.image_head(item.uid, leaf, data, spec[1])
                if whole is not None:
                    size = len(whole)
            sniffed = sniff_image(head[:32]) if head else None
            dims = (
                self.pixels(item, leaf, data, head, whole=spec[1] is None)
                if spec and sniffed
                else None
            )
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
                    width=dims[0] if dims else None,
                    height=dims[1] if dims else None,
                    text=text,
                    nested_in=leaf.nested_in,
                    note=note,
                )
            )
        return replace(
            item.parsed, parts=tuple(parts), text="\n".join(texts), defects=tuple(defects)
        )

    def archive(self, leaf: Leaf, data: bytes | None, inflation: Inflation) -> list[Part]:
        """A .zip's parts exactly as the file road makes them, from the same decoded bytes."""
        if data is None:
            note = (
                f"{leaf.filename or 'the archive'}: at {leaf.size:,} bytes it is over"
                " mailbox.max_message_bytes to fetch: not opened"
            )
            return [
                Part(
                    leaf.path,
                    leaf.content_type,
                    leaf.filename,
                    leaf.size,
                    leaf.disposition,
                    leaf.content_id,
                    nested_in=leaf.nested_in,
                    note=note,
                )
            ]
        found, _ = parse.file_parts(
            leaf.path,
            content_type=leaf.content_type,
            filename=leaf.filename,
            data=decode_head(leaf, data),
            disposition=leaf.disposition,
            content_id=leaf.content_id,
            nested_in=leaf.nested_in,
            inflation=inflation,
        )
        return found

    def pixels(
        self, item: Pending, leaf: Leaf, data: bytes, head: bytes, *, whole: bool
    ) -> tuple[int, int] | None:
        """The photo's pixel size, read where its header lies: further ranges when needed."""
        if whole:
            return image_size(Source.of(decode_head(leaf, data)))
        uid = item.uid

        def encoded(start: int, length: int) -> bytes:
            ahead = item.ahead.get((leaf.path, start))
            if ahead is not None and len(ahead) >= length:
                return ahead[:length]
            self.size_fetches += 1
            answer = self.client.fetch([uid], [f"BODY.PEEK[{leaf.path}]<{start}.{length}>"])
            value = answer.get(uid, {}).get(f"BODY[{leaf.path}]<{start}>".encode(), b"")
            return value if isinstance(value, bytes) else b""

        reader = decoded_reader(leaf.encoding, data, encoded)
        return image_size(Source(head, reader, leaf.size))

    def image_head(
        self, uid: int, leaf: Leaf, data: bytes, octets: int | None
    ) -> tuple[bytes, bytes | None]:
        """The first FINGERPRINT_HEAD_BYTES decoded bytes; asks again if lines were short.

        Also the whole decoded part when what was fetched is all of it (whole, or asked
        again up to its end): its size is then the decoded size, as from a file, not
        the estimate from the encoded size (base64 noise decodes to a few bytes).
        """
        head = decode_head(leaf, data)
        while octets is not None and len(head) < FINGERPRINT_HEAD_BYTES and len(data) >= octets:
            octets *= 2
            wanted = fetch_section(leaf.path, octets)
            data = (
                self.client.fetch([uid], [wanted])
                .get(uid, {})
                .get(f"BODY[{leaf.path}]<0>".encode(), b"")
            )
            head = decode_head(leaf, data)
            if octets >= leaf.encoded_size:
                break
        whole = octets is None or len(data) < octets or octets >= leaf.encoded_size
        return head[:FINGERPRINT_HEAD_BYTES], head if whole else None


def plan_fetch(
    parsed: ParsedMessage,
    structure: Sequence[Leaf],
    vocabulary: Mapping[str, Kind],
    *,
    max_document_bytes: int,
    read_documents: bool = False,
) -> dict[str, tuple[Leaf, int | None]]:
    """What to fetch of each part: whole (None) or the first N octets.

    A document is fetched only when no tag decides the kind, read as the rules read
    tags (`message_tags`, with the configured ``vocabulary``): else its word count
    is needed and would be missing. With ``read_documents`` (the plan has themes,
    found in documents too) a document is always fetched.
    """
    plain_alternatives = {
        leaf.alternative_of
        for leaf in structure
        if leaf.content_type == "text/plain" and leaf.alternative_of
    }
    tags = message_tags(parsed, vocabulary)  # the rules' own reading, Delivered-To too
    word_count_needed = not any(t in ("news", "article") for t in tags)
    specs: dict[str, tuple[Leaf, int | None]] = {}
    for leaf in structure:
        if leaf.is_text_body():
            if leaf.content_type == "text/html" and leaf.alternative_of in plain_alternatives:
                continue  # the plain alternative says the same words
            specs[leaf.path] = (leaf, TEXT_LIMIT if leaf.encoded_size > TEXT_LIMIT else None)
        elif leaf.is_document():
            if (word_count_needed or read_documents) and leaf.encoded_size <= max_document_bytes:
                specs[leaf.path] = (leaf, None)
        elif is_archive(leaf):  # opened on arrival, as from a file: every member counts
            if leaf.encoded_size <= max_document_bytes:
                specs[leaf.path] = (leaf, None)
        elif leaf.may_be_image():
            octets = head_octets(leaf)
            specs[leaf.path] = (leaf, octets if leaf.encoded_size > octets else None)
    return specs


def _first_range(leaf: Leaf, data: bytes) -> tuple[int, int] | None:
    """The encoded range (start, length) a photo's size reader asks for first past its head.

    The reader runs on the head with a fetch that only records what it asks for, so the
    range fetched ahead is exactly the one `Reconstructor.pixels` will ask for later.
    """
    head = decode_head(leaf, data)[:FINGERPRINT_HEAD_BYTES]
    if not head or sniff_image(head[:32]) is None:
        return None

    def record(start: int, length: int) -> bytes:
        raise _Wanted(start, length)

    reader = decoded_reader(leaf.encoding, data, record)
    try:
        image_size(Source(head, reader, leaf.size))
    except _Wanted as wanted:
        return wanted.start, wanted.length
    return None


def is_archive(leaf: Leaf) -> bool:
    return is_zip(leaf.content_type, leaf.filename, b"")


def structure_digest(header_block: bytes, size: int, structure: Sequence[Leaf], body: Any) -> str:
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


def fetch_section(path: str, octets: int | None) -> str:
    return f"BODY.PEEK[{path}]" + (f"<0.{octets}>" if octets is not None else "")


def decode_part(leaf: Leaf, data: bytes) -> tuple[str | None, int, str]:
    """A text body decoded here (as the file parser does it); a document by the file parser.

    Returns the text, the decoded size and the file parser's note on the part.
    """
    if leaf.is_text_body():
        decoded = decode_head(leaf, data)
        charset = dict(leaf.params).get("charset", "utf-8").strip().lower() or "utf-8"
        try:
            text = decoded.decode(charset, errors="replace")
        except LookupError:
            text = decoded.decode("utf-8", errors="replace")
        if leaf.content_type == "text/html":
            text = parse.html_to_text(text)
        return text, len(decoded), ""
    single = parse.parse_message(leaf.mime_header() + data)
    first = single.parts[0] if single.parts else None
    if first is None:
        return None, leaf.size, ""
    return first.text, first.size or leaf.size, first.note
