"""Mail that arrived late: dated within a week whose digest had already gone out when it came.

Such mail counts in the week it arrived (counting goes by arrival), so the editor, who read
last week's digest without it, is told about it in the next one. Pure: the stored digests'
weeks and sent times, and each message's ``Date`` and arrival, come in as values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo


@dataclass(frozen=True)
class Arrival:
    """A stored message as late-mail needs it: when it says it was written, when it came."""

    id: int
    sender: str
    subject: str
    unit: str | None
    status: str
    dated: datetime | None  # the Date header, aware
    received_at: datetime  # when the mailbox got it, aware
    counts: Mapping[str, int]


@dataclass(frozen=True)
class DigestWeek:
    """A digest that went out: the week it covered and when it was sent."""

    start: date
    end: date
    sent_at: datetime


@dataclass(frozen=True)
class Late:
    id: int
    sender: str
    subject: str
    unit: str | None
    status: str
    dated: datetime
    received_at: datetime
    counts: Mapping[str, int]
    week_start: date  # the week it is dated in, whose digest went out without it
    week_end: date
    digest_sent_at: datetime


def late_arrivals(
    arrivals: Iterable[Arrival], digests: Sequence[DigestWeek], tz: tzinfo
) -> list[Late]:
    """The arrivals dated (in ``tz``) within a digest's week that came after it was sent."""
    out = []
    for a in arrivals:
        if a.dated is None:
            continue
        day = a.dated.astimezone(tz).date()
        missed = [d for d in digests if d.start <= day <= d.end and d.sent_at < a.received_at]
        if not missed:
            continue
        first = min(missed, key=lambda d: d.sent_at)
        out.append(
            Late(
                a.id,
                a.sender,
                a.subject,
                a.unit,
                a.status,
                a.dated,
                a.received_at,
                a.counts,
                first.start,
                first.end,
                first.sent_at,
            )
        )
    return sorted(out, key=lambda m: (m.received_at, m.id))


def late_json(late: Sequence[Late]) -> list[dict[str, object]]:
    """The report's ``late``: what came after its week's digest, oldest arrival first."""
    return [
        {
            "id": m.id,
            "sender": m.sender,
            "subject": m.subject,
            "unit": m.unit,
            "status": m.status,
            "dated": m.dated.isoformat(),
            "received_at": m.received_at.isoformat(),
            "counts": dict(m.counts),
            "week": {"start": m.week_start.isoformat(), "end": m.week_end.isoformat()},
            "digest_sent_at": m.digest_sent_at.isoformat(),
        }
        for m in late
    ]
