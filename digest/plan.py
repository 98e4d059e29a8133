"""What the digest knows of a plan: its period, its groups and units, its rows of quotas.

Plain frozen values that the application builds from the validated config
(`tinbai/config.py`, "settings for digest"), so that the progress maths, the
digest's view and its spreadsheet can be used and tested without tinbai's config.
A quota of ``None`` means "no quota at this level", which is not a quota of zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from classify import message

# The one list of kinds, typed as the str keys of the mappings built here.
KINDS: tuple[str, ...] = message.KINDS


@dataclass(frozen=True)
class Quota:
    """A number per kind, or None where there is none."""

    news: int | None = None
    article: int | None = None
    photo: int | None = None

    def get(self, kind: str) -> int | None:
        value: int | None = getattr(self, kind)
        return value


@dataclass(frozen=True)
class Group:
    id: str
    name: str
    name_en: str | None = None


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    group: str  # the id of its group
    name_en: str | None = None


@dataclass(frozen=True)
class QuotaRow:
    """One row of the plan's table: a quota on a unit, or on a group with a per-member minimum."""

    quota: Quota
    unit: str | None = None
    group: str | None = None
    member_minimum: Quota | None = None  # each member of ``group`` at least this
    note: str | None = None  # the topics the plan asks of the row's owner

    @property
    def owner(self) -> str:
        """The id of the unit or group the row is on."""
        return self.unit or self.group or ""


@dataclass(frozen=True)
class Theme:
    """A theme the plan asks for; pieces carry its ``id`` as a tag (classify.themes)."""

    id: str
    name: str
    name_en: str | None = None


@dataclass(frozen=True)
class PlanDate:
    """A day of the plan's calendar; a piece mentions it when it carries one of ``tags``."""

    day: date
    name: str
    tags: frozenset[str]  # its theme's id and/or the tag of its own keywords
    name_en: str | None = None


@dataclass(frozen=True)
class Plan:
    id: str
    title: str
    start: date
    end: date
    timezone: str  # IANA name: the plan's days begin and end there
    groups: tuple[Group, ...]
    units: tuple[Unit, ...]
    quotas: tuple[QuotaRow, ...] = ()
    quota: Quota = Quota()  # plan-wide quota that no unit or group owns (e.g. photos)
    totals: Quota | None = None  # the totals the plan states, if it states them
    themes: tuple[Theme, ...] = ()
    calendar: tuple[PlanDate, ...] = ()

    def notes(self) -> dict[str, str]:
        """The plan's notes (topics asked for), per unit or group id."""
        return {row.owner: row.note for row in self.quotas if row.note}


def summed_quota(plan: Plan) -> dict[str, int]:
    """The plan's quota per kind as the sum of its rows and its plan-wide quota."""
    sums = {k: plan.quota.get(k) or 0 for k in KINDS}
    for row in plan.quotas:
        for kind in KINDS:
            sums[kind] += row.quota.get(kind) or 0
    return sums
