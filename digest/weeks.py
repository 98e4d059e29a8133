"""Week by week: the cumulative count of each kind against the straight pace line to the quota.

Pure values for the progress charts (`digest.chart` draws them) and the report's ``weeks``.
A week is an ISO week (Monday to Sunday) clipped to the plan's period and to ``as_of``; its
``counts`` are everything counted from the plan's first day to its last day, its ``pace``
what the quota asks for by then (`digest.progress.due`: quota × elapsed share, rounded half
up), so the last week's counts are the plan's counts as of ``as_of``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType

from classify.message import KINDS
from digest.progress import PlanProgress, due, elapsed

# What was counted by each day (plan's timezone). Only sums over whole `week_spans` are read,
# so the report keys each week's counts by the week's last day instead of by every day.
DailyCounts = Mapping[date, Mapping[str, int]]
PLAN_SCOPE = "plan"


@dataclass(frozen=True)
class WeekPoint:
    number: int  # ISO week number
    year: int
    start: date  # clipped to the plan's first day
    end: date  # clipped to the plan's last day and to as_of
    added: Mapping[str, int]  # counted during this week
    counts: Mapping[str, int]  # counted from the plan's start to ``end``
    pace: Mapping[str, int | None]  # what the quota asks for by ``end``; None without a quota


@dataclass(frozen=True)
class WeekSeries:
    scope: str  # "plan", "group:ID" or "unit:ID"
    name: str
    name_en: str | None
    start: date  # the plan's period
    end: date
    as_of: date
    target: Mapping[str, int | None]  # the quota the pace line runs to
    weeks: tuple[WeekPoint, ...]


def weekly_points(
    start: date, end: date, as_of: date, daily: DailyCounts, target: Mapping[str, int | None]
) -> tuple[WeekPoint, ...]:
    """The weeks of [start, end] up to ``as_of``, each with its cumulative counts and pace."""
    points: list[WeekPoint] = []
    total: dict[str, int] = dict.fromkeys(KINDS, 0)
    for day, week_end in week_spans(start, min(end, as_of)):
        added: dict[str, int] = dict.fromkeys(KINDS, 0)
        d = day
        while d <= week_end:
            for kind, n in daily.get(d, {}).items():
                if kind in added:
                    added[kind] += n
            d += timedelta(days=1)
        for kind in KINDS:
            total[kind] += added[kind]
        share = elapsed(start, end, week_end).share
        iso = week_end.isocalendar()
        points.append(
            WeekPoint(
                number=iso.week,
                year=iso.year,
                start=day,
                end=week_end,
                added=MappingProxyType(added),
                counts=MappingProxyType(dict(total)),
                pace=MappingProxyType({k: due(target.get(k), share) for k in KINDS}),
            )
        )
    return tuple(points)


def week_spans(start: date, last: date) -> Iterator[tuple[date, date]]:
    """(first, last) day of each ISO week of [start, last], the first and the last clipped."""
    day = start
    while day <= last:
        week_end = min(day + timedelta(days=6 - day.weekday()), last)
        yield day, week_end
        day = week_end + timedelta(days=1)


def scopes(progress: PlanProgress) -> tuple[str, ...]:
    """Every scope a chart can show: the plan, each group, each unit."""
    return (
        PLAN_SCOPE,
        *(f"group:{g.id}" for g in progress.groups),
        *(f"unit:{u.id}" for u in progress.units),
    )


def series(progress: PlanProgress, daily: Mapping[str, DailyCounts], scope: str) -> WeekSeries:
    """The weeks of ``scope`` (see `scopes`), from each unit's daily counts; KeyError if unknown.

    The pace runs to the scope's target, as the progress table has it: the plan's totals,
    a group's own quota (else its members'), a unit's own quota (else its group's minimum).
    """
    level, _, ident = scope.partition(":")
    if scope == PLAN_SCOPE:
        members = [u.id for u in progress.units]
        name, name_en, target = progress.title, None, progress.totals_quota
    elif level == "group" and (g := next((g for g in progress.groups if g.id == ident), None)):
        members, name, name_en, target = list(g.members), g.name, g.name_en, g.standing.target
    elif level == "unit" and (u := next((u for u in progress.units if u.id == ident), None)):
        members, name, name_en, target = [u.id], u.name, u.name_en, u.standing.target
    else:
        raise KeyError(scope)
    summed: dict[date, dict[str, int]] = {}
    for unit in members:
        for day, counts in daily.get(unit, {}).items():
            into = summed.setdefault(day, dict.fromkeys(KINDS, 0))
            for kind in KINDS:
                into[kind] += int(counts.get(kind, 0))
    return WeekSeries(
        scope=scope,
        name=name,
        name_en=name_en,
        start=progress.start,
        end=progress.end,
        as_of=progress.as_of,
        target=MappingProxyType({k: target.get(k) for k in KINDS}),
        weeks=weekly_points(progress.start, progress.end, progress.as_of, summed, target),
    )


def weeks_json(points: tuple[WeekPoint, ...]) -> list[dict[str, object]]:
    """The report's ``weeks``: one entry per week, oldest first."""
    return [
        {
            "number": p.number,
            "year": p.year,
            "start": p.start.isoformat(),
            "end": p.end.isoformat(),
            "added": dict(p.added),
            "counts": dict(p.counts),
            "pace": dict(p.pace),
        }
        for p in points
    ]
