"""Submissions and their corrections: what each message counts, and a person's override of it.

A message with an override counts its override whatever its status; any other
message counts its items when its status is `counted`. A correction writes its
audit entry in the same transaction as the correction itself.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, literal, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from classify.message import KINDS
from classify.reasons import NO_REASON, Reason
from store.audit import log_change
from store.db import Sessions
from store.mappings import load_periods
from store.models import Item, Message, Override
from store.reasons import decode, decode_trace

# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class OverrideRow:
    counts: Mapping[str, int]
    reason: str
    actor: str
    at: datetime


@dataclass(frozen=True)
class SubmissionRow:
    id: int
    sender: str
    sender_name: str
    subject: str
    received_at: datetime
    status: str
    counts: Mapping[str, int]  # what counts now: the override's, else the counted items'
    overridden: bool
    reason: Reason = NO_REASON  # why the status: the list names possible spoofing


@dataclass(frozen=True)
class ItemRow:
    kind: str
    count: int
    reason: Reason
    part: str | None
    duplicate_of: int | None


@dataclass(frozen=True)
class SubmissionDetail:
    row: SubmissionRow
    message_id: str | None
    recipients: str
    reason: Reason
    source: str
    items: tuple[ItemRow, ...]
    trace: tuple[tuple[str, bool, Reason], ...]  # (rule, fired, note)
    classified: Mapping[str, int]  # what the rules counted, before any override
    override: OverrideRow | None


@dataclass(frozen=True)
class SenderActivity:
    """What an unknown sender sent in a window: enough to decide which unit it is."""

    address: str
    first_seen: datetime
    last_seen: datetime
    subjects: tuple[str, ...]  # newest first
    message_ids: tuple[int, ...] = field(default=())


# --------------------------------------------------------------------------- counting


def counted_per_message(
    s: Session, start: datetime, end: datetime
) -> list[tuple[int, str, datetime, str, int]]:
    """(message, address, received, kind, count) of what counts in [start, end).

    A message with an override counts its override whatever its status; any
    other message counts its items when its status is `counted`.
    """
    window = (Message.received_at >= start, Message.received_at < end)
    overridden = select(Override.message_pk)
    per_message: list[tuple[int, str, datetime, str, int]] = [
        (pk, sender, received, kind, int(total or 0))
        for pk, sender, received, kind, total in s.execute(
            select(Message.id, Message.sender, Message.received_at, Item.kind, func.sum(Item.count))
            .join(Item, Item.message_pk == Message.id)
            .where(Message.status == "counted", *window, Message.id.not_in(overridden))
            .group_by(Message.id, Message.sender, Message.received_at, Item.kind)
        )
    ]
    for pk, sender, received, news, article, photo in s.execute(
        select(
            Message.id,
            Message.sender,
            Message.received_at,
            Override.news,
            Override.article,
            Override.photo,
        )
        .join(Override, Override.message_pk == Message.id)
        .where(*window)
    ):
        per_message += [(pk, sender, received, "news", news)]
        per_message += [(pk, sender, received, "article", article)]
        per_message.append((pk, sender, received, "photo", photo))
    return per_message


def counted_per_span(
    s: Session, bounds: Sequence[datetime]
) -> Iterable[tuple[int, str, str | None, Mapping[str, int]]]:
    """(i, address, earlier unit or None, counts by kind) of what counts in each span
    [bounds[i], bounds[i + 1]), unordered.

    What counts is `counted_per_message`'s. The unit is set only where a `--from`
    move kept the mail with the unit it had then. Mail received after every such
    move's end is summed per sender by the database (`_counted_per_sender`): only the
    part of the window a move still covers is read message by message.

    The charts' weeks: one query sums every week (a CASE on the bounds) with the kinds
    side by side, so a quarter's 2,500 senders come back as 35,000 rows, not 14 queries'
    105,000 rows of one kind each for Python to read and add up.
    """
    start, end = bounds[0], bounds[-1]
    periods = load_periods(s)
    moved_until = max((until for v in periods.by_pattern.values() for until, _ in v), default=None)
    split = start if moved_until is None else max(start, min(end, moved_until))
    totals: dict[tuple[int, str, str | None], dict[str, int]] = {}
    if split > start:
        for _, sender, received, kind, count in counted_per_message(s, start, split):
            span = bisect_right(bounds, received) - 1
            into = totals.setdefault((span, sender, periods.unit_at(sender, received)), {})
            into[kind] = into.get(kind, 0) + count
    if end > split:
        for span, sender, counts in _counted_per_sender(s, split, end, bounds):
            into = totals.setdefault((span, sender, None), {})
            for kind, count in counts:
                into[kind] = into.get(kind, 0) + count
    return ((i, a, u, counts) for (i, a, u), counts in totals.items())


def counted_of(s: Session, ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """What each message of ``ids`` counts, by kind: `counted_per_message`'s rule, by id."""
    out: dict[int, dict[str, int]] = {pk: dict.fromkeys(KINDS, 0) for pk in ids}
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        overridden = select(Override.message_pk).where(Override.message_pk.in_(chunk))
        for pk, kind, total in s.execute(
            select(Item.message_pk, Item.kind, func.sum(Item.count))
            .join(Message, Message.id == Item.message_pk)
            .where(
                Item.message_pk.in_(chunk),
                Message.status == "counted",
                Item.message_pk.not_in(overridden),
            )
            .group_by(Item.message_pk, Item.kind)
        ):
            out[pk][kind] = int(total or 0)
        for pk, news, article, photo in s.execute(
            select(Override.message_pk, Override.news, Override.article, Override.photo).where(
                Override.message_pk.in_(chunk)
            )
        ):
            out[pk] = {"news": news, "article": article, "photo": photo}
    return out


def _counted_per_sender(
    s: Session, start: datetime, end: datetime, bounds: Sequence[datetime]
) -> Iterator[tuple[int, str, list[tuple[str, int]]]]:
    """(span, address, [(kind, count), …]) of what counts in [start, end), summed in SQL.

    The same rule as `counted_per_message`: an override's counts whatever the status,
    else the items of a `counted` message (a kind it has no item of is left out). The
    span is the index of the bounds' interval the mail was received in.
    """
    window = (Message.received_at >= start, Message.received_at < end)
    inner = bounds[1:-1]
    span: ColumnElement[int] = (
        case(*((Message.received_at < b, i) for i, b in enumerate(inner)), else_=len(inner))
        if inner
        else literal(0)
    )
    by_span = (span,) if inner else ()
    overridden = select(Override.message_pk)
    db = s.connection()  # rows as the driver gives them: no ORM step for 35,000 of them
    per_kind = [func.sum(case((Item.kind == kind, Item.count))) for kind in KINDS]
    for i, sender, *sums in db.execute(
        select(span, Message.sender, *per_kind)
        .join(Item, Item.message_pk == Message.id)
        .where(Message.status == "counted", *window, Message.id.not_in(overridden))
        .group_by(*by_span, Message.sender)
    ):
        yield (
            int(i),
            sender,
            [(k, int(n)) for k, n in zip(KINDS, sums, strict=True) if n is not None],
        )
    overrides = [func.sum(Override.news), func.sum(Override.article), func.sum(Override.photo)]
    for i, sender, *sums in db.execute(
        select(span, Message.sender, *overrides)
        .join(Override, Override.message_pk == Message.id)
        .where(*window)
        .group_by(*by_span, Message.sender)
    ):
        yield int(i), sender, [(k, int(n or 0)) for k, n in zip(KINDS, sums, strict=True)]


# --------------------------------------------------------------------------- corrections


def set_override(
    sessions: Sessions,
    message_pk: int,
    counts: Mapping[str, int],
    *,
    reason: str,
    actor: str,
    now: datetime,
) -> tuple[dict[str, int], dict[str, int]] | None:
    """Replace what message ``message_pk`` counts; (old, new) counts, or None if no such message."""
    with sessions() as s, s.begin():
        message = s.get(Message, message_pk)
        if message is None:
            return None
        old = _counts_now(s, message)
        new: dict[str, int] = {k: int(counts[k]) for k in KINDS}
        row = s.scalar(select(Override).where(Override.message_pk == message_pk))
        if row is None:
            s.add(Override(message_pk=message_pk, reason=reason, actor=actor, at=now, **new))
        else:
            row.news, row.article, row.photo = new["news"], new["article"], new["photo"]
            row.reason, row.actor, row.at = reason, actor, now
        log_change(
            s,
            at=now,
            actor=actor,
            action="reclassify",
            target=f"message #{message_pk}",
            old=_fmt_counts(old),
            new=_fmt_counts(new) + (f" — {reason}" if reason else ""),
        )
        return old, new


def clear_override(sessions: Sessions, message_pk: int, *, actor: str, now: datetime) -> bool:
    """Drop a message's override so its classified items count again; False if it had none."""
    with sessions() as s, s.begin():
        row = s.scalar(select(Override).where(Override.message_pk == message_pk))
        if row is None:
            return False
        old = {"news": row.news, "article": row.article, "photo": row.photo}
        s.delete(row)
        s.flush()
        message = s.get(Message, message_pk)
        new: dict[str, int] = (
            _counts_now(s, message) if message is not None else dict.fromkeys(KINDS, 0)
        )
        log_change(
            s,
            at=now,
            actor=actor,
            action="reclassify-clear",
            target=f"message #{message_pk}",
            old=_fmt_counts(old),
            new=_fmt_counts(new) + " (as classified)",
        )
        return True


def _fmt_counts(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{k} {counts.get(k, 0)}" for k in KINDS)


def _classified(message: Message) -> dict[str, int]:
    counts: dict[str, int] = dict.fromkeys(KINDS, 0)
    if message.status == "counted":
        for item in message.items:
            if item.kind in counts:
                counts[item.kind] += item.count
    return counts


def _counts_now(s: Session, message: Message) -> dict[str, int]:
    row = s.scalar(select(Override).where(Override.message_pk == message.id))
    if row is not None:
        return {"news": row.news, "article": row.article, "photo": row.photo}
    return _classified(message)


# --------------------------------------------------------------------------- submissions


def list_submissions(
    sessions: Sessions,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    statuses: Iterable[str] = (),
    senders: Iterable[str] | None = None,
    domains: Iterable[str] = (),
    overridden_only: bool = False,
    limit: int = 500,
    offset: int = 0,
) -> list[SubmissionRow]:
    """Messages newest first, with what each counts now.

    ``senders`` and ``domains`` (``@host``, as a mapping writes one) keep the mail from
    those addresses or from any address at those domains. Addresses are matched as
    stored: the ingest lower-cases them (`ingest.header_values.address`) and a pattern is
    lower case (`store.senders.normalize_pattern`), so an address is found through
    ``ix_messages_sender_received``; a domain is a suffix, which no index serves.
    """
    stmt = select(Message).order_by(Message.received_at.desc(), Message.id.desc()).limit(limit)
    if offset:
        stmt = stmt.offset(offset)
    if since is not None:
        stmt = stmt.where(Message.received_at >= since)
    if until is not None:
        stmt = stmt.where(Message.received_at < until)
    wanted = list(statuses)
    if wanted:
        stmt = stmt.where(Message.status.in_(wanted))
    sent_by: list[ColumnElement[bool]] = []
    if senders is not None:
        sent_by.append(Message.sender.in_(list(senders)))
    sent_by += [Message.sender.endswith(d, autoescape=True) for d in domains]
    if sent_by:
        stmt = stmt.where(or_(*sent_by))
    if overridden_only:
        stmt = stmt.where(Message.id.in_(select(Override.message_pk)))
    with sessions() as s:
        messages = list(s.scalars(stmt))
        ids = [m.id for m in messages]
        overrides = _overrides_of(s, ids)
        counted = _item_counts(s, [m.id for m in messages if m.status == "counted"])
        return [
            _submission(m, overrides.get(m.id), counted.get(m.id, _NO_COUNTS)) for m in messages
        ]


_NO_COUNTS: Mapping[str, int] = dict.fromkeys(KINDS, 0)


def _item_counts(s: Session, ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """What the items of each message count, per kind: one query, not one per message."""
    out: dict[int, dict[str, int]] = {}
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        stmt = (
            select(Item.message_pk, Item.kind, func.sum(Item.count))
            .where(Item.message_pk.in_(chunk), Item.kind.in_(KINDS))
            .group_by(Item.message_pk, Item.kind)
        )
        for pk, kind, total in s.execute(stmt):
            out.setdefault(pk, dict.fromkeys(KINDS, 0))[kind] = int(total or 0)
    return out


def _overrides_of(s: Session, ids: Sequence[int]) -> dict[int, Override]:
    if not ids:
        return {}
    return {
        o.message_pk: o for o in s.scalars(select(Override).where(Override.message_pk.in_(ids)))
    }


def _submission(
    m: Message, override: Override | None, classified: Mapping[str, int] | None = None
) -> SubmissionRow:
    """``classified``: what its items count (`_classified`), when read already."""
    if override is not None:
        counts = {"news": override.news, "article": override.article, "photo": override.photo}
    else:
        counts = dict(classified) if classified is not None else _classified(m)
    return SubmissionRow(
        m.id,
        m.sender,
        m.sender_name,
        m.subject,
        m.received_at,
        m.status,
        counts,
        override is not None,
        decode(m.reason),
    )


def get_submission(sessions: Sessions, message_pk: int) -> SubmissionDetail | None:
    with sessions() as s:
        m = s.get(Message, message_pk)
        if m is None:
            return None
        override = _overrides_of(s, [m.id]).get(m.id)
        trace = tuple((hit.rule, hit.fired, hit.note) for hit in decode_trace(m.trace))
        items = tuple(
            ItemRow(i.kind, i.count, decode(i.reason), i.part, i.duplicate_of) for i in m.items
        )
        return SubmissionDetail(
            row=_submission(m, override),
            message_id=m.message_id,
            recipients=m.recipients,
            reason=decode(m.reason),
            source=m.source,
            items=items,
            trace=trace,
            classified=_classified(m),
            override=None
            if override is None
            else OverrideRow(
                {"news": override.news, "article": override.article, "photo": override.photo},
                override.reason,
                override.actor,
                override.at,
            ),
        )


def sender_activity(
    sessions: Sessions,
    addresses: Iterable[str],
    start: datetime,
    end: datetime,
    *,
    samples: int = 3,
) -> dict[str, SenderActivity]:
    """First and last mail, and the latest subjects, of each address in [start, end)."""
    wanted = list(addresses)
    if not wanted:
        return {}
    stmt = (
        select(Message.id, Message.sender, Message.received_at, Message.subject)
        .where(Message.sender.in_(wanted), Message.received_at >= start, Message.received_at < end)
        .order_by(Message.received_at.desc(), Message.id.desc())
    )
    found: dict[str, list[tuple[int, datetime, str]]] = defaultdict(list)
    with sessions() as s:
        for pk, sender, received, subject in s.execute(stmt):
            found[sender].append((pk, received, subject))
    return {
        a: SenderActivity(
            address=a,
            first_seen=rows[-1][1],
            last_seen=rows[0][1],
            subjects=tuple(subject for _, _, subject in rows[:samples]),
            message_ids=tuple(pk for pk, _, _ in rows),
        )
        for a, rows in found.items()
    }
