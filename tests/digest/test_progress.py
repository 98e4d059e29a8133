"""The quota maths and the formatting, as pure functions: no database, no clock."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classify.message import KINDS
from digest.i18n import counted, format_range, labels, quantity
from digest.progress import (
    compute_progress,
    due,
    elapsed,
    iso_week,
    percent_done,
    status,
    week_ending,
)
from tinbai.config import digest_plan, load_config

SEED = Path(__file__).resolve().parents[2] / "config.toml"
SEED_CONFIG = load_config(SEED)
SEED_PLAN = digest_plan(SEED_CONFIG.model, SEED_CONFIG.plan("2020-q2", on=date(2020, 5, 15)))


def counts(news=0, article=0, photo=0):
    return {"news": news, "article": article, "photo": photo}


def quota(news=None, article=None, photo=None):
    return {"news": news, "article": article, "photo": photo}


@pytest.mark.parametrize(
    ("as_of", "days", "left", "pct"),
    [
        pytest.param(date(2020, 3, 31), 0, 91, 0, id="before-the-plan"),
        pytest.param(date(2020, 4, 1), 1, 90, 1, id="first-day"),
        pytest.param(date(2020, 5, 15), 45, 46, 49, id="mid-may"),
        pytest.param(date(2020, 6, 30), 91, 0, 100, id="last-day"),
        pytest.param(date(2020, 8, 1), 91, 0, 100, id="after-the-plan"),
    ],
)
def test_elapsed_counts_both_ends_of_the_quarter(as_of, days, left, pct):
    period = elapsed(date(2020, 4, 1), date(2020, 6, 30), as_of)
    assert (period.days, period.total, period.left, period.percent) == (days, 91, left, pct)


@pytest.mark.parametrize(
    ("target", "share", "expected"),
    [
        pytest.param(58, Fraction(45, 91), 29, id="58-news-mid-may"),
        pytest.param(2, Fraction(45, 91), 1, id="2-news-just-under-half-rounds-up"),
        pytest.param(1, Fraction(45, 91), 0, id="1-article-not-due-before-half"),
        pytest.param(1, Fraction(1, 2), 1, id="half-rounds-up"),
        pytest.param(10, Fraction(0), 0, id="nothing-due-before-start"),
        pytest.param(10, Fraction(1), 10, id="all-due-at-the-end"),
        pytest.param(None, Fraction(1, 2), None, id="no-quota-no-pace"),
    ],
)
def test_due_is_the_quota_times_the_elapsed_share_rounded_half_up(target, share, expected):
    assert due(target, share) == expected


@pytest.mark.parametrize(
    ("got", "target", "due_now", "expected"),
    [
        pytest.param(counts(3, 1), quota(3, 1), quota(2, 0), "done", id="done"),
        pytest.param(counts(4, 0), quota(3, 1), quota(2, 0), "on-pace", id="article-not-due-yet"),
        pytest.param(counts(1), quota(5, 1), quota(2, 0), "behind", id="behind-on-news"),
        pytest.param(counts(), quota(5, 1), quota(2, 0), "nothing-yet", id="nothing-yet"),
        pytest.param(counts(photo=3), quota(5), quota(2), "behind", id="photos-only-still-behind"),
        pytest.param(counts(), quota(2), quota(0), "nothing-yet", id="nothing-even-if-not-due"),
        pytest.param(counts(2, 1, 9), quota(), quota(), "no-quota", id="no-quota"),
        pytest.param(counts(), quota(0), quota(0), "done", id="zero-quota-is-met"),
    ],
)
def test_status_of_a_unit(got, target, due_now, expected):
    assert status(got, target, due_now) == expected


def test_percent_done_rounds_down_so_99_is_not_shown_as_done():
    assert percent_done(199, 200) == 99
    assert percent_done(3, 2) == 150
    assert percent_done(0, 0) == 100
    assert percent_done(1, None) is None


def test_the_digest_week_is_the_seven_days_ending_on_its_day():
    week = week_ending(date(2020, 5, 17))
    assert (week.start, week.end, week.number) == (date(2020, 5, 11), date(2020, 5, 17), 20)
    assert iso_week(2020, 20) == week
    assert iso_week(2020, 53).end == date(2021, 1, 3)


@pytest.mark.parametrize(
    ("start", "end", "language", "text"),
    [
        pytest.param("2020-05-11", "2020-05-17", "vi", "11–17/5/2020", id="vi-same-month"),
        pytest.param("2020-04-27", "2020-05-03", "vi", "27/4–3/5/2020", id="vi-two-months"),
        pytest.param("2020-12-28", "2021-01-03", "vi", "28/12/2020–3/1/2021", id="vi-two-years"),
        pytest.param("2020-05-11", "2020-05-17", "en", "11–17 May 2020", id="en-same-month"),
        pytest.param("2020-04-27", "2020-05-03", "en", "27 Apr – 3 May 2020", id="en-two-months"),
    ],
)
def test_week_ranges_read_as_people_write_them(start, end, language, text):
    assert format_range(date.fromisoformat(start), date.fromisoformat(end), language) == text


def test_both_languages_have_every_label():
    assert set(labels("vi")) == set(labels("en"))
    assert quantity(1, "article", "en") == "1 article"
    assert quantity(2, "photo", "en") == "2 photos"
    assert quantity(2, "photo", "vi") == "2 ảnh"


def test_seed_plan_targets_and_member_minimums():
    config = load_config(SEED)
    plan = config.plan("2020-q2", on=date(2020, 5, 15))
    progress = compute_progress(
        digest_plan(config.model, plan),
        {"tuan-giao": counts(2, 0, 3), "muong-lay": counts(1), "tuyen-giao": counts(6, 1)},
        date(2020, 5, 15),
        week_counts={"tuan-giao": counts(1, 0, 1)},
    )
    groups = {g.id: g for g in progress.groups}
    units = {u.id: u for u in progress.units}
    assert groups["departments"].standing.target == quota(27, 6)  # no group quota: its units' sum
    assert groups["district"].standing.target == quota(20, 5)  # the group's own quota
    assert groups["district"].members_meeting_minimum["news"] == 1
    assert units["muong-lay"].standing.target == quota(2)  # the group's per-member minimum
    assert units["muong-lay"].standing.status == "on-pace"  # 1 of 2, 1 due
    assert units["tuyen-giao"].standing.status == "on-pace"  # 6 of 10, 5 due; article done
    assert units["cong-tac-vien"].standing.status == "no-quota"
    assert progress.standing.week == counts(1, 0, 1)
    assert progress.totals_quota == quota(58, 17, 60)


unit_counts = st.dictionaries(
    st.sampled_from(["tuan-giao", "muong-lay", "lanh-dao", "giao-duc", "cong-tac-vien", "unknown"]),
    st.fixed_dictionaries({k: st.integers(0, 50) for k in KINDS}),
)


@settings(deadline=None, max_examples=60)  # no deadline: a loaded CI machine must not fail it
@given(unit_counts, st.dates(date(2020, 3, 1), date(2020, 8, 1)))
def test_totals_are_the_sum_of_known_units_and_percent_never_negative(per_unit, as_of):
    progress = compute_progress(SEED_PLAN, per_unit, as_of)
    for kind in KINDS:
        assert progress.totals[kind] == sum(u.counts[kind] for u in progress.units)
        assert sum(g.counts[kind] for g in progress.groups) == progress.totals[kind]
    for unit in progress.units:
        assert all(p is None or p >= 0 for p in unit.standing.percent.values())
        assert all(
            d is None or 0 <= d <= (unit.standing.target[k] or 0)
            for k, d in unit.standing.due.items()
        )


def test_english_counts_one_message_in_the_singular():
    assert counted(1, "unmapped_line", "en") == "1 message"
    assert counted(3, "unmapped_line", "en") == "3 messages"
    assert counted(1, "unmapped_line", "vi") == "1 thư"
