"""Quota maths: counts per unit → per group → plan, against quotas at each level.

Pure functions over plain values: no database, no clock. `None` in a quota
means "no quota at this level", which is not the same as a quota of zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from tinbai.config import KINDS, ConfigModel, PlanConfig, summed_quota

Counts = Mapping[str, int]
Quota = Mapping[str, int | None]


def _frozen(values: Mapping[str, int | None]) -> Mapping[str, int | None]:
    return MappingProxyType({k: values.get(k) for k in KINDS})


def percent(count: int, quota: int | None) -> float | None:
    """Share of a quota reached, in percent, capped at nothing (over 100 is shown)."""
    if quota is None:
        return None
    if quota == 0:
        return 100.0
    return round(100.0 * count / quota, 1)


@dataclass(frozen=True)
class UnitProgress:
    id: str
    name: str
    group: str
    counts: Mapping[str, int]
    quota: Mapping[str, int | None]
    minimum: Mapping[str, int | None]  # the group's per-member minimum that applies to this unit

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


def compute_progress(
    config: ConfigModel,
    plan: PlanConfig,
    unit_counts: Mapping[str, Counts],
    as_of: date,
    unmapped: Sequence[Unmapped] = (),
) -> PlanProgress:
    """Progress of every unit and group of the config against ``plan``'s quotas.

    ``unit_counts`` holds counted items per unit id; ids the config does not
    know are ignored (the caller reports them), so totals are the sum of units.
    """
    unit_quota: dict[str, dict[str, int | None]] = {u: dict.fromkeys(KINDS) for u in config.units}
    group_quota: dict[str, dict[str, int | None]] = {g: dict.fromkeys(KINDS) for g in config.groups}
    group_min: dict[str, dict[str, int | None]] = {g: dict.fromkeys(KINDS) for g in config.groups}
    for row in plan.quotas:
        target = unit_quota[row.unit] if row.unit else group_quota[row.group or ""]
        for kind in KINDS:
            value = row.counts().get(kind)
            if value is not None:
                target[kind] = (target[kind] or 0) + value
        if row.group and row.member_minimum:
            for kind in KINDS:
                if row.member_minimum.get(kind) is not None:
                    group_min[row.group][kind] = row.member_minimum.get(kind)

    units = tuple(
        UnitProgress(
            id=unit_id,
            name=unit.name,
            group=unit.group,
            counts=MappingProxyType({k: int(unit_counts.get(unit_id, {}).get(k, 0)) for k in KINDS}),
            quota=_frozen(unit_quota[unit_id]),
            minimum=_frozen(group_min[unit.group]),
        )
        for unit_id, unit in config.units.items()
    )
    groups = tuple(_group(gid, g.name, units, group_quota[gid], group_min[gid]) for gid, g in config.groups.items())
    totals = {k: sum(u.counts[k] for u in units) for k in KINDS}
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
    )


def _group(
    group_id: str,
    name: str,
    units: Sequence[UnitProgress],
    quota: Mapping[str, int | None],
    minimum: Mapping[str, int | None],
) -> GroupProgress:
    members = [u for u in units if u.group == group_id]
    meeting = {
        k: (None if minimum.get(k) is None else sum(1 for u in members if u.meets_minimum(k))) for k in KINDS
    }
    return GroupProgress(
        id=group_id,
        name=name,
        counts=MappingProxyType({k: sum(u.counts[k] for u in members) for k in KINDS}),
        quota=_frozen(quota),
        member_minimum=_frozen(minimum),
        members=tuple(u.id for u in members),
        members_meeting_minimum=_frozen(meeting),
    )


def as_json(progress: PlanProgress) -> dict[str, object]:
    """The `tinbai report --format json` document (a contract: extend, never rename)."""
    return {
        "plan": {
            "id": progress.plan_id,
            "title": progress.title,
            "start": progress.start.isoformat(),
            "end": progress.end.isoformat(),
        },
        "as_of": progress.as_of.isoformat(),
        "totals": {k: {"count": progress.totals[k], "quota": progress.totals_quota[k]} for k in KINDS},
        "groups": [
            {
                "id": g.id,
                "name": g.name,
                "counts": dict(g.counts),
                "quota": dict(g.quota),
                "member_minimum": dict(g.member_minimum),
                "members": list(g.members),
                "members_meeting_minimum": dict(g.members_meeting_minimum),
            }
            for g in progress.groups
        ],
        "units": [
            {"id": u.id, "name": u.name, "group": u.group, "counts": dict(u.counts), "quota": dict(u.quota)}
            for u in progress.units
        ],
        "unmapped": [{"address": u.address, "messages": u.messages} for u in progress.unmapped],
    }
