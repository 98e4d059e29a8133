"""What the message page shows of a message, kept beside it: its preview and thumbnails.

The preview (`classify.preview.Preview`) is written with the message, for mail from a
file and from IMAP alike; thumbnails only for mail from a file (IMAP mail's are fetched
when wanted and kept in a disk cache by the web admin). Both are bounded in size.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import Connection, Table, insert, select

from classify.message import Mark
from classify.preview import MAX_FILES, THUMBNAIL_MAX_BYTES, Attached, Passage, Preview
from store.db import Sessions
from store.models import MessageLocation, MessagePreview, Thumbnail

_previews = cast(Table, MessagePreview.__table__)
_thumbnails = cast(Table, Thumbnail.__table__)
_INSERT_PREVIEW = insert(_previews)
_INSERT_THUMBNAIL = insert(_thumbnails)


def to_json(preview: Preview) -> str:
    return json.dumps(
        {
            "passages": [[p.role, p.text] for p in preview.passages],
            "cut": preview.cut,
            "forward": preview.forward,
            "files": [
                [f.path, f.name, f.kind, f.words, f.fingerprint, f.width, f.height, f.size]
                for f in preview.files
            ],
            "more_files": preview.more_files,
        },
        ensure_ascii=False,
    )


def from_json(text: str) -> Preview | None:
    """The stored preview; None if it cannot be read (a person then sees none, not an error)."""
    try:
        data: dict[str, Any] = json.loads(text)
        return Preview(
            passages=tuple(Passage(role, body) for role, body in data["passages"]),
            cut=bool(data["cut"]),
            forward=bool(data["forward"]),
            files=tuple(Attached(*row) for row in data["files"]),
            more_files=int(data.get("more_files", 0)),
        )
    except (ValueError, TypeError, KeyError):
        return None


def add_preview(
    conn: Connection, message_pk: int, preview: Preview, thumbnails: Mapping[str, bytes]
) -> None:
    """Write a new message's preview and its (bounded) thumbnails, in the caller's transaction."""
    conn.execute(_INSERT_PREVIEW, {"message_pk": message_pk, "preview": to_json(preview)})
    images = {f.path for f in preview.files if f.kind == "image"}
    rows = [
        {"message_pk": message_pk, "part": path, "data": data}
        for path, data in thumbnails.items()
        if path in images and len(data) <= THUMBNAIL_MAX_BYTES
    ][:MAX_FILES]
    if rows:
        conn.execute(_INSERT_THUMBNAIL, rows)


def load_preview(sessions: Sessions, message_pk: int) -> tuple[Preview | None, frozenset[str]]:
    """A message's preview (None for mail stored before previews were kept), and which
    of its images have a stored thumbnail."""
    with sessions() as s:
        text = s.scalar(
            select(MessagePreview.preview).where(MessagePreview.message_pk == message_pk)
        )
        stored = s.scalars(select(Thumbnail.part).where(Thumbnail.message_pk == message_pk))
        return (None if text is None else from_json(text)), frozenset(stored)


def stored_thumbnail(sessions: Sessions, message_pk: int, part: str) -> bytes | None:
    with sessions() as s:
        return s.scalar(
            select(Thumbnail.data).where(Thumbnail.message_pk == message_pk, Thumbnail.part == part)
        )


def locations(sessions: Sessions, message_pk: int) -> list[Mark]:
    """Where the message was seen on the server, newest first."""
    with sessions() as s:
        rows = s.scalars(
            select(MessageLocation)
            .where(MessageLocation.message_pk == message_pk)
            .order_by(MessageLocation.id.desc())
        )
        return [Mark(r.account, r.folder, r.uidvalidity, r.uid) for r in rows]
