"""Decoded bytes at any offset of a part, fetched as a partial range of its encoded form.

IMAP serves a part's bytes as the message holds them (base64 for an attached photo),
and a partial fetch (`BODY.PEEK[2]<start.length>`) counts in encoded octets. To read
a photo's frame header 40 KB into the decoded file, the offset is worked out from
the part's line layout, which the head already fetched shows: base64 lines of one
length (76 characters and CRLF, as every mail client writes them). A part whose
lines are irregular, or whose encoding is quoted-printable, gets no such reader: the
caller says the size is unknown rather than guess.
"""

from __future__ import annotations

from collections.abc import Callable

from ingest.imagesize import Fetch
from ingest.structure import decode_base64

EncodedFetch = Callable[[int, int], bytes]  # (encoded offset, length) -> encoded bytes
_IDENTITY = frozenset({"7bit", "8bit", "binary"})


def decoded_reader(encoding: str, encoded_head: bytes, fetch: EncodedFetch) -> Fetch | None:
    """A `Fetch` of decoded bytes for a part of this ``encoding``, or None when it cannot map."""
    encoding = encoding.lower()
    if encoding in _IDENTITY:
        return fetch
    if encoding != "base64":
        return None
    layout = _line_layout(encoded_head)
    if layout is None:
        return None
    width, eol = layout

    def position(char: int) -> int:
        """Where base64 character ``char`` sits in the encoded part, line breaks counted."""
        return char + (char // width) * eol

    def read(offset: int, length: int) -> bytes:
        quad = offset // 3
        first_char = quad * 4
        chars = -(-(offset - quad * 3 + length) // 3) * 4
        start = position(first_char)
        decoded = decode_base64(fetch(start, position(first_char + chars) + eol - start))
        skip = offset - quad * 3
        return decoded[skip : skip + length]

    return read


def _line_layout(head: bytes) -> tuple[int, int] | None:
    """(characters per line, line-break octets) when every full line of ``head`` is alike."""
    lines = head.split(b"\n")
    if len(lines) < 3:  # one line, or a head shorter than two: no layout to trust
        return None
    eol = 2 if lines[0].endswith(b"\r") else 1
    full = [line.removesuffix(b"\r") for line in lines[:-1]]
    width = len(full[0])
    if width == 0 or width % 4 or any(len(line) != width for line in full[:-1]):
        return None
    if len(full[-1]) > width or any(line.endswith(b"\r") != (eol == 2) for line in lines[:-2]):
        return None
    return width, eol
