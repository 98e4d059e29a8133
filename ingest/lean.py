"""A raw message made cheap for the stdlib's parser, before it runs.

The stdlib's parser builds every part of a message (50,000 tiny parts took 14 s,
though only the first MAX_PARTS are read) and holds every body line as a string
before it joins them (a 40 MB base64 photo cost 600 MB). Two cuts bound both:

- past the part limit, the raw message is cut at the next boundary line: the parts
  after it are never built, and a limit defect says so;
- a long run of base64 lines is set aside: the stdlib sees one placeholder line
  instead, and the walk decodes the run straight from the raw bytes, whole (the
  same bytes as before, without the parser's copies) or, for a file nobody reads
  whole, only its head and the ranges an image's size needs.

Only bytes that are a body to the stdlib are set aside (a base64 line holds no
colon and no leading blank, so it never continues a header); a placeholder is
unforgeable (a fresh nonce per message), and one that stands anywhere but alone
in a base64 leaf is put back before the stdlib decodes that part.
"""

from __future__ import annotations

import binascii
import itertools
import re
import secrets
from dataclasses import dataclass
from email.message import Message
from typing import Any, cast

from classify.message import LIMIT_DEFECT

SET_ASIDE_BYTES = 1_000_000  # a base64 run at least this long is decoded from the raw bytes
# A stretch of base64 characters and line ends, tried only where one begins: linear.
_STRETCH = rb"[A-Za-z0-9+/=\r\n]{%d,}" % SET_ASIDE_BYTES
_BASE64_STRETCH = re.compile(rb"(?<![A-Za-z0-9+/=\r\n])" + _STRETCH)
_BASE64_STRETCH_HERE = re.compile(_STRETCH)  # the body itself, right after the header block
_MULTIPART = re.compile(rb"(?im)^content-type:[ \t]*(?:\r?\n[ \t]+)?multipart/")
_BOUNDARY = re.compile(rb'(?i)\bboundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))')
_MIME_HEADER_BYTES = 2000  # where a multipart's boundary parameter may sit
_HEADER_END = re.compile(rb"\r?\n\r?\n")


@dataclass(frozen=True)
class Lean:
    raw: bytes  # what the stdlib parses
    nonce: str = ""  # in every placeholder of this message
    bodies: dict[str, Base64Body] | None = None  # placeholder -> the run it stands for
    defects: tuple[str, ...] = ()

    def body_of(self, leaf: Message) -> Base64Body | None:
        """The run a base64 leaf's payload stands for; a placeholder anywhere else is put back."""
        stdlib: Any = cast(Any, leaf)  # its raw payload: get_payload() re-decodes 8-bit text
        payload = stdlib._payload
        if not self.bodies or not isinstance(payload, str) or self.nonce not in payload:
            return None
        body = self.bodies.get(payload.strip())
        if body is not None and str(leaf.get("content-transfer-encoding", "")).lower() == "base64":
            return body
        for token, run in self.bodies.items():
            payload = payload.replace(token, run.text())
        stdlib._payload = payload  # the text the stdlib would have held
        return None


class Base64Body:
    """One set-aside run of base64 lines: decoded whole, or only the ranges asked for."""

    def __init__(self, raw: bytes, start: int, end: int) -> None:
        self.raw, self.start, self.end = raw, start, end
        first = raw.index(b"\n", start) + 1
        self.newline = 2 if raw[first - 2 : first] == b"\r\n" else 1
        self.width = first - start - self.newline  # base64 characters on a full line
        lines = raw.count(b"\n", start, end)
        previous = raw.rfind(b"\n", start, end - 1)
        last = end - self.newline - (previous + 1 if previous >= 0 else start)
        chars = (lines - 1) * self.width + last
        self.regular = (
            self.width % 4 == 0
            and chars % 4 == 0
            and raw.find(b"=", start, end - self.newline - 2) < 0
            and (end - start) == (lines - 1) * (self.width + self.newline) + last + self.newline
            and self._regular_lines(lines, last)
        )
        pads = raw.count(b"=", max(start, end - self.newline - 2), end)
        self.size = chars // 4 * 3 - pads  # the decoded size, when regular

    def _regular_lines(self, lines: int, last: int) -> bool:
        """Every line but the last is `width` characters: a decoded offset maps to a raw one.

        The stretch holds only base64 characters and line ends; so when every expected line
        end holds one and there are no more of them, the lines are regular.
        """
        raw, start, end, width = self.raw, self.start, self.end, self.width
        stride = width + self.newline
        full = lines - 1 + (last == width)  # the line ends where a full line ends
        ends = raw[start + width : end : stride]
        if self.newline == 1:
            return ends.count(b"\n") == len(ends) == full and raw.count(b"\r", start, end) == 0
        feeds = raw[start + width + 1 : end : stride]
        return (
            ends.count(b"\r") == len(ends) == full
            and raw.count(b"\r", start, end) == lines
            and feeds.count(b"\n") == len(feeds) == full
        )

    def text(self) -> str:
        return self.raw[self.start : self.end].decode("ascii")

    def decode(self) -> bytes:
        """The whole file, as `Message.get_payload(decode=True)` would give it."""
        if self.regular:  # a2b skips the line ends: no joined copy
            return binascii.a2b_base64(memoryview(self.raw)[self.start : self.end])
        # Odd lines (blank, ragged, padding inside): the stdlib's own lenient decoding.
        odd = Message()
        odd["Content-Transfer-Encoding"] = "base64"
        odd.set_payload(self.text())
        decoded = odd.get_payload(decode=True)
        return decoded if isinstance(decoded, bytes) else b""

    def read(self, offset: int, length: int) -> bytes:
        """``length`` decoded bytes at ``offset`` (fewer at the end); a regular run only."""
        if offset >= self.size or length <= 0:
            return b""
        length = min(length, self.size - offset)
        first, last = offset // 3 * 4, -(-(offset + length) // 3) * 4
        stride = self.width + self.newline
        begin = self.start + first // self.width * stride + first % self.width
        stop = self.start + last // self.width * stride + last % self.width
        chars = self.raw[begin : min(stop + self.newline, self.end)].translate(None, b"\r\n")
        skip = offset - first // 4 * 3
        return binascii.a2b_base64(chars[: last - first])[skip : skip + length]


def lean(raw: bytes, max_parts: int, max_containers: int) -> Lean:
    """``raw`` with its long base64 runs set aside, cut past the part limit."""
    header = _HEADER_END.search(raw)
    if header is None or len(raw) < SET_ASIDE_BYTES:
        cut, defects = _cut_parts(raw, max_parts, max_containers)
        return Lean(cut, defects=defects)
    nonce = secrets.token_hex(8)
    bodies: dict[str, Base64Body] = {}
    pieces: list[bytes] = []
    copied = header.end()
    first = _BASE64_STRETCH_HERE.match(raw, header.end())
    rest = _BASE64_STRETCH.finditer(raw, first.end() if first else header.end())
    for stretch in itertools.chain([first] if first else [], rest):
        # Whole lines only: from the first line start after the stretch's first line end
        # (blank lines skipped) to its last line end.
        start = stretch.start()
        if stretch is not first:
            start = raw.find(b"\n", start, stretch.end()) + 1
        while start < stretch.end() and raw[start] in b"\r\n":
            start += 1
        end = raw.rfind(b"\n", start, stretch.end()) + 1
        if start <= 0 or end - start < SET_ASIDE_BYTES:
            continue
        token = f"tinbai-set-aside-{nonce}-{len(bodies)}"
        bodies[token] = Base64Body(raw, start, end)
        newline = b"\r\n" if raw[end - 2 : end] == b"\r\n" else b"\n"
        pieces += [raw[copied:start], token.encode() + newline]
        copied = end
    if bodies:
        raw = raw[: header.end()] + b"".join(pieces) + raw[copied:]
    cut, defects = _cut_parts(raw, max_parts, max_containers)
    return Lean(cut, nonce, bodies, defects)


def _cut_parts(raw: bytes, max_parts: int, max_containers: int) -> tuple[bytes, tuple[str, ...]]:
    """Cut before the boundary line that would open part ``max_parts + max_containers``.

    A message within both limits (the containers are counted before) opens fewer parts
    than that, so only a message over the part limit is ever cut.
    """
    names: set[bytes] = set()
    for header in itertools.islice(_MULTIPART.finditer(raw), max_containers + 1):
        found = _BOUNDARY.search(raw, header.end(), header.end() + _MIME_HEADER_BYTES)
        if found is not None:
            names.add(found.group(1) or found.group(2))
    if not names:
        return raw, ()
    alternatives = b"|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    opening = re.compile(rb"(?m)^--(?:" + alternatives + rb")[ \t]*\r?\n")
    limit = max_parts + max_containers
    beyond = next(itertools.islice(opening.finditer(raw), limit, None), None)
    if beyond is None:
        return raw, ()
    return raw[: beyond.start()], (
        f"{LIMIT_DEFECT}more than {max_parts} parts; the rest is skipped",
    )
