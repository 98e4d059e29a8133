"""Sender mappings over time: the one way to map or unmap a sender, with its audit entry.

A mapping moves a sender's whole history with it, unless ``since`` keeps the
mail received before that moment with the unit it counted for then (a
`SenderPeriod`). Unmapping drops those periods too: an unmapped sender's mail
counts for no one. Every change writes its audit entry in the same transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from store.audit import log_change
from store.db import Sessions
from store.models import Sender, SenderPeriod
from store.senders import normalize_pattern


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

    def patterns_of(self, unit_id: str) -> frozenset[str]:
        """The patterns whose earlier mail a `--from` move kept with ``unit_id``."""
        return frozenset(
            p for p, spans in self.by_pattern.items() if any(u == unit_id for _, u in spans)
        )


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
    ``current``. Raises ValueError for a pattern that is neither an address nor a domain.
    """
    pattern = normalize_pattern(pattern)
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
    log_change(s, at=now, actor=actor, action="sender-map", target=pattern, old=current, new=new)
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
        for raw, unit_id in rows:
            pattern = normalize_pattern(raw)
            change = _map_one(
                s, pattern, unit_id, current=current_of(pattern), since=None, actor=actor, now=now
            )
            if not change.changed:
                unchanged += 1
            elif change.old is None:
                added += 1
            else:
                moved += 1
    return ImportResult(added, moved, unchanged)


def unmap_sender(sessions: Sessions, pattern: str, *, actor: str, now: datetime) -> str | None:
    """Unmap a sender; the unit it was mapped to, or None if the database did not map it.

    The periods a `--from` move kept go with it: none of its mail counts until it
    is mapped again (a seed in the config, if any, applies again).
    """
    pattern = normalize_pattern(pattern)
    with sessions() as s, s.begin():
        row = s.scalar(select(Sender).where(Sender.pattern == pattern))
        if row is None:
            return None
        s.delete(row)
        s.execute(delete(SenderPeriod).where(SenderPeriod.pattern == pattern))
        log_change(
            s,
            at=now,
            actor=actor,
            action="sender-unmap",
            target=pattern,
            old=row.unit_id,
            new=None,
        )
        return row.unit_id
