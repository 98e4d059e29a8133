"""Quota maths: counts per unit → per group → plan, against quotas at each level.

Pure functions over plain values: no database, no clock. `None` in a quota
means "no quota at this level", which is not the same as a quota of zero.

Pace: a quota is meant to be met by the plan's last day, so by ``as_of`` the
plan asks for ``quota × elapsed share`` of it, rounded half up ("due"). A unit
is *done* when every target is met, *nothing yet* when it has sent nothing,
*behind* when a count is below what is due, else *on pace*. A unit's target is
its own quota, or else its group's per-member minimum; a group's is its own
quota, or else the sum of its members' quotas.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from functools import lru_cache
from types import MappingProxyType
from typing import Literal

from classify.message import Review
from digest.late import Late, late_json
from digest.plan import KINDS, Group, Plan, Unit, summed_quota
from digest.themes import (
    DateCoverage,
    Tagged,
    ThemeCoverage,
    calendar_coverage,
    coverage_json,
    theme_coverage,
)
from texts import DEFAULT_LANGUAGE, reason_text

Counts = Mapping[str, int]
Quota = Mapping[str, int | None]
Status = Literal["done", "on-pace", "behind", "nothing-yet", "no-quota"]
STATUSES: tuple[Status, ...] = (
    "nothing-yet",
    "behind",
    "on-pace",
    "done",
    "no-quota",
)  # worst first

_EMPTY: Mapping[str, int] = MappingProxyType(dict.fromkeys(KINDS, 0))


def _frozen(values: Mapping[str, int | None]) -> Mapping[str, int | None]:
    return MappingProxyType({k: values.get(k) for k in KINDS})


def _counts(values: Mapping[str, int] | None) -> Mapping[str, int]:
    values = values or {}
    return MappingProxyType({k: int(values.get(k, 0)) for k in KINDS})


def percent_done(count: int, quota: int | None) -> int | None:
    """Whole percent of a quota reached, rounded down: 99 % is shown until it is done.

    The one rounding of a share: the report, the web admin, the digest (HTML, text, xlsx)
    and the JSON all show this number (through `percent_text` where it is written out).
    """
    if quota is None:
        return None
    if quota == 0:
        return 100
    return (100 * count) // quota


def percent_text(count: int, quota: int | None) -> str | None:
    """How a share of a quota is written wherever a person reads it: "11%"; None without a quota."""
    done = percent_done(count, quota)
    return None if done is None else f"{done}%"


# --------------------------------------------------------------------------- time


@dataclass(frozen=True)
class Elapsed:
    """How much of the plan's period has passed by ``as_of`` (both ends included)."""

    days: int
    total: int

    @property
    def left(self) -> int:
        return self.total - self.days

    @property
    def share(self) -> Fraction:
        return Fraction(self.days, self.total)

    @property
    def percent(self) -> int:
        return percent_done(self.days, self.total) or 0


def elapsed(start: date, end: date, as_of: date) -> Elapsed:
    total = (end - start).days + 1
    return Elapsed(days=min(max((as_of - start).days + 1, 0), total), total=total)


@lru_cache(maxsize=4096)  # a federation's 2,500 units share a handful of targets
def due(target: int | None, share: Fraction) -> int | None:
    """What the pace asks for by now: ``target × share``, rounded half up."""
    if target is None:
        return None
    return math.floor(target * share + Fraction(1, 2))


@dataclass(frozen=True)
class Week:
    """The digest's week: the seven days that end on ``end``, numbered by ISO week."""

    start: date
    end: date

    @property
    def number(self) -> int:
        return self.end.isocalendar().week

    @property
    def year(self) -> int:
        return self.end.isocalendar().year


def week_ending(day: date) -> Week:
    return Week(start=day - timedelta(days=6), end=day)


def iso_week(year: int, week: int) -> Week:
    """ISO week ``week`` of ``year``, Monday to Sunday; ValueError if there is none."""
    return week_ending(date.fromisocalendar(year, week, 7))


# --------------------------------------------------------------------------- status


def status(counts: Counts, target: Quota, due_now: Quota) -> Status:
    """One word for where a unit or group stands (see the module docstring)."""
    kinds = [k for k in KINDS if target.get(k) is not None]
    if not kinds:
        return "no-quota"
    if all(counts[k] >= (target[k] or 0) for k in kinds):
        return "done"
    if not any(counts[k] for k in KINDS):
        return "nothing-yet"
    if any(counts[k] < (due_now.get(k) or 0) for k in kinds):
        return "behind"
    return "on-pace"


@dataclass(frozen=True)
class Standing:
    """Counts against a target at one level, with the pace and this week's arrivals."""

    target: Mapping[str, int | None]
    due: Mapping[str, int | None]
    percent: Mapping[str, int | None]
    status: Status
    week: Mapping[str, int]


def standing(
    counts: Counts, target: Quota, share: Fraction, week: Counts | None = None
) -> Standing:
    due_now = {k: due(target.get(k), share) for k in KINDS}
    return Standing(
        target=_frozen(target),
        due=_frozen(due_now),
        percent=_frozen({k: percent_done(counts[k], target.get(k)) for k in KINDS}),
        status=status(counts, target, due_now),
        week=_counts(week),
    )


_NO_STANDING = Standing(_frozen({}), _frozen({}), _frozen({}), "no-quota", _EMPTY)


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class UnitProgress:
    id: str
    name: str
    group: str
    counts: Mapping[str, int]
    quota: Mapping[str, int | None]
    minimum: Mapping[str, int | None]  # the group's per-member minimum that applies to this unit
    standing: Standing = _NO_STANDING
    name_en: str | None = None

    def meets_minimum(self, kind: str) -> bool | None:
        need = self.minimum.get(kind)
        return None if need is None else self.counts[kind] >= need


@dataclass(frozen=True)
class GroupProgress:
    id: str
    name: str
    counts: Mapping[str, int]
    quota: Mapping[str, int | None]
    member_minimum: Mapping[str, int | None]
    members: tuple[str, ...]
    members_meeting_minimum: Mapping[str, int | None]  # "8 of 10 districts have their 2 news"
    standing: Standing = _NO_STANDING
    name_en: str | None = None


@dataclass(frozen=True)
class Unmapped:
    address: str
    messages: int
    name: str = ""


@dataclass(frozen=True)
class PlanProgress:
    plan_id: str
    title: str
    start: date
    end: date
    as_of: date
    totals: Mapping[str, int]
    totals_quota: Mapping[str, int | None]
    groups: tuple[GroupProgress, ...]
    units: tuple[UnitProgress, ...]
    unmapped: tuple[Unmapped, ...] = field(default=())
    standing: Standing = _NO_STANDING
    elapsed: Elapsed = Elapsed(0, 1)
    week: Week = Week(date.min, date.min)
    needs_review: tuple[Review, ...] = field(default=())
    themes: tuple[ThemeCoverage, ...] = field(default=())  # every theme of the plan
    calendar: tuple[DateCoverage, ...] = field(default=())  # the dates near ``as_of``
    # What each unit had counted on each day of the plan up to ``as_of``: the charts' weeks.
    daily: Mapping[str, Mapping[date, Counts]] = field(default_factory=dict)
    late: tuple[Late, ...] = field(default=())  # mail that came after its week's digest


def compute_progress(
    plan: Plan,
    unit_counts: Mapping[str, Counts],
    as_of: date,
    unmapped: Sequence[Unmapped] = (),
    *,
    week_counts: Mapping[str, Counts] | None = None,
    needs_review: Sequence[Review] = (),
    tagged: Sequence[Tagged] = (),
    daily: Mapping[str, Mapping[date, Counts]] | None = None,
    late: Sequence[Late] = (),
) -> PlanProgress:
    """Progress of every unit and group of ``plan`` against its quotas.

    ``unit_counts`` holds counted items per unit id (``week_counts`` those of
    the seven days ending ``as_of``); ids the config does not know are ignored
    (the caller reports them), so totals are the sum of units.
    """
    week_counts = week_counts or {}
    period = elapsed(plan.start, plan.end, as_of)
    unit_quota: dict[str, dict[str, int | None]] = {u.id: dict.fromkeys(KINDS) for u in plan.units}
    group_quota: dict[str, dict[str, int | None]] = {
        g.id: dict.fromkeys(KINDS) for g in plan.groups
    }
    group_min: dict[str, dict[str, int | None]] = {g.id: dict.fromkeys(KINDS) for g in plan.groups}
    for row in plan.quotas:
        target = unit_quota[row.unit] if row.unit else group_quota[row.group or ""]
        for kind in KINDS:
            value = row.quota.get(kind)
            if value is not None:
                target[kind] = (target[kind] or 0) + value
        if row.group and row.member_minimum:
            for kind in KINDS:
                if row.member_minimum.get(kind) is not None:
                    group_min[row.group][kind] = row.member_minimum.get(kind)

    units = tuple(
        _unit(
            unit,
            counts=unit_counts.get(unit.id),
            quota=unit_quota[unit.id],
            minimum=group_min[unit.group],
            share=period.share,
            week=week_counts.get(unit.id),
        )
        for unit in plan.units
    )
    members_of: dict[str, list[UnitProgress]] = {g.id: [] for g in plan.groups}
    for u in units:
        members_of.setdefault(u.group, []).append(u)
    groups = tuple(
        _group(
            g,
            members_of[g.id],
            quota=group_quota[g.id],
            minimum=group_min[g.id],
            share=period.share,
        )
        for g in plan.groups
    )
    totals = {k: sum(u.counts[k] for u in units) for k in KINDS}
    week_totals = {k: sum(u.standing.week[k] for u in units) for k in KINDS}
    stated = plan.totals
    summed = summed_quota(plan)
    totals_quota: dict[str, int | None] = {}
    for kind in KINDS:
        value = stated.get(kind) if stated is not None else None
        totals_quota[kind] = value if value is not None else (summed[kind] or None)
    return PlanProgress(
        plan_id=plan.id,
        title=plan.title,
        start=plan.start,
        end=plan.end,
        as_of=as_of,
        totals=MappingProxyType(totals),
        totals_quota=_frozen(totals_quota),
        groups=groups,
        units=units,
        unmapped=tuple(sorted(unmapped, key=lambda u: (-u.messages, u.address))),
        standing=standing(totals, totals_quota, period.share, week_totals),
        elapsed=period,
        week=week_ending(as_of),
        needs_review=tuple(sorted(needs_review, key=lambda r: (r.received_at, r.id))),
        themes=theme_coverage(plan.themes, tagged),
        calendar=calendar_coverage(plan.calendar, tagged, as_of),
        daily=MappingProxyType({u: d for u, d in (daily or {}).items() if u in unit_quota}),
        late=tuple(sorted(late, key=lambda m: (m.received_at, m.id))),
    )


def _unit(
    unit: Unit,
    *,
    counts: Counts | None,
    quota: Mapping[str, int | None],
    minimum: Mapping[str, int | None],
    share: Fraction,
    week: Counts | None,
) -> UnitProgress:
    frozen_counts = _counts(counts)
    target = {k: quota[k] if quota[k] is not None else minimum[k] for k in KINDS}
    return UnitProgress(
        id=unit.id,
        name=unit.name,
        group=unit.group,
        counts=frozen_counts,
        quota=_frozen(quota),
        minimum=_frozen(minimum),
        standing=standing(frozen_counts, target, share, week),
        name_en=unit.name_en,
    )


def _group(
    group: Group,
    members: Sequence[UnitProgress],
    *,
    quota: Mapping[str, int | None],
    minimum: Mapping[str, int | None],
    share: Fraction,
) -> GroupProgress:
    meeting = {
        k: (None if minimum.get(k) is None else sum(1 for u in members if u.meets_minimum(k)))
        for k in KINDS
    }
    counts = {k: sum(u.counts[k] for u in members) for k in KINDS}
    target: dict[str, int | None] = {}
    for kind in KINDS:
        member_quotas = [q for u in members if (q := u.quota[kind]) is not None]
        target[kind] = (
            quota[kind]
            if quota[kind] is not None
            else (sum(member_quotas) if member_quotas else None)
        )
    week = {k: sum(u.standing.week[k] for u in members) for k in KINDS}
    return GroupProgress(
        id=group.id,
        name=group.name,
        counts=MappingProxyType(counts),
        quota=_frozen(quota),
        member_minimum=_frozen(minimum),
        members=tuple(u.id for u in members),
        members_meeting_minimum=_frozen(meeting),
        standing=standing(counts, target, share, week),
        name_en=group.name_en,
    )


# --------------------------------------------------------------------------- JSON


def _standing_json(s: Standing) -> dict[str, object]:
    return {
        "target": dict(s.target),
        "due": dict(s.due),
        "percent": dict(s.percent),
        "status": s.status,
        "week": dict(s.week),
    }


def as_json(progress: PlanProgress, language: str = DEFAULT_LANGUAGE) -> dict[str, object]:
    """The `tinbai report --format json` document (a contract: extend, never rename).

    A message to review carries its reason as words in `language` (``reason``) and as its
    stable code (``reason_code``), for a program that reads it.
    """
    from digest.weeks import PLAN_SCOPE, series, weeks_json  # noqa: PLC0415 — weeks builds on this module

    s = progress.standing
    return {
        "plan": {
            "id": progress.plan_id,
            "title": progress.title,
            "start": progress.start.isoformat(),
            "end": progress.end.isoformat(),
        },
        "as_of": progress.as_of.isoformat(),
        "period": {
            "days": progress.elapsed.days,
            "days_total": progress.elapsed.total,
            "days_left": progress.elapsed.left,
            "percent": progress.elapsed.percent,
        },
        "week": {
            "number": progress.week.number,
            "year": progress.week.year,
            "start": progress.week.start.isoformat(),
            "end": progress.week.end.isoformat(),
        },
        "totals": {
            k: {
                "count": progress.totals[k],
                "quota": progress.totals_quota[k],
                "due": s.due[k],
                "percent": s.percent[k],
                "week": s.week[k],
            }
            for k in KINDS
        },
        "status": s.status,
        "groups": [
            {
                "id": g.id,
                "name": g.name,
                "counts": dict(g.counts),
                "quota": dict(g.quota),
                "member_minimum": dict(g.member_minimum),
                "members": list(g.members),
                "members_meeting_minimum": dict(g.members_meeting_minimum),
                **_standing_json(g.standing),
            }
            for g in progress.groups
        ],
        "units": [
            {
                "id": u.id,
                "name": u.name,
                "group": u.group,
                "counts": dict(u.counts),
                "quota": dict(u.quota),
                **_standing_json(u.standing),
            }
            for u in progress.units
        ],
        "unmapped": [{"address": u.address, "messages": u.messages} for u in progress.unmapped],
        "needs_review": [
            {
                "id": r.id,
                "received_at": r.received_at.isoformat(),
                "sender": r.sender,
                "subject": r.subject,
                "status": r.status,
                "reason": reason_text(r.reason, language),
                "reason_code": r.reason.code,
            }
            for r in progress.needs_review
        ],
        "themes": [
            {"id": t.id, "name": t.name, **coverage_json(t.coverage)} for t in progress.themes
        ],
        "calendar": [
            {
                "date": d.day.isoformat(),
                "name": d.name,
                "when": d.when,
                "days": d.days,
                **coverage_json(d.coverage),
            }
            for d in progress.calendar
        ],
        "weeks": weeks_json(series(progress, progress.daily, PLAN_SCOPE).weeks),
        "late": late_json(progress.late),
    }
