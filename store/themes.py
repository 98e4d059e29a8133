"""The themes each stored message touches (`classify.themes` tags), and what they count."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Connection, Table, insert, select

from store.db import Sessions
from store.mappings import load_periods
from store.models import Message, MessagePreview, MessageTheme
from store.previews import from_json
from store.submissions import counted_per_message

_themes = cast(Table, MessageTheme.__table__)
_INSERT_THEME = insert(_themes)


@dataclass(frozen=True)
class TaggedCount:
    """What one message counts for one kind, with its sender and the tags it carries."""

    message: int
    address: str
    unit: str | None  # set where a `--from` move keeps the mail with an earlier unit
    kind: str
    count: int
    tags: frozenset[str]


def add_themes(conn: Connection, message_pk: int, tags: Iterable[str]) -> int:
    """Tag a message (in the caller's transaction); a tag it already has is kept once.

    Returns how many tags were new.
    """
    have = set(conn.scalars(select(_themes.c.tag).where(_themes.c.message_pk == message_pk)))
    rows = [{"message_pk": message_pk, "tag": t} for t in dict.fromkeys(tags) if t not in have]
    if rows:
        conn.execute(_INSERT_THEME, rows)
    return len(rows)


def themes_of(sessions: Sessions, message_pk: int) -> tuple[str, ...]:
    with sessions() as s:
        stmt = select(MessageTheme.tag).where(MessageTheme.message_pk == message_pk)
        return tuple(sorted(s.scalars(stmt)))


def tagged_counts(sessions: Sessions, start: datetime, end: datetime) -> list[TaggedCount]:
    """What counts in [start, end), per message and kind, for the messages with any tag."""
    with sessions() as s:
        rows = counted_per_message(s, start, end)
        tags: dict[int, set[str]] = defaultdict(set)
        wanted = sorted({pk for pk, *_ in rows})
        for chunk in _chunks(wanted, 500):
            stmt = select(MessageTheme.message_pk, MessageTheme.tag).where(
                MessageTheme.message_pk.in_(chunk)
            )
            for pk, tag in s.execute(stmt):
                tags[pk].add(tag)
        periods = load_periods(s)
        return [
            TaggedCount(
                pk, sender, periods.unit_at(sender, received), kind, count, frozenset(tags[pk])
            )
            for pk, sender, received, kind, count in rows
            if tags.get(pk)
        ]


def stored_texts(
    sessions: Sessions, after: int = 0, limit: int = 500
) -> list[tuple[int, str, str]]:
    """(message, subject, the start of its body as kept for its page), by message number.

    What the store still knows of a message's words: `tinbai themes retag` reads it.
    """
    with sessions() as s:
        stmt = (
            select(Message.id, Message.subject, MessagePreview.preview)
            .outerjoin(MessagePreview, MessagePreview.message_pk == Message.id)
            .where(Message.id > after)
            .order_by(Message.id)
            .limit(limit)
        )
        out = []
        for pk, subject, stored in s.execute(stmt):
            preview = from_json(stored) if stored else None
            body = "\n".join(p.text for p in preview.passages) if preview else ""
            out.append((pk, subject, body))
        return out


def _chunks(values: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]
