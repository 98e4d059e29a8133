"""The header fields of an IMAP message, decoded cheaply to the values the file parser gives.

The file parser (`ingest.parse`) reads headers through `email.policy.default`,
whose header objects cost about 3.5 ms a message — an eighth of a first sync.
`decode_header_block` reads the same fields with the compat32 parser and
`email.header`, and hands the block to the file parser whenever it cannot be sure
of giving the same values: 8-bit bytes outside free text, a parser defect, an encoded word glued to
other text, a display name it would have to unquote, a Message-ID that is not one plain `<id>`,
or a date it cannot read. What both roads make of a value (the Message-ID's length cut, NFC,
the last references) is defined once, in `ingest.header_values`. The corpus test
(tests/ingest/test_headers.py) holds both equal over every real message we have.
"""

from __future__ import annotations

import email.errors
import email.header
import email.parser
import email.policy
import email.utils
import hashlib
import re
from dataclasses import replace
from datetime import datetime

from classify.message import Address, ParsedMessage
from ingest import parse
from ingest.header_values import (
    address,
    clean,
    date,
    joined_encoded_words,
    message_id,
    references,
    subject,
)

# A header block as IMAP returns it may carry the MIME lines: the file parser must not
# read the (bodiless) block as multipart, so they are taken out and kept as a header.
MIME_LINES = re.compile(rb"(?im)^content-(?:type|transfer-encoding)[ \t]*:.*\r?\n(?:[ \t].*\r?\n)*")
# Fields whose raw 8-bit text (UTF-8 sent without encoded words, as many phones do) is read here.
_FREE_TEXT = frozenset({"subject", "x-mailer", "user-agent"})
# An encoded word standing alone between white space (or at either end): the only kind
# both decoders are known to read alike. Anything else goes to the file parser.
_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
_LONE_WORDS = re.compile(r"(?:^|(?<=\s))(?:=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=)(?=\s|$)")
# An address list the two parsers read alike: `a@b`, `Name <a@b>`, `"Name" <a@b>`, comma-separated.
# Groups, comments, route addresses, an address as display name... go to the file parser.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+"
_ADDR_SPEC = rf"{_ATOM}@[A-Za-z0-9.-]+"
_PHRASE = rf"(?:{_ATOM}(?:[ \t]+{_ATOM})*|\"[^\"\\@]*\")"
_MAILBOX = rf"[ \t]*(?:{_ADDR_SPEC}|(?:{_PHRASE}[ \t]*)?<{_ADDR_SPEC}>)[ \t]*"
_SIMPLE_LIST = re.compile(rf"{_MAILBOX}(?:,{_MAILBOX})*")
# A Message-ID or In-Reply-To field that is one plain `<id>`: policy.default reads others
# (spaces, comments, several ids) its own way, and the Message-ID is the key of a message.
_PLAIN_ID = re.compile(r"<[^<>\s()\"]+>")
_HEADER_PARSER = email.parser.BytesHeaderParser(policy=email.policy.compat32)


class _Unsure(Exception):
    """The fast decoder might differ from the file parser here."""


def decode_header_block(block: bytes, received_at: datetime | None) -> ParsedMessage:
    """The header fields of ``block`` (headers only, no body) as the file parser reads them."""
    try:
        return _decode_fast(block, received_at)
    except (_Unsure, ValueError, LookupError, UnicodeError, email.errors.HeaderParseError):
        return parse_header_block(block, received_at)


def parse_header_block(block: bytes, received_at: datetime | None) -> ParsedMessage:
    """The same, by the file parser itself: the reference, and the road for odd headers."""
    content_type = ""
    if MIME_LINES.search(block) is not None:
        holder = email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(block)
        content_type = " ".join(str(holder.get("content-type") or "").split())
    parsed = parse.parse_message(
        MIME_LINES.sub(b"", block).rstrip(b"\r\n") + b"\r\n\r\n", received_at=received_at
    )
    headers = [(k, v) for k, v in parsed.headers if k != "content-type"]
    if content_type:
        headers.insert(0, ("content-type", content_type))
    return replace(parsed, headers=tuple(headers), parts=(), text="")


def _decode_fast(block: bytes, received_at: datetime | None) -> ParsedMessage:
    if b"\x00" in block:
        raise _Unsure
    # The same bytes the file parser would see, so size and digest agree too.
    stripped = MIME_LINES.sub(b"", block).rstrip(b"\r\n") + b"\r\n\r\n"
    msg = _HEADER_PARSER.parsebytes(block)
    if msg.defects:
        raise _Unsure
    fields: dict[str, list[str]] = {}
    for name, raw in msg.raw_items():  # as stored: items() would wrap 8-bit values in Header
        # 8-bit bytes arrive surrogate-escaped; policy.default reads them as UTF-8, this way.
        value = raw.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        if parse.cut_header(name, value) != "".join(value.splitlines()):
            raise _Unsure  # the file parser cuts this header: let it decide what is left
        if not value.isascii() and name.lower() not in _FREE_TEXT:
            raise _Unsure
        fields.setdefault(name.lower(), []).append(value)

    def texts(name: str) -> list[str]:
        return [clean(_unstructured(v)) for v in fields.get(name, [])]

    def first(name: str) -> str | None:
        found = texts(name)
        return found[0] if found else None

    content_type = ""
    if (
        "content-type" in fields
    ):  # its parameters are re-quoted by the file parser: use its parser for this one
        value = email.policy.default.header_fetch_parse("Content-Type", fields["content-type"][0])
        content_type = " ".join(str(value).split())
    headers = [(n, v) for n in parse.KEPT_HEADERS if n != "content-type" for v in texts(n)]
    if content_type:
        headers.insert(0, ("content-type", content_type))
    if "received" in fields:
        raise _Unsure  # not asked of IMAP; the file parser reads its dates
    for name in ("message-id", "in-reply-to"):
        if any(not _PLAIN_ID.fullmatch(v) for v in texts(name)):
            raise _Unsure
    if any(date(v) is None for v in texts("date")):
        raise _Unsure  # an odd date: policy.default may note a defect, or read it its own way
    senders = _addresses(fields.get("from", [])) or _addresses(fields.get("sender", []))
    if len(fields.get("from", [])) > 1 or len(_addresses(fields.get("from", []))) > 1:
        raise _Unsure  # an ambiguous From: the file parser says so (parse._ambiguity)
    return ParsedMessage(
        message_id=message_id(first("message-id")),
        subject=subject(first("subject")),
        sender=senders[0] if senders else None,
        to=_addresses(fields.get("to", [])),
        cc=_addresses(fields.get("cc", [])),
        delivered_to=tuple(v.lower() for n in ("delivered-to", "x-original-to") for v in texts(n)),
        date=date(first("date")),
        received_at=received_at,
        in_reply_to=message_id(first("in-reply-to")),
        references=references(first("references")),
        headers=tuple(headers),
        defects=(),
        size=len(stripped),
        digest=hashlib.sha256(stripped).hexdigest(),
    )


def _unstructured(raw: str) -> str:
    """An unstructured value with its encoded words decoded, as policy.default does."""
    value = " ".join(raw.split())
    if "=?" not in value:
        return value
    if not value.isascii():
        raise _Unsure  # raw 8-bit text and encoded words in one field
    if len(_WORD.findall(value)) != len(_LONE_WORDS.findall(value)):
        raise _Unsure  # an encoded word glued to other text: decoders disagree there
    for word in _WORD.findall(value):
        [(data, charset)] = email.header.decode_header(word)
        if isinstance(data, bytes):  # policy.default decodes word by word, not joined
            data.decode(charset or "ascii")  # a word alone undecodable: raises, the file parser
    decoded = str(email.header.make_header(email.header.decode_header(value)))
    if not decoded.isprintable():
        raise _Unsure  # a control character encoded: policy.default keeps such a word as it is
    return decoded


def _addresses(raws: list[str]) -> tuple[Address, ...]:
    values = [" ".join(v.split()) for v in raws]
    if any(v and not _SIMPLE_LIST.fullmatch(v) for v in values) or any(
        '"' in v and "=?" in v for v in values
    ):
        raise _Unsure  # the file parser re-formats such lists before reading them
    pairs = email.utils.getaddresses(values)
    return tuple(address(_display_name(name), addr) for name, addr in pairs if "@" in addr)


def _display_name(name: str) -> str:
    name = joined_encoded_words(name.strip())  # adjacent words are one, as on the file road
    if "=?" in name and not _WORD.fullmatch(name):
        raise _Unsure  # encoded words among plain words: the file parser reads the phrase
    return clean(_unstructured(name))
