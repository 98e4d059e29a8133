"""Admin queries: sender mappings over time, manual overrides, submissions and the audit log.

Every change here writes its audit entry in the same transaction as the change
itself, so the log cannot miss one. Callers get plain values back.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from store.models import AuditEntry, Item, Message, Override, Sender, SenderPeriod

KINDS: tuple[str, ...] = ("news", "article", "photo")

Sessions = Callable[[], Session]  # `Store.session`


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class MappingChange:
    pattern: str
    old: str | None  # the unit it counted for before (database or config seed)
    new: str
    since: datetime | None = None  # set: mail received before it stays with `old`

    @property
    def changed(self) -> bool:
        return self.old != self.new


@dataclass(frozen=True)
class ImportResult:
    added: int
    moved: int
    unchanged: int


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


@dataclass(frozen=True)
class ItemRow:
    kind: str
    count: int
    reason: str
    part: str | None
    duplicate_of: int | None


@dataclass(frozen=True)
class SubmissionDetail:
    row: SubmissionRow
    message_id: str | None
    recipients: str
    reason: str
    source: str
    items: tuple[ItemRow, ...]
    trace: tuple[tuple[str, bool, str], ...]  # (rule, fired, note)
    classified: Mapping[str, int]  # what the rules counted, before any override
    override: OverrideRow | None


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class SenderActivity:
    """What an unknown sender sent in a window: enough to decide which unit it is."""

    address: str
    first_seen: datetime
    last_seen: datetime
    subjects: tuple[str, ...]  # newest first
    message_ids: tuple[int, ...] = field(default=())


@dataclass(frozen=True)
class Periods:
    """Earlier mappings kept by `--from`: which unit a message counted for when it arrived."""

    by_pattern: Mapping[
        str, tuple[tuple[datetime, str], ...]
    ]  # pattern → ((until, unit), …) by until
    exact: frozenset[str]  # addresses mapped on their own in the database

    def unit_at(self, address: str, received_at: datetime) -> str | None:
        """The earlier unit that holds for mail received at ``received_at``, if one does."""
        address = address.lower()
        keys = [address]
        if address not in self.exact and "@" in address:
            keys.append("@" + address.rsplit("@", 1)[1])
        for key in keys:
            for until, unit in self.by_pattern.get(key, ()):
                if received_at < until:
                    return unit
            if key in self.by_pattern or key in self.exact:
                return None
        return None


# --------------------------------------------------------------------------- counting


def load_periods(s: Session) -> Periods:
    table: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for pattern, until, unit in s.execute(
        select(SenderPeriod.pattern, SenderPeriod.until, SenderPeriod.unit_id).order_by(
            SenderPeriod.until
        )
    ):
        table[pattern].append((until, unit))
    exact = frozenset(p for p in s.scalars(select(Sender.pattern)) if not p.startswith("@"))
    return Periods({p: tuple(v) for p, v in table.items()}, exact)


def counted_rows(
    s: Session, start: datetime, end: datetime
) -> list[tuple[str, str | None, str, int]]:
    """(address, earlier unit or None, kind, count) of what counts in [start, end).

    A message with an override counts its override whatever its status; any
    other message counts its items when its status is `counted`. The unit is
    set only where a `--from` move kept the mail with the unit it had then.
    """
    window = (Message.received_at >= start, Message.received_at < end)
    overridden = select(Override.message_pk)
    per_message: list[tuple[str, datetime, str, int]] = [
        (sender, received, kind, int(total or 0))
        for sender, received, kind, total in s.execute(
            select(Message.sender, Message.received_at, Item.kind, func.sum(Item.count))
            .join(Item, Item.message_pk == Message.id)
            .where(Message.status == "counted", *window, Message.id.not_in(overridden))
            .group_by(Message.id, Message.sender, Message.received_at, Item.kind)
        )
    ]
    for sender, received, news, article, photo in s.execute(
        select(Message.sender, Message.received_at, Override.news, Override.article, Override.photo)
        .join(Override, Override.message_pk == Message.id)
        .where(*window)
    ):
        per_message += [(sender, received, "news", news), (sender, received, "article", article)]
        per_message.append((sender, received, "photo", photo))
    periods = load_periods(s)
    totals: dict[tuple[str, str | None, str], int] = defaultdict(int)
    for sender, received, kind, count in per_message:
        totals[(sender, periods.unit_at(sender, received), kind)] += count
    return [
        (a, u, k, n) for (a, u, k), n in sorted(totals.items(), key=lambda kv: (kv[0][0], kv[0][2]))
    ]


# --------------------------------------------------------------------------- mappings


def map_sender(
    sessions: Sessions,
    pattern: str,
    unit_id: str,
    *,
    current: str | None,
    since: datetime | None,
    actor: str,
    now: datetime,
) -> MappingChange:
    """Map ``pattern`` to ``unit_id``; ``current`` is the unit it counts for now (database or seed).

    Without ``since`` the sender's whole history moves with it (earlier
    periods are dropped); with it, mail received before ``since`` stays with
    ``current``.
    """
    with sessions() as s, s.begin():
        change = _map_one(s, pattern, unit_id, current=current, since=since, actor=actor, now=now)
    return change


def _map_one(
    s: Session,
    pattern: str,
    unit_id: str,
    *,
    current: str | None,
    since: datetime | None,
    actor: str,
    now: datetime,
) -> MappingChange:
    row = s.scalar(select(Sender).where(Sender.pattern == pattern))
    change = MappingChange(
        pattern, current, unit_id, since if current and current != unit_id else None
    )
    if not change.changed:
        return change  # it counts there already (perhaps through its domain or a seed): no write
    if row is None:
        s.add(Sender(pattern=pattern, unit_id=unit_id, created_at=now))
    else:
        row.unit_id = unit_id
    new = unit_id
    if change.since is not None and current is not None:
        s.execute(
            delete(SenderPeriod).where(
                SenderPeriod.pattern == pattern, SenderPeriod.until >= change.since
            )
        )
        s.add(SenderPeriod(pattern=pattern, unit_id=current, until=change.since, created_at=now))
        new = f"{unit_id} (mail from {change.since.date().isoformat()} on)"
    else:
        s.execute(delete(SenderPeriod).where(SenderPeriod.pattern == pattern))
    s.add(
        AuditEntry(at=now, actor=actor, action="sender-map", target=pattern, old=current, new=new)
    )
    return change


def import_mappings(
    sessions: Sessions,
    rows: Sequence[tuple[str, str]],
    *,
    current_of: Callable[[str], str | None],
    actor: str,
    now: datetime,
) -> ImportResult:
    """Map every (pattern, unit) in one transaction: all rows are imported, or none."""
    added = moved = unchanged = 0
    with sessions() as s, s.begin():
        for pattern, unit_id in rows:
            current = current_of(pattern)
            change = _map_one(
                s, pattern, unit_id, current=current, since=None, actor=actor, now=now
            )
            if not change.changed:
                unchanged += 1
            elif change.old is None:
                added += 1
            else:
                moved += 1
    return ImportResult(added, moved, unchanged)


# --------------------------------------------------------------------------- overrides


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
        new = {k: int(counts[k]) for k in KINDS}
        row = s.scalar(select(Override).where(Override.message_pk == message_pk))
        if row is None:
            s.add(Override(message_pk=message_pk, reason=reason, actor=actor, at=now, **new))
        else:
            row.news, row.article, row.photo = new["news"], new["article"], new["photo"]
            row.reason, row.actor, row.at = reason, actor, now
        s.add(
            AuditEntry(
                at=now,
                actor=actor,
                action="reclassify",
                target=f"message #{message_pk}",
                old=_fmt_counts(old),
                new=_fmt_counts(new) + (f" — {reason}" if reason else ""),
            )
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
        new = _counts_now(s, message) if message is not None else dict.fromkeys(KINDS, 0)
        s.add(
            AuditEntry(
                at=now,
                actor=actor,
                action="reclassify-clear",
                target=f"message #{message_pk}",
                old=_fmt_counts(old),
                new=_fmt_counts(new) + " (as classified)",
            )
        )
        return True


def _fmt_counts(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{k} {counts.get(k, 0)}" for k in KINDS)


def _classified(message: Message) -> dict[str, int]:
    counts = dict.fromkeys(KINDS, 0)
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
    overridden_only: bool = False,
    limit: int = 500,
) -> list[SubmissionRow]:
    """Messages newest first, with what each counts now."""
    stmt = select(Message).order_by(Message.received_at.desc(), Message.id.desc()).limit(limit)
    if since is not None:
        stmt = stmt.where(Message.received_at >= since)
    if until is not None:
        stmt = stmt.where(Message.received_at < until)
    wanted = list(statuses)
    if wanted:
        stmt = stmt.where(Message.status.in_(wanted))
    if senders is not None:
        stmt = stmt.where(Message.sender.in_(list(senders)))
    if overridden_only:
        stmt = stmt.where(Message.id.in_(select(Override.message_pk)))
    with sessions() as s:
        messages = list(s.scalars(stmt))
        overrides = _overrides_of(s, [m.id for m in messages])
        return [_submission(m, overrides.get(m.id)) for m in messages]


def _overrides_of(s: Session, ids: Sequence[int]) -> dict[int, Override]:
    if not ids:
        return {}
    return {
        o.message_pk: o for o in s.scalars(select(Override).where(Override.message_pk.in_(ids)))
    }


def _submission(m: Message, override: Override | None) -> SubmissionRow:
    if override is not None:
        counts = {"news": override.news, "article": override.article, "photo": override.photo}
    else:
        counts = _classified(m)
    return SubmissionRow(
        m.id,
        m.sender,
        m.sender_name,
        m.subject,
        m.received_at,
        m.status,
        counts,
        override is not None,
    )


def get_submission(sessions: Sessions, message_pk: int) -> SubmissionDetail | None:
    with sessions() as s:
        m = s.get(Message, message_pk)
        if m is None:
            return None
        override = _overrides_of(s, [m.id]).get(m.id)
        try:
            trace = tuple((str(r), bool(f), str(n)) for r, f, n in json.loads(m.trace or "[]"))
        except (ValueError, TypeError):
            trace = ()
        items = tuple(ItemRow(i.kind, i.count, i.reason, i.part, i.duplicate_of) for i in m.items)
        return SubmissionDetail(
            row=_submission(m, override),
            message_id=m.message_id,
            recipients=m.recipients,
            reason=m.reason,
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


# --------------------------------------------------------------------------- audit


def audit_entries(
    sessions: Sessions, *, limit: int = 100, action: str | None = None, target: str | None = None
) -> list[AuditRow]:
    """The latest audit entries, newest first."""
    stmt = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if target:
        stmt = stmt.where(AuditEntry.target.contains(target))
    with sessions() as s:
        return [
            AuditRow(e.id, e.at, e.actor, e.action, e.target, e.old, e.new) for e in s.scalars(stmt)
        ]


def add_audit(
    sessions: Sessions,
    *,
    actor: str,
    action: str,
    target: str,
    old: str | None,
    new: str | None,
    now: datetime,
) -> None:
    with sessions() as s, s.begin():
        s.add(AuditEntry(at=now, actor=actor, action=action, target=target, old=old, new=new))
