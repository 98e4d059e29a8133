"""Text out of attached documents (.docx, .odt, .pdf, .rtf, .txt), within limits.

Only the word count matters to counting, so extraction is best effort: a
document whose text cannot be had (a legacy .doc, an encrypted or scanned PDF,
a broken file) comes back with `text=None` and a note saying why, and the rules
decide by its size instead. Nothing here raises.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from classify.message import LIMIT_DEFECT
from classify.mime import DOCUMENT_FORMAT_OF_EXTENSION, DOCUMENT_FORMAT_OF_TYPE

log = logging.getLogger(__name__)

MAX_DOCUMENT_BYTES = 25_000_000  # larger files are not opened at all
MAX_UNZIPPED_BYTES = 60_000_000  # .docx/.odt are zips: refuse a bomb before parsing
MAX_PDF_PAGES = 60
MAX_TEXT_CHARS = 400_000


@dataclass(frozen=True)
class Extracted:
    text: str | None
    note: str = ""


def document_format(content_type: str, filename: str | None, head: bytes = b"") -> str | None:
    """The document format of a part ("docx", "pdf" …) or None when it is no document."""
    name = (filename or "").lower().strip()
    for ext, fmt in DOCUMENT_FORMAT_OF_EXTENSION.items():
        if name.endswith(ext):
            return fmt
    if content_type in DOCUMENT_FORMAT_OF_TYPE:
        return DOCUMENT_FORMAT_OF_TYPE[content_type]
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    return None


def extract_text(
    data: bytes, fmt: str, charset: str | None = None, *, size: int | None = None
) -> Extracted:
    """The document's text, or None with the reason it could not be had.

    ``size`` is the file's size when ``data`` is only its head (a file too large to read).
    """
    size = len(data) if size is None else size
    if not size:
        return Extracted(None, "the file is empty")
    if size > MAX_DOCUMENT_BYTES or size > len(data):
        return Extracted(None, f"{size:,} bytes is too large to open")
    try:
        text = _EXTRACTORS[fmt](data, charset)
    except KeyError:
        return Extracted(None, f"no text reader for .{fmt} files")
    except Exception as e:  # noqa: BLE001 — third-party readers fail in many ways on broken files
        log.info("cannot read %s text: %s: %s", fmt, type(e).__name__, e)
        return _failed(fmt, e)
    if text is None:
        return Extracted(None, f"no text could be had from the .{fmt} file")
    return Extracted(text[:MAX_TEXT_CHARS])


class _Bomb(ValueError):
    """A document that would inflate past MAX_UNZIPPED_BYTES."""


def _failed(fmt: str, e: Exception) -> Extracted:
    """Why a reader failed; a decompression bomb as a limit (the message goes to review)."""
    if isinstance(e, _Bomb):
        return Extracted(None, f"{LIMIT_DEFECT}the .{fmt} file {e}: a decompression bomb, not read")
    if type(e).__name__ == "LimitReachedError":  # pypdf: a stream inflating past its cap
        return Extracted(
            None,
            f"{LIMIT_DEFECT}the .{fmt} file inflates past the reader's limit: a decompression"
            " bomb, not read",
        )
    return Extracted(None, f"the .{fmt} file could not be read ({type(e).__name__})")


def _check_zip(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        total = sum(info.file_size for info in archive.infolist())
    if total > MAX_UNZIPPED_BYTES:
        raise _Bomb(f"unzips to {total:,} bytes, more than {MAX_UNZIPPED_BYTES // 1_000_000} MB")


def _docx(data: bytes, charset: str | None) -> str | None:
    import docx  # noqa: PLC0415 — heavy import (lxml), only when a .docx arrives

    _check_zip(data)
    document = docx.Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        lines.extend(cell.text for row in table.rows for cell in row.cells)
    return "\n".join(lines)


def _odt(data: bytes, charset: str | None) -> str | None:
    from odf import teletype, text  # noqa: PLC0415
    from odf.opendocument import load  # noqa: PLC0415

    _check_zip(data)
    document = load(io.BytesIO(data))
    return "\n".join(teletype.extractText(p) for p in document.getElementsByType(text.P))


def _pdf(data: bytes, charset: str | None) -> str | None:
    import pypdf  # noqa: PLC0415

    reader = pypdf.PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        return None
    pages = reader.pages[:MAX_PDF_PAGES]
    text = "\n".join(page.extract_text() or "" for page in pages)
    return text if text.strip() else None  # a scan: images of text


def _rtf(data: bytes, charset: str | None) -> str | None:
    # RTF is 7-bit with \'xx escapes in the document's code page; Vietnamese Word uses 1258.
    encoding = "cp1258" if b"\\ansicpg1258" in data[:2000] else "cp1252"
    return rtf_text(data.decode("latin-1"), encoding)


def rtf_text(rtf: str, encoding: str = "cp1252") -> str:
    """Plain text of an RTF document (striprtf ships no annotations, hence the cast)."""
    from striprtf.striprtf import rtf_to_text  # noqa: PLC0415

    convert = cast(Callable[..., str], rtf_to_text)
    return convert(rtf, encoding=encoding, errors="replace")


def _txt(data: bytes, charset: str | None) -> str | None:
    return decode_text(data, charset)


def decode_text(data: bytes, charset: str | None) -> str:
    """Decode text bytes: the declared charset, else UTF-8, else windows-1258."""
    for candidate in (charset, "utf-8"):
        if not candidate:
            continue
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("cp1258", errors="replace")


_EXTRACTORS = {"docx": _docx, "odt": _odt, "pdf": _pdf, "rtf": _rtf, "txt": _txt}
