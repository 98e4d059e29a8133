"""What `tinbai explain` shows about one stored message: its facts and its rule trace."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from classify.message import RuleHit
from classify.reasons import Reason
from store.models import MessageTheme
from store.reasons import decode, decode_trace
from store.repo import Store, find_message

RuleLine = RuleHit  # one rule of the trace: its name, whether it fired, its note


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
    reason: Reason
    defects: tuple[str, ...]
    items: tuple[tuple[str, int, Reason], ...]  # (kind, count, reason)
    trace: tuple[RuleLine, ...]
    themes: tuple[str, ...] = ()  # the tags of the plan's themes and dates it touches


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
            reason=decode(row.reason),
            defects=tuple(d for d in row.defects.splitlines() if d),
            items=tuple((i.kind, i.count, decode(i.reason)) for i in row.items),
            trace=decode_trace(row.trace),
            themes=tuple(sorted(t.tag for t in s.query(MessageTheme).filter_by(message_pk=row.id))),
        )
