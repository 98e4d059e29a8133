"""Coverage of the plan's themes and calendar: how many counted pieces touch each.

Pure: the application hands in the counted pieces of the plan's window with the
tags each message carries (`classify.themes`), already credited to units, and
gets back one line per theme and per date that is near.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType
from typing import Literal

from digest.plan import KINDS, PlanDate, Theme

CALENDAR_AHEAD_DAYS = 14  # the digest lists the dates of the next two weeks
CALENDAR_BEHIND_DAYS = 7  # ... and those of the week it reports on


@dataclass(frozen=True)
class Tagged:
    """What one message counts for one kind, with its unit and the tags it carries."""

    message: int
    unit: str
    kind: str
    count: int
    tags: frozenset[str]


@dataclass(frozen=True)
class Coverage:
    counts: Mapping[str, int]  # counted pieces per kind
    messages: int  # messages that brought them
    units: tuple[str, ...]  # unit ids that sent them, in the order first seen

    @property
    def pieces(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class ThemeCoverage:
    id: str
    name: str
    coverage: Coverage
    name_en: str | None = None


When = Literal["upcoming", "passed"]


@dataclass(frozen=True)
class DateCoverage:
    day: date
    name: str
    when: When
    days: int  # days until it (upcoming) or since it (passed; 0 is today)
    coverage: Coverage
    name_en: str | None = None


def coverage(tagged: Iterable[Tagged], tags: frozenset[str]) -> Coverage:
    """The pieces of messages that carry any of ``tags`` (a message counted once)."""
    counts = dict.fromkeys(KINDS, 0)
    messages: set[int] = set()
    units: dict[str, None] = {}
    for row in tagged:
        if row.tags & tags and row.count > 0:
            counts[row.kind] = counts.get(row.kind, 0) + row.count
            messages.add(row.message)
            units[row.unit] = None
    return Coverage(MappingProxyType(counts), len(messages), tuple(units))


def theme_coverage(themes: Sequence[Theme], tagged: Sequence[Tagged]) -> tuple[ThemeCoverage, ...]:
    """One line per theme of the plan, in the plan's order, those with nothing included."""
    return tuple(
        ThemeCoverage(t.id, t.name, coverage(tagged, frozenset({t.id})), t.name_en) for t in themes
    )


def calendar_coverage(
    dates: Sequence[PlanDate], tagged: Sequence[Tagged], as_of: date
) -> tuple[DateCoverage, ...]:
    """The dates of the week ending ``as_of`` and of the two weeks after it, by day."""
    passed_from = as_of - timedelta(days=CALENDAR_BEHIND_DAYS - 1)
    until = as_of + timedelta(days=CALENDAR_AHEAD_DAYS)
    near: list[DateCoverage] = []
    for entry in sorted(dates, key=lambda d: d.day):
        if not passed_from <= entry.day <= until:
            continue
        when: When = "passed" if entry.day <= as_of else "upcoming"
        near.append(
            DateCoverage(
                day=entry.day,
                name=entry.name,
                when=when,
                days=abs((entry.day - as_of).days),
                coverage=coverage(tagged, entry.tags),
                name_en=entry.name_en,
            )
        )
    return tuple(near)


def coverage_json(c: Coverage) -> dict[str, object]:
    return {
        "pieces": c.pieces,
        "counts": dict(c.counts),
        "messages": c.messages,
        "units": list(c.units),
    }
