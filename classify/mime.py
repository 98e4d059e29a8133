"""The MIME type families tinbai tells apart: photos, documents, archives, Outlook's TNEF.

One list of each, read by the rules (`classify.pieces`), by the file parser
(`ingest.parse`, `ingest.documents`, `ingest.containers`) and by the IMAP poller's
plan of what to fetch (`ingest.structure`): a part is judged alike whichever road
brought it. Types are lower-cased "type/subtype"; extensions are lower-case, with the dot.
"""

from __future__ import annotations

from collections.abc import Mapping

PHOTO_TYPES = frozenset(
    {
        "image/jpeg",
        "image/pjpeg",
        "image/png",
        "image/heic",
        "image/heif",
        "image/webp",
        "image/tiff",
        "image/bmp",
        "image/avif",
    }
)
PHOTO_EXTENSIONS = (
    ".jpg",
    ".jpeg",
    ".jpe",
    ".png",
    ".heic",
    ".heif",
    ".webp",
    ".tif",
    ".tiff",
    ".bmp",
    ".avif",
)
# File names that announce an image, whatever the declared type says. Which of these are
# photos (not a GIF, say) is for the classifier to decide; ingest reads the head of each.
IMAGE_EXTENSIONS = (*PHOTO_EXTENSIONS, ".gif")
# Declared types that say nothing of what a part is: worth a look at its first bytes.
UNTYPED = frozenset({"application/octet-stream", "application/binary"})

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
# Declared types and extensions of a written piece, mapped to one format name.
DOCUMENT_FORMAT_OF_TYPE: Mapping[str, str] = {
    DOCX: "docx",
    ODT: "odt",
    "application/msword": "doc",
    "application/pdf": "pdf",
    "application/rtf": "rtf",
    "text/rtf": "rtf",
    "application/x-rtf": "rtf",
}
DOCUMENT_FORMAT_OF_EXTENSION: Mapping[str, str] = {
    ".docx": "docx",
    ".odt": "odt",
    ".doc": "doc",
    ".pdf": "pdf",
    ".rtf": "rtf",
    ".txt": "txt",
}
DOCUMENT_TYPES = frozenset(DOCUMENT_FORMAT_OF_TYPE)
DOCUMENT_EXTENSIONS = tuple(DOCUMENT_FORMAT_OF_EXTENSION)

ZIP_TYPES = frozenset({"application/zip", "application/x-zip-compressed"})
ARCHIVE_TYPES = ZIP_TYPES | {
    "application/x-rar-compressed",
    "application/vnd.rar",
    "application/x-7z-compressed",
}
ARCHIVE_EXTENSIONS = (".zip", ".rar", ".7z")
# Office files that are zips inside: never opened as an archive.
ZIP_BASED_TYPES = frozenset(
    {
        DOCX,
        ODT,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.spreadsheet",
    }
)
ZIP_BASED_EXTENSIONS = (".docx", ".odt", ".xlsx", ".ods", ".pptx", ".odp", ".epub")

# Outlook's winmail.dat: a container whose content the IMAP server does not describe.
TNEF_TYPES = frozenset({"application/ms-tnef", "application/vnd.ms-tnef"})
TNEF_FILENAME = "winmail.dat"


def is_tnef(content_type: str, filename: str | None) -> bool:
    return content_type in TNEF_TYPES or (filename or "").lower() == TNEF_FILENAME
