"""Header values as tinbai keeps them: one definition for both roads a header takes.

A message's headers are read by the file parser (`ingest.parse`, the whole message)
and by the IMAP fast path (`ingest.headers`, the header block alone). Both turn a
decoded header value into the value stored with the help of this module, so the
Message-ID — the key that makes a message count once — and every other field come
out the same whichever road the message took.
"""

from __future__ import annotations

import base64
import email.errors
import email.header
import email.utils
import re
import unicodedata
from datetime import UTC, datetime

from classify.message import Address

MESSAGE_ID = re.compile(r"<[^<>\s]+>")
MAX_MESSAGE_ID_CHARS = 900  # the stored key's column; no real id comes close
MAX_ADDRESS_CHARS = 320  # RFC 5321: 64 + 1 + 255
MAX_REFERENCES = 50  # the thread's last ones are those a reply check reads
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")  # undecodable bytes, kept by surrogateescape
_ENCODED_WORD = r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?="
_ADJACENT_WORDS = re.compile(rf"{_ENCODED_WORD}(?:[ \t]+{_ENCODED_WORD})+")


def clean_text(value: str) -> str:
    """Text safe to store: undecodable bytes recovered or replaced, no NULs."""
    if _ESCAPED_BYTE.search(value):
        raw = value.encode("utf-8", "surrogateescape")
        try:
            value = raw.decode("utf-8")
        except UnicodeDecodeError:
            value = raw.decode("cp1258", errors="replace")
    return value.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")


def clean(value: str) -> str:
    """A header value on one line: safe text, runs of white space made one space."""
    return " ".join(clean_text(value).split())


def subject(value: str | None) -> str:
    """The subject in NFC: tags are matched on composed letters."""
    return unicodedata.normalize("NFC", value or "")


def message_id(value: str | None) -> str | None:
    """The `<id>` of a Message-ID or In-Reply-To field; a bare id is bracketed, one with spaces dropped."""
    if not value:
        return None
    found = MESSAGE_ID.search(value)
    if found:
        return found.group(0)[:MAX_MESSAGE_ID_CHARS]
    bare = value.strip("<> ")
    return f"<{bare[:MAX_MESSAGE_ID_CHARS]}>" if bare and " " not in bare else None


def references(value: str | None) -> tuple[str, ...]:
    """The last ids of a References field."""
    return tuple(MESSAGE_ID.findall(value or ""))[-MAX_REFERENCES:]


def date(value: str | None) -> datetime | None:
    """A Date (or Received stamp) as an aware datetime; None when it cannot be read."""
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def address(display_name: str, addr: str) -> Address:
    """One mailbox of an address field: the address lower-cased and bounded, the name in NFC."""
    return Address(
        clean_text(addr).strip().lower()[:MAX_ADDRESS_CHARS],
        unicodedata.normalize("NFC", clean(display_name)),
    )


def joined_encoded_words(value: str) -> str:
    """A header value whose runs of adjacent encoded words are each one encoded word.

    RFC 2047 §6.2: white space between adjacent encoded words is not displayed. Mail
    clients split a long name across words, mid-syllable (``Tu`` ``ần Giáo``);
    `email.policy.default` keeps the space inside a display name ("Tu ần Giáo"). Each
    run is decoded as one (`email.header.decode_header` joins them, bytes of one
    charset together) and written back as a single UTF-8 word, which both roads'
    parsers read whole. A run that cannot be decoded is left as it was.
    """
    if "=?" not in value:
        return value
    return _ADJACENT_WORDS.sub(_one_word, value)


def _one_word(run: re.Match[str]) -> str:
    try:
        text = str(email.header.make_header(email.header.decode_header(run.group())))
        data = text.encode("utf-8", "surrogateescape")  # bytes no charset could decode, kept
    except (ValueError, LookupError, UnicodeError, email.errors.HeaderParseError):
        return run.group()
    return f"=?utf-8?b?{base64.b64encode(data).decode()}?="
