"""The charts' weeks and late mail, as pure functions: no database, no clock."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.late import Arrival, DigestWeek, late_arrivals
from digest.progress import compute_progress
from digest.weeks import scopes, series, weekly_points
from tinbai.config import digest_plan, load_config

SEED = Path(__file__).resolve().parents[2] / "config.toml"
SEED_CONFIG = load_config(SEED)
SEED_PLAN = digest_plan(SEED_CONFIG.model, SEED_CONFIG.plan("2020-q2", on=date(2020, 5, 15)))
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
Q2 = (date(2020, 4, 1), date(2020, 6, 30))


def c(news=0, article=0, photo=0):
    return {"news": news, "article": article, "photo": photo}


def test_weeks_are_iso_weeks_clipped_to_the_plan_and_as_of():
    points = weekly_points(*Q2, date(2020, 5, 15), {}, c(58, 17, 60))
    # The quarter starts on a Wednesday: its first week is 1–5/4; the last stops at as_of.
    assert (points[0].start, points[0].end, points[0].number) == (
        date(2020, 4, 1),
        date(2020, 4, 5),
        14,
    )
    assert (points[-1].start, points[-1].end, points[-1].number) == (
        date(2020, 5, 11),
        date(2020, 5, 15),
        20,
    )
    assert len(points) == 7


def test_counts_add_up_week_by_week_and_pace_runs_straight_to_the_quota():
    daily = {
        date(2020, 4, 2): c(news=2, photo=3),
        date(2020, 4, 6): c(news=1),  # a Monday: week 15
        date(2020, 4, 12): c(article=1),  # a Sunday: still week 15
    }
    points = weekly_points(
        *Q2, date(2020, 6, 30), daily, {"news": 58, "article": 17, "photo": None}
    )
    assert [dict(p.added) for p in points[:3]] == [c(2, 0, 3), c(1, 1, 0), c()]
    assert [dict(p.counts) for p in points[:3]] == [c(2, 0, 3), c(3, 1, 3), c(3, 1, 3)]
    # 5 of 91 days by 5/4: 58 × 5/91 = 3.19 → 3; the photo has no quota, so no pace.
    assert dict(points[0].pace) == {"news": 3, "article": 1, "photo": None}
    assert dict(points[-1].pace) == {"news": 58, "article": 17, "photo": None}
    assert len(points) == 14  # weeks 14 to 27


def test_no_week_before_the_plan_starts():
    assert weekly_points(*Q2, date(2020, 3, 20), {}, c(1, 1, 1)) == ()


def test_a_scope_sums_its_members_and_runs_to_its_own_target():
    as_of = date(2020, 5, 17)
    progress = compute_progress(
        SEED_PLAN,
        {"tuan-giao": c(news=2), "muong-lay": c(news=1, photo=4)},
        as_of,
        daily={
            "tuan-giao": {date(2020, 4, 8): c(news=2)},
            "muong-lay": {date(2020, 5, 12): c(news=1, photo=4)},
            "no-such-unit": {date(2020, 5, 12): c(news=9)},  # not in the plan: not counted
        },
    )
    assert "plan" in scopes(progress)
    assert "group:district" in scopes(progress)
    assert "unit:tuan-giao" in scopes(progress)
    plan = series(progress, progress.daily, "plan")
    assert dict(plan.weeks[-1].counts) == dict(progress.totals) == c(3, 0, 4)
    district = series(progress, progress.daily, "group:district")
    assert district.target["news"] == 20
    assert dict(district.weeks[-1].counts) == c(3, 0, 4)
    unit = series(progress, progress.daily, "unit:tuan-giao")
    assert unit.target["news"] == 2  # the group's per-member minimum
    assert [p.counts["news"] for p in unit.weeks] == [0, 2, 2, 2, 2, 2, 2]
    with pytest.raises(KeyError):
        series(progress, progress.daily, "unit:nowhere")


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(st.integers(0, 90), st.tuples(*(st.integers(0, 5),) * 3), max_size=30),
    st.integers(0, 100),
)
def test_the_last_week_holds_every_count_up_to_as_of(days, offset):
    as_of = Q2[0] + timedelta(days=offset)
    daily = {Q2[0] + timedelta(days=d): c(*n) for d, n in days.items()}
    points = weekly_points(*Q2, as_of, daily, c(58, 17, 60))
    want = {k: sum(v[k] for d, v in daily.items() if d <= min(as_of, Q2[1])) for k in c()}
    assert dict(points[-1].counts) == want
    for before, after in itertools.pairwise(points):
        assert all(before.counts[k] <= after.counts[k] for k in want)
        assert all((before.pace[k] or 0) <= (after.pace[k] or 0) for k in want)


def at(day: int, hour: int, month: int = 5) -> datetime:
    return datetime(2020, month, day, hour, 0, tzinfo=HANOI)


WEEK_20 = DigestWeek(date(2020, 5, 11), date(2020, 5, 17), at(18, 7))


def arrival(n: int, dated: datetime | None, received: datetime) -> Arrival:
    return Arrival(n, "a@example.org", f"#{n}", "tuan-giao", "counted", dated, received, c(1))


@pytest.mark.parametrize(
    ("dated", "received", "late"),
    [
        pytest.param(at(17, 22), at(18, 9), True, id="sunday-mail-after-mondays-digest"),
        pytest.param(at(17, 22), at(18, 6), False, id="sunday-mail-before-the-digest"),
        pytest.param(at(18, 8), at(18, 9), False, id="dated-in-the-new-week"),
        pytest.param(at(12, 8), at(20, 9), True, id="a-week-in-the-outbox"),
        pytest.param(at(3, 8), at(20, 9), False, id="its-week-had-no-digest"),
        pytest.param(None, at(20, 9), False, id="no-date-header"),
        # 23:30 in UTC on the 17th is already Monday the 18th in Hanoi.
        pytest.param(
            datetime(2020, 5, 17, 17, 30, tzinfo=ZoneInfo("UTC")), at(18, 9), False, id="hanoi-day"
        ),
    ],
)
def test_late_means_dated_in_a_digests_week_and_received_after_it_went_out(dated, received, late):
    found = late_arrivals([arrival(1, dated, received)], [WEEK_20], HANOI)
    assert [m.id for m in found] == ([1] if late else [])
    if late:
        assert (found[0].week_start, found[0].week_end) == (WEEK_20.start, WEEK_20.end)
        assert found[0].digest_sent_at == WEEK_20.sent_at


def test_the_chart_is_a_png_of_the_series_and_differs_when_the_counts_do():
    from digest.chart import render_chart  # noqa: PLC0415 — matplotlib is imported on first use
    from digest.i18n import labels  # noqa: PLC0415

    as_of = date(2020, 5, 17)
    daily = {"tuan-giao": {date(2020, 4, 8): c(news=2)}}
    progress = compute_progress(SEED_PLAN, {"tuan-giao": c(news=2)}, as_of, daily=daily)
    png = render_chart(series(progress, progress.daily, "plan"), labels("vi"))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (704, 704)  # 6.4 in at 110 dpi, the digest shows it 640 px wide
    other = compute_progress(
        SEED_PLAN, {"tuan-giao": c(news=3)}, as_of, daily={"tuan-giao": {date(2020, 4, 8): c(3)}}
    )
    assert render_chart(series(other, other.daily, "plan"), labels("vi")) != png
