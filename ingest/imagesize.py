"""An image's pixel size, read wherever its header lies, through any road's bytes.

A phone JPEG carries Exif (often with a thumbnail), ICC profiles or XMP before its
frame header, so the size may sit tens of kilobytes into the file: past any fixed
head. The readers here follow the format's own pointers (JPEG segment lengths, the
TIFF IFD offset, HEIF boxes) and ask a `Source` for just the bytes they point at.
The file road's source is the bytes in memory; the IMAP poller's source fetches a
partial range of the part at the offset asked for. Both roads run the same readers,
so a photo has the same size whichever way its message came.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field

from ingest.sniff import sniff_image

# Bytes asked for at each jump: one JPEG segment header after a jump, plus the usual
# quantisation and Huffman tables that sit between it and the frame header.
READ_CHUNK = 4096
# A reader gives up after this many reads beyond the head (round trips over IMAP).
MAX_READS = 6
# Reads from bytes in memory (a file too large to decode whole) cost no round trip:
# as many as the readers ever ask, as when the whole file is the head.
LOCAL_READS = 1_000
_MAX_JPEG_SEGMENTS = 64
_HEIF_SCAN = 65_536  # the meta box, with the `ispe` sizes, sits at the start

# JPEG start-of-frame markers carry the dimensions; C4, C8 and CC are not frames.
_JPEG_SOF = frozenset(
    {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
)
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD9)})

Fetch = Callable[[int, int], bytes]  # (decoded offset, length) -> bytes, shorter at the end


@dataclass
class Source:
    """The decoded bytes of one image part: a head in hand, the rest fetched on demand."""

    head: bytes
    fetch: Fetch | None = None  # None: the head is all there is (a file road's whole data)
    size: int | None = None  # decoded size when known: never ask past it
    reads: int = 0
    max_reads: int = MAX_READS
    _chunks: list[tuple[int, bytes]] = field(default_factory=list)

    @classmethod
    def of(cls, data: bytes) -> Source:
        """A source over bytes in memory: the whole image is the head."""
        return cls(data, None, len(data))

    def read(self, offset: int, length: int) -> bytes:
        """``length`` bytes at ``offset`` (fewer at the end, or when reads ran out)."""
        for start, chunk in ((0, self.head), *self._chunks):
            if start <= offset and offset + length <= start + len(chunk):
                return chunk[offset - start : offset - start + length]
        if self.fetch is None or self.reads >= self.max_reads:
            return self.head[offset : offset + length]
        if self.size is not None and offset >= self.size:
            return b""
        self.reads += 1
        chunk = self.fetch(offset, max(length, READ_CHUNK))
        self._chunks.append((offset, chunk))
        return chunk[:length]


def image_size(source: Source) -> tuple[int, int] | None:
    """(width, height) of the image, or None when its header cannot be found or read."""
    reader = _READERS.get(sniff_image(source.head[:64]) or "")
    try:
        return reader(source) if reader else None
    except (struct.error, IndexError, ValueError):
        return None


def _pair(width: int, height: int) -> tuple[int, int] | None:
    return (width, height) if width > 0 and height > 0 else None


def _png(source: Source) -> tuple[int, int] | None:
    head = source.read(0, 24)
    return _pair(*struct.unpack(">II", head[16:24])) if head[12:16] == b"IHDR" else None


def _gif(source: Source) -> tuple[int, int] | None:
    return _pair(*struct.unpack("<HH", source.read(6, 4)))


def _bmp(source: Source) -> tuple[int, int] | None:
    width, height = struct.unpack("<ii", source.read(18, 8))
    return _pair(width, abs(height))


def _jpeg(source: Source) -> tuple[int, int] | None:
    pos = 2
    for _ in range(_MAX_JPEG_SEGMENTS):
        segment = source.read(pos, 9)
        if len(segment) < 4 or segment[0] != 0xFF:
            return None
        marker = segment[1]
        if marker == 0xFF:  # fill byte
            pos += 1
        elif marker in _JPEG_SOF:
            height, width = struct.unpack(">HH", segment[5:9])
            return _pair(width, height)
        elif marker in _JPEG_STANDALONE:
            pos += 2
        elif marker in (0xDA, 0xD9):  # scan data or the end: no frame header came first
            return None
        else:
            (length,) = struct.unpack(">H", segment[2:4])
            pos += 2 + length
    return None


def _webp(source: Source) -> tuple[int, int] | None:
    head = source.read(0, 30)
    chunk = head[12:16]
    if chunk == b"VP8 ":
        width, height = struct.unpack("<HH", head[26:30])
        return _pair(width & 0x3FFF, height & 0x3FFF)
    if chunk == b"VP8L":
        bits = int.from_bytes(head[21:25], "little")
        return _pair((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    if chunk == b"VP8X":
        return _pair(
            int.from_bytes(head[24:27], "little") + 1, int.from_bytes(head[27:30], "little") + 1
        )
    return None


def _tiff(source: Source) -> tuple[int, int] | None:
    order = "<" if source.read(0, 2) == b"II" else ">"
    (ifd,) = struct.unpack(order + "I", source.read(4, 4))
    (entries,) = struct.unpack(order + "H", source.read(ifd, 2))
    table = source.read(ifd + 2, 12 * min(entries, 256))
    found: dict[int, int] = {}
    for i in range(0, len(table) - 11, 12):
        tag, kind = struct.unpack(order + "HH", table[i : i + 4])
        if tag in (256, 257):
            fmt = order + ("H" if kind == 3 else "I")
            found[tag] = struct.unpack(fmt, table[i + 8 : i + 8 + struct.calcsize(fmt)])[0]
    return _pair(found[256], found[257]) if 256 in found and 257 in found else None


def _heif(source: Source) -> tuple[int, int] | None:
    # The `ispe` property (image spatial extent) sits in the meta box near the start;
    # the largest one is the primary image, smaller ones are thumbnails.
    head = source.head[:_HEIF_SCAN]
    if b"ispe" not in head:
        head = source.read(0, _HEIF_SCAN)
    best: tuple[int, int] | None = None
    start = head.find(b"ispe")
    while start != -1 and start + 16 <= len(head):
        width, height = struct.unpack(">II", head[start + 8 : start + 16])
        if width and height and (best is None or width * height > best[0] * best[1]):
            best = (width, height)
        start = head.find(b"ispe", start + 4)
    return best


_READERS: dict[str, Callable[[Source], tuple[int, int] | None]] = {
    "image/png": _png,
    "image/gif": _gif,
    "image/bmp": _bmp,
    "image/jpeg": _jpeg,
    "image/webp": _webp,
    "image/tiff": _tiff,
    "image/heic": _heif,
    "image/avif": _heif,
}
