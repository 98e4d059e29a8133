"""Queries of the IMAP poller: is a message already stored, and where a folder stands.

Kept apart from `repo.py` so the poller's needs stay in one small module; every
write here shares one transaction with the folder's high-water mark.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, select, update

from classify.message import Mark
from store.models import FolderStateRow, Message, PollHealthRow
from store.repo import Store

_messages = cast(Table, Message.__table__)
# A Core statement built once: asked for every new message of a sync, the ORM query was ~15 % of it.
_KNOWN = select(_messages.c.id, _messages.c.dedup_key, _messages.c.digest).where(
    _messages.c.dedup_key.in_(bindparam("keys", expanding=True))
)


def known_messages(store: Store, identities: Sequence[tuple[str | None, str]]) -> list[int | None]:
    """For each (Message-ID or None, content digest): the stored message with both, if any.

    One query for a whole batch of new UIDs: asked message by message, it was 7 % of a sync.
    """
    keys_of = [
        [f"{mid}#{digest[:16]}", mid] if mid else [f"sha256:{digest}"] for mid, digest in identities
    ]
    wanted = sorted({key for keys in keys_of for key in keys})
    if not wanted:
        return []
    with store.transaction() as conn:
        rows = conn.execute(_KNOWN, {"keys": wanted}).all()
    stored: dict[tuple[str, str], int] = {}
    for pk, key, digest in sorted(rows):  # the oldest first, if a key were stored twice
        stored.setdefault((key, digest), int(pk))
    return [
        next((stored[(k, d)] for k in keys if (k, d) in stored), None)
        for keys, (_, d) in zip(keys_of, identities, strict=True)
    ]


def record_seen_again(
    store: Store,
    message_pk: int,
    location: Mark,
    advance: Mark | None,
    now: datetime,
) -> None:
    """Note one more place a stored message sits, and move the high-water mark past it."""
    with store.transaction() as conn:
        store._add_location(conn, message_pk, location)
        if advance is not None:
            store.set_folder_state(conn, advance, now)


def acted_mark(store: Store, account: str, folder: str) -> tuple[int, int] | None:
    """(UIDVALIDITY, UID) up to which the after-processing action was done, or None."""
    with store.session() as s:
        row = s.execute(
            select(FolderStateRow.acted_uidvalidity, FolderStateRow.acted_uid).where(
                FolderStateRow.account == account, FolderStateRow.folder == folder
            )
        ).first()
    if row is None or row[0] is None or row[1] is None:
        return None
    return int(row[0]), int(row[1])


def save_acted_mark(store: Store, mark: Mark) -> None:
    """Record that the action is done up to ``mark`` (its folder's state row exists)."""
    with store.transaction() as conn:
        conn.execute(
            update(FolderStateRow)
            .where(FolderStateRow.account == mark.account, FolderStateRow.folder == mark.folder)
            .values(acted_uidvalidity=mark.uidvalidity, acted_uid=mark.uid)
        )


def save_folder_state(store: Store, state: Mark, now: datetime) -> None:
    """Set a folder's mark on its own: a new UIDVALIDITY seen on an empty folder."""
    with store.transaction() as conn:
        store.set_folder_state(conn, state, now)


@dataclass(frozen=True)
class PollHealth:
    """How long polling a mailbox has been failing, and whether the editor has been told."""

    failing_since: datetime
    failures: int
    last_error: str
    alerted: bool


def poll_health(store: Store, account: str) -> PollHealth | None:
    """The stored outage of ``account``'s polls, or None when its last poll worked."""
    with store.session() as s:
        row = s.get(PollHealthRow, account)
        if row is None:
            return None
        return PollHealth(row.failing_since, row.failures, row.last_error, row.alerted)


def save_poll_health(store: Store, account: str, health: PollHealth | None) -> None:
    """Remember an outage (or, with None, that polling works again)."""
    with store.session() as s, s.begin():
        row = s.get(PollHealthRow, account)
        if health is None:
            if row is not None:
                s.delete(row)
            return
        if row is None:
            row = PollHealthRow(account=account)
            s.add(row)
        row.failing_since = health.failing_since
        row.failures = health.failures
        row.last_error = health.last_error
        row.alerted = health.alerted
