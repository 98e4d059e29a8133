"""Small thumbnails of a message's images, for the message page: made once, kept small.

Mail from a file gets its thumbnails while it is parsed (`parse_with_thumbnails`), and
they are stored beside the message; mail read over IMAP gets them on demand
(`ingest.revisit`), from the same decoded bytes by the same parser, so both roads show
the same pictures. Pillow reads the formats units send; HEIC/HEIF when pillow-heif is
installed. An image Pillow cannot read simply has no thumbnail.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable

from PIL import Image, ImageOps

from classify.message import ParsedMessage
from classify.preview import MAX_FILES, THUMBNAIL_MAX_BYTES, THUMBNAIL_PX
from ingest.parse import parse_message

log = logging.getLogger(__name__)

try:  # iPhones send HEIC; without the plugin those photos are listed, not pictured
    from pillow_heif import register_heif_opener
except ImportError:  # pragma: no cover — a dependency, but an optional one to run without
    pass
else:
    register_heif_opener()

QUALITY = 70  # about 8–15 KB a thumbnail
MAX_PIXELS = 60_000_000  # larger is no phone photo: a decompression bomb, not decoded


def make_thumbnail(data: bytes, box: int = THUMBNAIL_PX) -> bytes | None:
    """A JPEG no larger than ``box`` on its longer side, or None if the image cannot be read."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            if opened.width * opened.height > MAX_PIXELS:
                return None
            opened.draft("RGB", (box, box))  # JPEG: decode at 1/2…1/8 scale, much faster
            image = ImageOps.exif_transpose(opened)
            image.thumbnail((box, box))
            if image.mode in ("RGBA", "LA", "P"):
                image = image.convert("RGBA")
                white = Image.new("RGB", image.size, "white")
                white.paste(image, mask=image.getchannel("A"))
                image = white
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=QUALITY, optimize=True)
    except Exception as e:  # noqa: BLE001 — hostile input: any image may be broken in any way
        log.debug("no thumbnail: %s: %s", type(e).__name__, e)
        return None
    thumbnail = out.getvalue()
    return thumbnail if len(thumbnail) <= THUMBNAIL_MAX_BYTES else None


class _Collector:
    """Thumbnails by part path, made as the parser reads each image."""

    def __init__(self, rename: Callable[[str], str] = str) -> None:
        self.found: dict[str, bytes] = {}
        self.rename = rename

    def __call__(self, path: str, data: bytes) -> None:
        if len(self.found) < MAX_FILES:
            thumbnail = make_thumbnail(data)
            if thumbnail is not None:
                self.found[self.rename(path)] = thumbnail


def parse_with_thumbnails(raw: bytes) -> tuple[ParsedMessage, dict[str, bytes]]:
    """Parse a whole message, and make a thumbnail of each image in it on the way."""
    collect = _Collector()
    return parse_message(raw, on_image=collect), collect.found


def part_thumbnails(path: str, mime_header: bytes, data: bytes) -> dict[str, bytes]:
    """Thumbnails of the images in one part fetched alone (an image, a .zip, an HTML body).

    Parsed as a message of its own, its paths start at "1"; they are given back under
    the part's own path ("1/2" of part 3 is "3/2"), as the whole message names them.
    """
    collect = _Collector(lambda inner: path + inner[1:] if inner.startswith("1") else inner)
    parse_message(mime_header + data, on_image=collect)
    return collect.found
