"""Queries of the IMAP poller: is a message already stored, and where a folder stands.

Kept apart from `repo.py` so the poller's needs stay in one small module; every
write here shares one transaction with the folder's high-water mark.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, select

from store.models import Message
from store.repo import FolderState, Location, Store

_messages = cast(Table, Message.__table__)
# A Core statement built once: asked for every new message of a sync, the ORM query was ~15 % of it.
_KNOWN = (
    select(_messages.c.id)
    .where(
        _messages.c.dedup_key.in_(bindparam("keys", expanding=True)),
        _messages.c.digest == bindparam("digest"),
    )
    .limit(1)
)


def known_message(store: Store, message_id: str | None, digest: str) -> int | None:
    """The stored message with this Message-ID (or none) and this content digest, if any."""
    keys = [f"{message_id}#{digest[:16]}", message_id] if message_id else [f"sha256:{digest}"]
    with store.transaction() as conn:
        found = conn.execute(_KNOWN, {"keys": keys, "digest": digest}).scalar()
        return None if found is None else int(found)


def record_seen_again(
    store: Store,
    message_pk: int,
    location: Location,
    advance: FolderState | None,
    now: datetime,
) -> None:
    """Note one more place a stored message sits, and move the high-water mark past it."""
    with store.transaction() as conn:
        store._add_location(conn, message_pk, location)
        if advance is not None:
            store.set_folder_state(conn, advance, now)


def save_folder_state(store: Store, state: FolderState, now: datetime) -> None:
    """Set a folder's mark on its own: a new UIDVALIDITY seen on an empty folder."""
    with store.transaction() as conn:
        store.set_folder_state(conn, state, now)
