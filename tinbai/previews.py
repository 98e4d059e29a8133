"""What a message page shows of the message itself: its text, its documents, its photos.

The preview stored with the message (`store.previews`) says what there is; the message's
items say what each of those counted as; thumbnails come from the database (mail from a
file) or, for IMAP mail, from the disk cache (`tinbai.thumbcache`), fetched read-only
from the server on a miss (`ingest.revisit`). If the message is no longer on the server,
the page says so.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from classify.preview import Passage
from ingest.imap import ByteCounter, disconnect, mailbox_errors
from ingest.revisit import fetch_thumbnails
from store import previews as stored
from store.submissions import SubmissionDetail
from tinbai.app import App
from tinbai.config import mailbox_names, mailbox_settings
from tinbai.errors import TinbaiError
from tinbai.polling import account_of, login
from tinbai.thumbcache import ThumbnailCache

log = logging.getLogger(__name__)

# What the body's own text was taken for: the counted piece, a note beside a counted
# document, or nothing counted (a caption, a short note, a message not counted).
BodyRole = Literal["piece", "covering-note", "not-counted"]
# What an image was taken for.
ImageVerdict = Literal["counted", "duplicate", "not-photo", "not-counted"]
# Why a server could not show IMAP mail's photos.
ServerState = Literal["ok", "gone-uidvalidity", "gone-expunged", "unreachable", "not-polled"]


@dataclass(frozen=True)
class DocumentShown:
    path: str
    name: str
    words: int | None
    counted_as: str | None  # "news" | "article", None when it counted for nothing


@dataclass(frozen=True)
class ImageShown:
    path: str
    name: str
    verdict: ImageVerdict
    width: int | None
    height: int | None
    thumbnail: bool  # a thumbnail can be had at /submissions/ID/thumbnail?part=PATH


@dataclass(frozen=True)
class MessageShown:
    passages: tuple[Passage, ...]
    body: BodyRole
    body_kind: str | None  # the body piece's kind when it counted
    cut: bool
    forward: bool
    documents: tuple[DocumentShown, ...]
    images: tuple[ImageShown, ...]
    more_files: int
    server: ServerState
    server_error: str = ""


def _cache(app: App) -> ThumbnailCache:
    web = app.config.model.web
    return ThumbnailCache(app.config.thumbnail_cache, int(web.thumbnail_cache_mb * 1_000_000))


def message_shown(app: App, detail: SubmissionDetail, *, fetch: bool = True) -> MessageShown | None:
    """What to show of a message; None when it was stored before previews were kept.

    ``fetch=False``: no thumbnails from the IMAP server (a terminal shows none).
    """
    preview, with_thumbnail = stored.load_preview(app.store.session, detail.row.id)
    if preview is None:
        return None
    counted = detail.row.status == "counted"
    by_part = {i.part: i for i in detail.items if i.part is not None}
    written = [i for i in detail.items if i.kind in ("news", "article")]
    body_piece = next((i for i in written if i.part is None), None)
    body: BodyRole = (
        "piece"
        if counted and body_piece is not None
        else ("covering-note" if counted and written else "not-counted")
    )
    documents = tuple(
        DocumentShown(
            f.path,
            f.name,
            f.words,
            by_part[f.path].kind if counted and f.path in by_part else None,
        )
        for f in preview.files
        if f.kind == "document"
    )
    images = [f for f in preview.files if f.kind == "image"]
    counted_prints = {
        f.fingerprint
        for f in images
        if f.fingerprint and f.path in by_part and by_part[f.path].count > 0
    }

    def verdict(path: str, fingerprint: str | None) -> ImageVerdict:
        item = by_part.get(path)
        if not counted:
            return "not-counted"
        if item is not None:
            return "counted" if item.count > 0 else "duplicate"
        return "duplicate" if fingerprint in counted_prints else "not-photo"

    server: ServerState = "ok"
    error = ""
    have = set(with_thumbnail)
    if fetch and detail.source == "imap" and images:
        server, error, fetched = _from_server(app, detail.row.id, [f.path for f in images])
        have |= fetched
    shown = tuple(
        ImageShown(
            f.path, f.name, verdict(f.path, f.fingerprint), f.width, f.height, f.path in have
        )
        for f in images
    )
    return MessageShown(
        passages=preview.passages,
        body=body,
        body_kind=body_piece.kind if body == "piece" and body_piece else None,
        cut=preview.cut,
        forward=preview.forward,
        documents=documents,
        images=shown,
        more_files=preview.more_files,
        server=server,
        server_error=error,
    )


_GONE: dict[str, ServerState] = {"uidvalidity": "gone-uidvalidity", "expunged": "gone-expunged"}


def _from_server(app: App, message_pk: int, paths: list[str]) -> tuple[ServerState, str, set[str]]:
    """Which images have a thumbnail in the cache, fetching the missing ones (one session)."""
    marks = stored.locations(app.store.session, message_pk)
    if not marks:
        return "not-polled", "", set()
    cache = _cache(app)
    mark = marks[0]
    missing = [p for p in paths if not cache.has(mark, p)]
    have = set(paths) - set(missing)
    if not missing:
        return "ok", "", have
    try:
        mailbox = next(
            (
                m
                for m in (mailbox_settings(app.config, n) for n in mailbox_names(app.config))
                if account_of(m) == mark.account
            ),
            None,
        )
        if mailbox is None:
            return "unreachable", f"{mark.account}: not a configured mailbox", have
        client, _ = login(app, mailbox, ByteCounter())
        try:
            with mailbox_errors(mailbox):
                found = fetch_thumbnails(client, mark, missing, max_bytes=mailbox.max_message_bytes)
        finally:
            disconnect(client)
    except TinbaiError as e:
        log.warning("message #%s: cannot fetch its photos: %s", message_pk, e)
        return "unreachable", str(e), have
    if found.gone is not None:
        return _GONE[found.gone], "", have
    for part, data in found.thumbnails.items():
        cache.put(mark, part, data)
    return "ok", "", have | set(found.thumbnails)


def thumbnail(app: App, message_pk: int, source: str, part: str) -> bytes | None:
    """One image's thumbnail: stored with the message, else in the cache, else fetched."""
    if source != "imap":
        return stored.stored_thumbnail(app.store.session, message_pk, part)
    marks = stored.locations(app.store.session, message_pk)
    if not marks:
        return None
    cache = _cache(app)
    found = cache.get(marks[0], part)
    if found is None:  # evicted since the page was made: fetch it again
        _from_server(app, message_pk, [part])
        found = cache.get(marks[0], part)
    return found
