"""What `tinbai explain` shows about one stored message: its facts and its rule trace."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from store.repo import Store, find_message


@dataclass(frozen=True)
class RuleLine:
    rule: str
    fired: bool
    note: str


@dataclass(frozen=True)
class MessageFacts:
    id: int
    message_id: str | None
    sender: str
    sender_name: str
    recipients: str
    subject: str
    sent_at: datetime | None
    received_at: datetime
    size: int
    source: str
    status: str
    reason: str
    defects: tuple[str, ...]
    items: tuple[tuple[str, int, str], ...]  # (kind, count, reason)
    trace: tuple[RuleLine, ...]


def message_facts(store: Store, ref: str) -> MessageFacts | None:
    """A stored message by its number or its Message-ID (with or without <>)."""
    with store.session() as s:
        row = find_message(s, ref)
        if row is None:
            return None
        return MessageFacts(
            id=row.id,
            message_id=row.message_id,
            sender=row.sender,
            sender_name=row.sender_name,
            recipients=row.recipients,
            subject=row.subject,
            sent_at=row.sent_at,
            received_at=row.received_at,
            size=row.size,
            source=row.source,
            status=row.status,
            reason=row.reason,
            defects=tuple(d for d in row.defects.splitlines() if d),
            items=tuple((i.kind, i.count, i.reason) for i in row.items),
            trace=_trace(row.trace),
        )


def _trace(stored: str) -> tuple[RuleLine, ...]:
    try:
        data = json.loads(stored or "[]")
    except ValueError:
        return ()
    lines = []
    for entry in data if isinstance(data, list) else []:
        if isinstance(entry, list) and len(entry) >= 2:
            lines.append(
                RuleLine(str(entry[0]), bool(entry[1]), str(entry[2]) if len(entry) > 2 else "")
            )
    return tuple(lines)
