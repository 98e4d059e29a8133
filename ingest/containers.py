"""Files packed inside other files: Outlook's winmail.dat (TNEF) and .zip archives.

Units zip a folder of photos, and Outlook wraps attachments in TNEF; both are
opened here so that their photos and documents count like any other part.
Archives are opened with bomb limits: a bounded number of members, bounded
declared and actual sizes, and for images only their head is ever decompressed.
What all the archives of one message may inflate to is bounded too (`Inflation`):
zipfile never reads past a member's declared size, so the declared sizes are
summed before anything is read, and an archive over what is left is not opened.
Nothing here raises: a container that cannot be opened says why.
"""

from __future__ import annotations

import io
import logging
import zipfile
from dataclasses import dataclass, field

from classify.message import FINGERPRINT_HEAD_BYTES
from classify.mime import (
    ARCHIVE_EXTENSIONS,
    IMAGE_EXTENSIONS,
    ZIP_BASED_EXTENSIONS,
    ZIP_BASED_TYPES,
    ZIP_TYPES,
)
from ingest.documents import MAX_DOCUMENT_BYTES, document_format, rtf_text
from ingest.sniff import sniff_image

log = logging.getLogger(__name__)
# tnefparse logs every damaged MAPI property at ERROR; a damaged winmail.dat is the
# sender's problem, recorded as the part's note, not an error of tinbai's.
logging.getLogger("tnefparse").setLevel(logging.CRITICAL)

MAX_ARCHIVE_MEMBERS = 200
MAX_COMPRESSION_RATIO = 200  # a document inflating more than this is a bomb, not a document
# What the archives of one message may inflate to in all (60 honest-looking .txt of 22 MB
# each took 1.5 GB and 6.7 s). Photos cost only their head, so a zipped album fits easily.
MAX_INFLATED_BYTES = 100_000_000


@dataclass
class Inflation:
    """What the archives of one message may still inflate to: one per message, shared."""

    left: int = MAX_INFLATED_BYTES


@dataclass(frozen=True)
class Member:
    """One file taken out of a container."""

    filename: str
    data: bytes  # the whole file, or only its head for an image
    size: int  # the file's real (uncompressed) size
    note: str = ""  # why it was not opened: an archive inside the archive


@dataclass(frozen=True)
class Opened:
    members: tuple[Member, ...] = ()
    body: str = ""  # TNEF carries the message body too
    note: str = ""  # why (part of) the container could not be opened
    skipped: tuple[str, ...] = field(default=())


def is_zip(content_type: str, filename: str | None, head: bytes) -> bool:
    name = (filename or "").lower()
    if name.endswith(ZIP_BASED_EXTENSIONS) or content_type in ZIP_BASED_TYPES:
        return False  # a .docx is a zip inside, and some clients even declare it application/zip
    declared = content_type in ZIP_TYPES
    return declared or name.endswith(".zip") or head.startswith(b"PK\x03\x04")


def open_zip(data: bytes, inflation: Inflation | None = None) -> Opened:
    inflation = inflation if inflation is not None else Inflation()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        return Opened(note=f"the archive could not be opened ({e})")
    members: list[Member] = []
    skipped: list[str] = []
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if len(infos) > MAX_ARCHIVE_MEMBERS:
            return Opened(
                note=f"the archive holds {len(infos)} files, more than {MAX_ARCHIVE_MEMBERS}"
            )
        planned = sum(_inflates_to(info, _member_name(info)) for info in infos)
        if planned > inflation.left:
            inflation.left = 0  # the message's archives are not opened further either
            return Opened(
                note=f"inflates to more than {MAX_INFLATED_BYTES // 1_000_000} MB in all:"
                " not opened further"
            )
        inflation.left -= planned
        for info in infos:
            name = _member_name(info)
            if info.flag_bits & 0x1:
                return Opened(note=f"the archive is password-protected ({name})")
            try:
                member = _read_member(archive, info, name)
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError) as e:
                skipped.append(f"{name}: {e}")
                continue
            if member is None:
                skipped.append(f"{name}: neither a photo nor a document")
            else:
                members.append(member)
    return Opened(tuple(members), skipped=tuple(skipped))


def _member_name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if not info.flag_bits & 0x800:
        # Without the UTF-8 flag, zipfile decoded the name as cp437; Windows wrote cp1258/utf-8.
        raw = name.encode("cp437", errors="replace")
        for encoding in ("utf-8", "cp1258"):
            try:
                name = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
    return name.rsplit("/", 1)[-1]


def _inflates_to(info: zipfile.ZipInfo, name: str) -> int:
    """The bytes `_read_member` may inflate of this member: at most its declared size."""
    lower = name.lower()
    if lower.endswith(ARCHIVE_EXTENSIONS):
        return 0
    if lower.endswith(IMAGE_EXTENSIONS) or document_format("", name) is None:
        return min(info.file_size, FINGERPRINT_HEAD_BYTES)
    if info.file_size > MAX_DOCUMENT_BYTES or (
        info.compress_size and info.file_size / info.compress_size > MAX_COMPRESSION_RATIO
    ):
        return 0  # skipped unread
    return info.file_size


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> Member | None:
    lower = name.lower()
    if lower.endswith(ARCHIVE_EXTENSIONS):
        # One level only: a zip in a zip is how a bomb multiplies.
        return Member(name, b"", info.file_size, note="an archive inside an archive is not opened")
    if lower.endswith(IMAGE_EXTENSIONS):
        with archive.open(info) as f:
            head = f.read(FINGERPRINT_HEAD_BYTES)
        return Member(name, head, info.file_size)
    if document_format("", name) is None:
        with archive.open(info) as f:
            head = f.read(64)
        if sniff_image(head) is None:
            return None
        with archive.open(info) as f:
            return Member(name, f.read(FINGERPRINT_HEAD_BYTES), info.file_size)
    if info.file_size > MAX_DOCUMENT_BYTES:
        raise ValueError(f"{info.file_size:,} bytes is too large to open")
    if info.compress_size and info.file_size / info.compress_size > MAX_COMPRESSION_RATIO:
        ratio = info.file_size // info.compress_size
        raise ValueError(
            f"inflates {ratio:,}×, more than {MAX_COMPRESSION_RATIO}×: a zip bomb, skipped"
        )
    with archive.open(info) as f:
        data = f.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ValueError("larger than it declares")
    return Member(name, data, len(data))


def open_tnef(data: bytes) -> Opened:
    from tnefparse import TNEF  # noqa: PLC0415

    try:
        tnef = TNEF(data)
    except Exception as e:  # noqa: BLE001 — tnefparse raises assorted errors on damaged input
        return Opened(note=f"winmail.dat could not be read ({type(e).__name__})")
    members: list[Member] = []
    for attachment in getattr(tnef, "attachments", []):
        try:
            name = attachment.long_filename() or attachment.name or "attachment"
        except Exception:  # noqa: BLE001 — tnefparse raises assorted errors on damaged input
            name = "attachment"
        payload = attachment.data if isinstance(attachment.data, bytes) else b""
        members.append(Member(str(name), payload, len(payload)))
    return Opened(tuple(members), body=_tnef_body(tnef))


def _tnef_body(tnef: object) -> str:
    for attr in ("body", "htmlbody"):
        value = getattr(tnef, attr, None)
        if isinstance(value, bytes):
            value = value.decode("cp1252", errors="replace")
        if isinstance(value, str) and value.strip():
            return value
    try:
        rtf = getattr(tnef, "rtfbody", None)
        if isinstance(rtf, bytes) and rtf:
            return rtf_text(rtf.decode("latin-1"))
    except Exception:  # noqa: BLE001 — tnefparse raises assorted errors on damaged input
        return ""
    return ""
