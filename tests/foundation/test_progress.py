"""Quota maths at unit, group (with per-member minimum) and plan level."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from digest.plan import Group, Plan, Quota, QuotaRow, Unit
from digest.progress import Unmapped, as_json, compute_progress, percent_text


def _plan(**extra: object) -> Plan:
    """The digest's own values, no config file: the layer is tested alone."""
    plan = Plan(
        id="q",
        title="Quý",
        start=date(2020, 4, 1),
        end=date(2020, 6, 30),
        timezone="Asia/Ho_Chi_Minh",
        groups=(Group("lead", "Lãnh đạo"), Group("district", "Huyện"), Group("helpers", "CTV")),
        units=(
            Unit("boss", "Lãnh đạo", "lead"),
            Unit("a", "Huyện A", "district"),
            Unit("b", "Huyện B", "district"),
            Unit("ctv", "Cộng tác viên", "helpers"),
        ),
        quota=Quota(photo=10),
        quotas=(
            QuotaRow(Quota(article=2), unit="boss"),
            QuotaRow(Quota(news=4, article=1), group="district", member_minimum=Quota(news=2)),
        ),
    )
    return replace(plan, **extra)  # type: ignore[arg-type]


def _progress(counts: dict[str, dict[str, int]], **plan_extra: object):
    return compute_progress(_plan(**plan_extra), counts, date(2020, 5, 15))


def test_unit_quota_and_counts():
    p = _progress({"boss": {"article": 1}})
    boss = next(u for u in p.units if u.id == "boss")
    assert dict(boss.counts) == {"news": 0, "article": 1, "photo": 0}
    assert dict(boss.quota) == {"news": None, "article": 2, "photo": None}


def test_group_counts_are_the_sum_of_its_members():
    p = _progress({"a": {"news": 3, "photo": 2}, "b": {"news": 1}})
    district = next(g for g in p.groups if g.id == "district")
    assert dict(district.counts) == {"news": 4, "article": 0, "photo": 2}
    assert dict(district.quota) == {"news": 4, "article": 1, "photo": None}


def test_member_minimum_counts_members_that_meet_it():
    p = _progress({"a": {"news": 3}, "b": {"news": 1}})
    district = next(g for g in p.groups if g.id == "district")
    assert dict(district.member_minimum) == {"news": 2, "article": None, "photo": None}
    assert district.members_meeting_minimum["news"] == 1
    assert district.members_meeting_minimum["article"] is None
    a, b = (next(u for u in p.units if u.id == x) for x in "ab")
    assert a.meets_minimum("news") is True
    assert b.meets_minimum("news") is False
    assert a.meets_minimum("photo") is None


def test_plan_totals_include_units_without_quota_and_the_plan_wide_quota():
    p = _progress({"ctv": {"photo": 4, "news": 1}, "a": {"photo": 1}})
    assert dict(p.totals) == {"news": 1, "article": 0, "photo": 5}
    assert dict(p.totals_quota) == {"news": 4, "article": 3, "photo": 10}


def test_stated_totals_win_over_the_sum_of_rows():
    p = _progress({}, totals=Quota(news=5, article=3, photo=10))
    assert p.totals_quota["news"] == 5


def test_no_quota_is_distinct_from_a_quota_of_zero():
    p = _progress({}, quotas=(QuotaRow(Quota(article=0), unit="boss"),))
    boss = next(u for u in p.units if u.id == "boss")
    assert boss.quota["article"] == 0
    assert boss.quota["news"] is None
    assert percent_text(0, 0) == "100%"
    assert percent_text(3, None) is None
    assert dict(p.totals_quota) == {"news": None, "article": None, "photo": 10}


def test_unknown_unit_ids_in_counts_are_not_in_the_totals():
    p = _progress({"gone": {"news": 7}})
    assert p.totals["news"] == 0


@pytest.mark.parametrize(
    ("count", "quota", "expected"),
    [
        (0, 10, "0%"),
        (5, 10, "50%"),
        (1, 3, "33%"),
        (2, 17, "11%"),
        (199, 200, "99%"),
        (12, 10, "120%"),
    ],
)
def test_a_share_is_shown_in_whole_percent_rounded_down(count, quota, expected):
    assert percent_text(count, quota) == expected


def test_json_has_every_unit_and_group_with_all_three_kinds():
    data = as_json(
        _progress(
            {"a": {"news": 1}},
        )
    )
    assert [g["id"] for g in data["groups"]] == ["lead", "district", "helpers"]
    assert [u["id"] for u in data["units"]] == ["boss", "a", "b", "ctv"]
    for entry in (*data["groups"], *data["units"]):
        assert set(entry["counts"]) == set(entry["quota"]) == {"news", "article", "photo"}


def test_unmapped_senders_are_listed_most_messages_first():
    p = compute_progress(
        _plan(),
        {},
        date(2020, 5, 15),
        [Unmapped("x@example.net", 1), Unmapped("y@example.net", 3)],
    )
    assert [u.address for u in p.unmapped] == ["y@example.net", "x@example.net"]
