"""The digest's view model: every figure the editor reads, formatted in Python.

Templates only place these strings; they compute nothing. Each figure carries
a stable ``key`` (e.g. ``unit.tuan-giao.news``) that names the value of the
`tinbai report --format json` document it shows, so a test can check every
number of the digest against the report.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from classify.labels import code_of
from classify.message import KINDS
from digest.i18n import counted, format_date, format_range, labels, quantity
from digest.progress import GroupProgress, PlanProgress, Standing, UnitProgress, percent_text
from digest.themes import DateCoverage
from digest.weeks import PLAN_SCOPE, series
from texts import review_reason


@dataclass(frozen=True)
class Bar:
    """A progress bar as two table cells: ``fill`` and ``rest`` are CSS widths."""

    fill: str
    rest: str

    @property
    def has_fill(self) -> bool:
        return self.fill != "0%"

    @property
    def has_rest(self) -> bool:
        return self.rest != "0%"


@dataclass(frozen=True)
class Figure:
    key: str
    text: str
    tone: str = (
        "plain"  # a status (done, on-pace, behind, nothing-yet), "muted", "plain" or "inherit"
    )
    bar: Bar | None = None


@dataclass(frozen=True)
class TotalCard:
    label: str
    figure: Figure
    percent: Figure | None
    due: Figure | None
    week: Figure


@dataclass(frozen=True)
class UnitRow:
    id: str
    name: str
    status: str
    tone: str
    figures: tuple[Figure, ...]


@dataclass(frozen=True)
class GroupBlock:
    id: str
    number: Figure
    name: str
    status: str
    tone: str
    figures: tuple[Figure, ...]
    minimums: tuple[Figure, ...]
    units: tuple[UnitRow, ...]


@dataclass(frozen=True)
class Lagging:
    name: str
    status: str
    details: tuple[Figure, ...]


@dataclass(frozen=True)
class Stranger:
    address: str
    name: str
    messages: Figure


@dataclass(frozen=True)
class ReviewLine:
    number: Figure
    received: Figure
    sender: str
    subject: str
    reason: str


@dataclass(frozen=True)
class WeekRow:
    name: str
    figures: tuple[Figure, ...]


@dataclass(frozen=True)
class ThemeLine:
    id: str
    name: str
    pieces: Figure  # "chưa có" when nothing touches it yet
    breakdown: Figure | None  # "3 tin, 1 bài, 5 ảnh"; None when nothing yet


@dataclass(frozen=True)
class DateLine:
    day: Figure
    name: str
    when: Figure  # "còn 3 ngày", "hôm nay", "2 ngày trước"
    coverage: Figure  # "đã có 2 tin, 1 ảnh từ 2 đơn vị"


@dataclass(frozen=True)
class ChartWeek:
    """One row of the chart's numbers: the week, then per kind the count so far and the pace."""

    week: Figure
    cells: tuple[Figure, ...]


@dataclass(frozen=True)
class LateLine:
    number: Figure
    sender: str
    subject: str
    when: Figure  # "đề ngày 17/5/2020, nhận 18/5/2020"
    counts: Figure


@dataclass(frozen=True)
class DigestView:
    language: str
    t: Mapping[str, str]
    subject: str
    summary: Figure  # the preheader mail clients show beside the subject
    plan_title: str
    title: Figure
    as_of: Figure
    days_left: Figure
    elapsed: Figure
    kinds: tuple[str, ...]  # column headings
    totals: tuple[TotalCard, ...]
    behind: tuple[Lagging, ...]
    nothing_yet: tuple[str, ...]
    unmapped: tuple[Stranger, ...]
    review: tuple[ReviewLine, ...]
    week_range: Figure
    week_summary: Figure | None
    week_rows: tuple[WeekRow, ...]
    groups: tuple[GroupBlock, ...]
    attachment: str
    themes: tuple[ThemeLine, ...] = ()
    themes_missing: tuple[str, ...] = ()  # names of the themes nothing touches yet
    upcoming: tuple[DateLine, ...] = ()
    passed: tuple[DateLine, ...] = ()
    chart_cid: str = ""  # the Content-ID of the chart's PNG part; "" when there is none
    chart_weeks: tuple[ChartWeek, ...] = ()
    late: tuple[LateLine, ...] = ()


def _bar(percent: int | None) -> Bar | None:
    if percent is None:
        return None
    fill = min(max(percent, 0), 100)
    return Bar(fill=f"{fill}%", rest=f"{100 - fill}%")


def _ratio(count: int, target: int | None) -> str:
    if target is None:
        return str(count) if count else "–"
    return f"{count}/{target}"


def _figure(key: str, count: int, standing: Standing, kind: str, *, bar: bool) -> Figure:
    target = standing.target[kind]
    if target is None:
        tone = "plain" if count else "muted"
    elif count >= target:
        tone = "done"
    elif count < (standing.due[kind] or 0):
        tone = "behind" if count else "nothing-yet"
    else:
        tone = "on-pace"
    return Figure(key, _ratio(count, target), tone, _bar(standing.percent[kind]) if bar else None)


def _name(unit: UnitProgress | GroupProgress, language: str) -> str:
    return (unit.name_en or unit.name) if language == "en" else unit.name


def build_view(
    progress: PlanProgress, *, language: str, tz: tzinfo, attachment: str, chart_cid: str = ""
) -> DigestView:
    """Everything the templates show, for ``progress`` in ``language``."""
    t = labels(language)
    week = progress.week
    week_text = t["week_title"].format(
        week=week.number, range=format_range(week.start, week.end, language)
    )
    s = progress.standing
    members_of: dict[str, list[UnitProgress]] = defaultdict(list)
    for unit in progress.units:
        members_of[unit.group].append(unit)
    summary = " · ".join(
        f"{t[k]} {_ratio(progress.totals[k], progress.totals_quota[k])}" for k in KINDS
    )
    return DigestView(
        language=language,
        t=t,
        subject=t["subject"].format(
            week=week.number, range=format_range(week.start, week.end, language)
        ),
        summary=Figure("summary", summary),
        plan_title=progress.title,
        title=Figure("week", f"{t['heading']} – {week_text}", "inherit"),
        as_of=Figure(
            "as_of", t["as_of_line"].format(date=format_date(progress.as_of, language)), "inherit"
        ),
        days_left=Figure("period.days_left", _days_left(progress, t), "inherit"),
        elapsed=Figure(
            "period.elapsed",
            t["elapsed"].format(
                days=progress.elapsed.days,
                total=progress.elapsed.total,
                percent=progress.elapsed.percent,
            ),
            "inherit",
        ),
        kinds=tuple(t[k] for k in KINDS),
        totals=tuple(
            TotalCard(
                label=t[k],
                figure=_figure(f"total.{k}", progress.totals[k], s, k, bar=True),
                percent=None
                if (shown := percent_text(progress.totals[k], s.target[k])) is None
                else Figure(f"total.{k}.percent", shown),
                due=None
                if s.due[k] is None
                else Figure(f"total.{k}.due", t["due"].format(due=s.due[k])),
                week=Figure(
                    f"total.{k}.week",
                    t["week_added"].format(n=s.week[k]),
                    "plain" if s.week[k] else "muted",
                ),
            )
            for k in KINDS
        ),
        behind=_behind(progress, t, language),
        nothing_yet=tuple(
            _name(u, language) for u in progress.units if u.standing.status == "nothing-yet"
        ),
        unmapped=tuple(
            Stranger(
                u.address,
                u.name,
                Figure(f"unmapped.{u.address}", counted(u.messages, "unmapped_line", language)),
            )
            for u in progress.unmapped
        ),
        review=tuple(
            ReviewLine(
                number=Figure(f"review.{r.id}", f"#{r.id}"),
                received=Figure(
                    f"review.{r.id}.received",
                    format_date(r.received_at.astimezone(tz).date(), language),
                ),
                sender=r.sender,
                subject=r.subject or t["no_subject"],
                reason=review_reason(code_of(r.status, r.reason), r.reason, language),
            )
            for r in progress.needs_review
        ),
        week_range=Figure("week.range", format_range(week.start, week.end, language)),
        week_summary=_week_summary(progress, language),
        week_rows=tuple(
            WeekRow(
                _name(u, language),
                tuple(
                    Figure(
                        f"week.unit.{u.id}.{k}",
                        str(u.standing.week[k]) if u.standing.week[k] else "–",
                    )
                    for k in KINDS
                ),
            )
            for u in progress.units
            if any(u.standing.week.values())
        ),
        groups=tuple(
            _group_block(i, g, members_of.get(g.id, []), language, t)
            for i, g in enumerate(progress.groups, start=1)
        ),
        attachment=attachment,
        **themes_and_calendar(progress, language),
        chart_cid=chart_cid,
        chart_weeks=chart_weeks(progress, language),
        late=_late(progress, tz, language),
    )


def chart_weeks(
    progress: PlanProgress, language: str, scope: str = PLAN_SCOPE
) -> tuple[ChartWeek, ...]:
    """The chart's numbers, week by week, as the digest and the dashboard show them."""
    t = labels(language)
    rows = []
    points = series(progress, progress.daily, scope).weeks
    for i, p in enumerate(points):
        cells = tuple(
            Figure(
                f"weeks.{i}.{k}",
                t["chart_cell"].format(count=p.counts[k], pace=p.pace[k])
                if p.pace[k] is not None
                else str(p.counts[k]),
            )
            for k in KINDS
        )
        label = t["chart_week_label"].format(
            week=p.number, range=format_range(p.start, p.end, language)
        )
        rows.append(ChartWeek(Figure(f"weeks.{i}", label), cells))
    return tuple(rows)


def _late(progress: PlanProgress, tz: tzinfo, language: str) -> tuple[LateLine, ...]:
    t = labels(language)
    lines = []
    for m in progress.late:
        counts = ", ".join(quantity(m.counts[k], k, language) for k in KINDS if m.counts.get(k))
        lines.append(
            LateLine(
                number=Figure(f"late.{m.id}", f"#{m.id}"),
                sender=m.sender,
                subject=m.subject or t["no_subject"],
                when=Figure(
                    f"late.{m.id}.when",
                    t["late_line"].format(
                        dated=format_date(m.dated.astimezone(tz).date(), language),
                        received=format_date(m.received_at.astimezone(tz).date(), language),
                    ),
                ),
                counts=Figure(f"late.{m.id}.counts", counts or t["late_nothing"]),
            )
        )
    return tuple(lines)


def themes_and_calendar(progress: PlanProgress, language: str) -> dict[str, Any]:
    """The view's theme lines and the dates near ``as_of`` (`digest.themes`)."""
    t = labels(language)
    themes = tuple(
        ThemeLine(
            id=c.id,
            name=(c.name_en or c.name) if language == "en" else c.name,
            breakdown=Figure(
                f"theme.{c.id}.counts",
                ", ".join(
                    quantity(c.coverage.counts[k], k, language)
                    for k in KINDS
                    if c.coverage.counts[k]
                ),
            )
            if c.coverage.pieces
            else None,
            pieces=Figure(
                f"theme.{c.id}.pieces",
                str(c.coverage.pieces) if c.coverage.pieces else t["theme_nothing"],
                "plain" if c.coverage.pieces else "nothing-yet",
            ),
        )
        for c in progress.themes
    )
    lines = [(d.when, _date_line(i, d, t, language)) for i, d in enumerate(progress.calendar)]
    return {
        "themes": themes,
        "themes_missing": tuple(line.name for line in themes if line.pieces.tone == "nothing-yet"),
        "upcoming": tuple(line for when, line in lines if when == "upcoming"),
        "passed": tuple(line for when, line in lines if when == "passed"),
    }


def _date_line(i: int, d: DateCoverage, t: Mapping[str, str], language: str) -> DateLine:
    if d.when == "upcoming":
        when = counted(d.days, "calendar_in_days", language)
    else:
        when = counted(d.days, "calendar_days_ago", language) if d.days else t["calendar_today"]
    c = d.coverage
    if c.pieces:
        items = ", ".join(quantity(c.counts[k], k, language) for k in KINDS if c.counts[k])
        pattern = t["calendar_so_far" if d.when == "upcoming" else "calendar_came_in"]
        said, tone = pattern.format(items=items, units=len(c.units)), "plain"
    else:
        said, tone = t["calendar_none"], "nothing-yet"
    return DateLine(
        day=Figure(f"calendar.{i}.day", format_date(d.day, language)),
        name=(d.name_en or d.name) if language == "en" else d.name,
        when=Figure(f"calendar.{i}.when", when, "muted"),
        coverage=Figure(f"calendar.{i}.coverage", said, tone),
    )


def _behind(progress: PlanProgress, t: Mapping[str, str], language: str) -> tuple[Lagging, ...]:
    groups = [_lagging(g, "group", t, language) for g in progress.groups]
    units = [
        _lagging(u, "unit", t, language) for u in progress.units if u.standing.status == "behind"
    ]
    return tuple(lag for lag in (*groups, *units) if lag is not None)


def _days_left(progress: PlanProgress, t: Mapping[str, str]) -> str:
    if progress.as_of < progress.start:
        return t["plan_not_started"]
    if progress.elapsed.left <= 0:
        return t["plan_over"]
    return t["days_left"].format(left=progress.elapsed.left)


def _lagging(
    item: UnitProgress | GroupProgress, level: str, t: Mapping[str, str], language: str
) -> Lagging | None:
    """What ``item`` lags on; a group only on the quotas of its own (its units speak for theirs)."""
    s = item.standing
    own = item.quota if isinstance(item, GroupProgress) else s.target
    details = tuple(
        Figure(
            f"{level}.{item.id}.{k}.pace",
            t["pace_detail"].format(
                kind=t[k], count=item.counts[k], target=s.target[k], due=s.due[k]
            ),
            "behind",
        )
        for k in KINDS
        if own[k] is not None and item.counts[k] < (s.due[k] or 0)
    )
    return Lagging(_name(item, language), t[f"status.{s.status}"], details) if details else None


def _week_summary(progress: PlanProgress, language: str) -> Figure | None:
    week = progress.standing.week
    senders = sum(1 for u in progress.units if any(u.standing.week.values()))
    if not senders:
        return None
    t = labels(language)
    items = ", ".join(quantity(week[k], k, language) for k in KINDS if week[k])
    return Figure("week.summary", t["week_summary"].format(items=items, units=senders))


def _group_block(
    number: int,
    group: GroupProgress,
    members: Sequence[UnitProgress],
    language: str,
    t: Mapping[str, str],
) -> GroupBlock:
    minimums = tuple(
        Figure(
            f"group.{group.id}.minimum.{k}",
            t["members_meeting"].format(
                met=group.members_meeting_minimum[k], of=len(members), need=need, kind=t[k].lower()
            ),
            "done" if group.members_meeting_minimum[k] == len(members) else "behind",
        )
        for k in KINDS
        if (need := group.member_minimum[k]) is not None
    )
    if len(members) == 1 and all(q is None for q in group.quota.values()):
        unit = members[0]  # a lone unit stands for its group, as "Lãnh đạo" does in the plan
        row = _unit_row(unit, language, t)
        return GroupBlock(
            id=group.id,
            number=Figure(f"group.{group.id}.number", f"{number}."),
            name=row.name,
            status=row.status,
            tone=row.tone,
            figures=row.figures,
            minimums=minimums,
            units=(),
        )
    return GroupBlock(
        id=group.id,
        number=Figure(f"group.{group.id}.number", f"{number}."),
        name=_name(group, language),
        status=t[f"status.{group.standing.status}"],
        tone=group.standing.status,
        figures=tuple(
            _figure(f"group.{group.id}.{k}", group.counts[k], group.standing, k, bar=False)
            for k in KINDS
        ),
        minimums=minimums,
        units=tuple(_unit_row(u, language, t) for u in members),
    )


def _unit_row(unit: UnitProgress, language: str, t: Mapping[str, str]) -> UnitRow:
    return UnitRow(
        id=unit.id,
        name=_name(unit, language),
        status=t[f"status.{unit.standing.status}"],
        tone=unit.standing.status,
        figures=tuple(
            _figure(f"unit.{unit.id}.{k}", unit.counts[k], unit.standing, k, bar=True)
            for k in KINDS
        ),
    )
