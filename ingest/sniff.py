"""Recognise an image from its first bytes, whatever type the mail client declared.

It reads only the first bytes of an image (the IMAP poller fetches just the head of
each image part) and never raises on garbage; `ingest.imagesize` reads the pixel size.
"""

from __future__ import annotations

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
