"""Recognise an image from its first bytes, whatever type the mail client declared.

Both functions read only the head of an image (the IMAP poller fetches just
`FINGERPRINT_HEAD_BYTES` of each image part), and never raise on garbage.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"BM", 0, "image/bmp"),
    (b"II*\x00", 0, "image/tiff"),
    (b"MM\x00*", 0, "image/tiff"),
)
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif"}
# JPEG start-of-frame markers carry the dimensions; C4, C8 and CC are not frames.
_JPEG_SOF = frozenset(
    {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
)


def sniff_image(head: bytes) -> str | None:
    """The image MIME type that the bytes start with, or None."""
    for magic, offset, mime in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            if (
                mime == "image/bmp"
                and len(head) >= 18
                and head[14] not in (12, 40, 52, 56, 64, 108, 124)
            ):
                continue  # "BM" also starts plenty of text; a BMP names its header size here
            return mime
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "image/avif" if head[8:12] == b"avif" else "image/heic"
    return None


def image_size(head: bytes) -> tuple[int, int] | None:
    """Width and height read from the image's header, when the head holds them."""
    reader = _READERS.get(sniff_image(head) or "")
    try:
        return reader(head) if reader else None
    except (struct.error, IndexError):
        return None


def _png_size(head: bytes) -> tuple[int, int] | None:
    return _pair(struct.unpack(">II", head[16:24])) if head[12:16] == b"IHDR" else None


def _gif_size(head: bytes) -> tuple[int, int] | None:
    return _pair(struct.unpack("<HH", head[6:10]))


def _bmp_size(head: bytes) -> tuple[int, int] | None:
    width, height = struct.unpack("<ii", head[18:26])
    return _pair((width, abs(height)))


def _pair(values: tuple[int, ...]) -> tuple[int, int] | None:
    width, height = values[0], values[1]
    return (width, height) if width > 0 and height > 0 else None


def _jpeg_size(head: bytes) -> tuple[int, int] | None:
    pos = 2
    while pos + 9 <= len(head):
        if head[pos] != 0xFF:
            return None
        marker = head[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in _JPEG_SOF:
            height, width = struct.unpack(">HH", head[pos + 5 : pos + 9])
            return _pair((width, height))
        (length,) = struct.unpack(">H", head[pos + 2 : pos + 4])
        pos += 2 + length
    return None  # the frame header lies beyond the head (a large EXIF block)


def _webp_size(head: bytes) -> tuple[int, int] | None:
    chunk = head[12:16]
    if chunk == b"VP8 ":
        width, height = struct.unpack("<HH", head[26:30])
        return _pair((width & 0x3FFF, height & 0x3FFF))
    if chunk == b"VP8L":
        bits = int.from_bytes(head[21:25], "little")
        return _pair(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
    if chunk == b"VP8X":
        width = int.from_bytes(head[24:27], "little") + 1
        height = int.from_bytes(head[27:30], "little") + 1
        return _pair((width, height))
    return None


def _heif_size(head: bytes) -> tuple[int, int] | None:
    # The `ispe` property (image spatial extent) sits in the meta box near the start;
    # the largest one is the primary image, smaller ones are thumbnails.
    best: tuple[int, int] | None = None
    start = head.find(b"ispe")
    while start != -1 and start + 16 <= len(head):
        width, height = struct.unpack(">II", head[start + 8 : start + 16])
        if width and height and (best is None or width * height > best[0] * best[1]):
            best = (width, height)
        start = head.find(b"ispe", start + 4)
    return best


_READERS: dict[str, Callable[[bytes], tuple[int, int] | None]] = {
    "image/png": _png_size,
    "image/gif": _gif_size,
    "image/bmp": _bmp_size,
    "image/jpeg": _jpeg_size,
    "image/webp": _webp_size,
    "image/heic": _heif_size,
    "image/avif": _heif_size,
}
