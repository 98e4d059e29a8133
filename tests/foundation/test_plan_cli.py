"""`tinbai plan new` writes next quarter's plan into config.toml, comments kept; `plan check`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from tinbai.config import PlanConfig, load_config
from tinbai.planfile import derive_title

NEW = (
    "plan",
    "new",
    "2020-q3",
    "--from",
    "2020-q2",
    "--start",
    "2020-07-01",
    "--end",
    "2020-09-30",
)


def _quotas(report: dict[str, object]) -> object:
    """What a report says of the quotas, without the counts and dates."""
    return {
        "totals": {k: v["quota"] for k, v in report["totals"].items()},  # type: ignore[attr-defined]
        "groups": [(g["id"], g["quota"], g["member_minimum"]) for g in report["groups"]],  # type: ignore[attr-defined]
        "units": [(u["id"], u["quota"]) for u in report["units"]],  # type: ignore[attr-defined]
    }


def test_plan_new_appends_the_next_quarter_keeping_every_comment(tinbai, config_file: Path):
    before = config_file.read_text(encoding="utf-8")
    comments = [line for line in before.splitlines() if line.lstrip().startswith("#")]
    assert (
        "# --------------------------------------------------------------------------- plans"
        in comments
    )
    done = tinbai(*NEW)
    assert "2020-q3" in done.stdout
    assert "Kế hoạch tuyên truyền quý III năm 2020" in done.stdout
    assert "58 tin, 17 bài, 60 ảnh" in done.stdout
    after = config_file.read_text(encoding="utf-8")
    # The file as it was, byte for byte, with the new block after it: no comment lost, no layout changed.
    assert after.startswith(before)
    kept = [line for line in after.splitlines() if line.lstrip().startswith("#")]
    assert kept[: len(comments)] == comments
    assert "quota = { photo = 60 }                              # plan-wide" in after[len(before) :]
    assert "[[plans.quotas]]   # row 1" in after[len(before) :]

    config = load_config(config_file)
    old, new = config.model.plans
    assert (new.id, new.start, new.end) == ("2020-q3", date(2020, 7, 1), date(2020, 9, 30))
    assert new.title == "Kế hoạch tuyên truyền quý III năm 2020"
    assert (new.quotas, new.quota, new.totals, new.timezone) == (
        old.quotas,
        old.quota,
        old.totals,
        old.timezone,
    )
    assert not [p for p in config_file.parent.iterdir() if p.name.endswith(".new")]

    q2 = json.loads(
        tinbai("report", "--plan", "2020-q2", "--format", "json", "--as-of", "2020-05-15").stdout
    )
    q3 = json.loads(
        tinbai("report", "--plan", "2020-q3", "--format", "json", "--as-of", "2020-07-15").stdout
    )
    assert q3["plan"]["id"] == "2020-q3"
    assert _quotas(q3) == _quotas(q2)
    assert q3["totals"]["news"]["quota"] == 58


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ("2020-q2", "--from", "2020-q2", "--start", "2020-07-01", "--end", "2020-09-30"),
            "đã có kế hoạch '2020-q2'",
        ),
        (
            ("2020-q3", "--from", "2020-q1", "--start", "2020-07-01", "--end", "2020-09-30"),
            "không có kế hoạch '2020-q1' (có phải '2020-q2'?)",
        ),
        (
            ("2020-q3", "--from", "2020-q2", "--start", "2020-09-30", "--end", "2020-07-01"),
            "ngày kết thúc 2020-07-01 trước ngày bắt đầu 2020-09-30",
        ),
        (
            ("2020-q3", "--from", "2020-q2", "--start", "2020-06-15", "--end", "2020-09-30"),
            "trùng với kế hoạch '2020-q2' (2020-04-01 – 2020-06-30)",
        ),
        (
            ("Q3", "--from", "2020-q2", "--start", "2020-07-01", "--end", "2020-09-30"),
            "plans[1].id",
        ),
    ],
    ids=["existing-id", "unknown-from", "end-before-start", "overlap", "bad-id"],
)
def test_plan_new_refuses_in_one_line_and_leaves_the_config_as_it_was(
    tinbai, config_file: Path, args: tuple[str, ...], words: str
):
    before = config_file.read_bytes()
    line = tinbai.fails("plan", "new", *args, code=2)
    assert words in line
    assert config_file.read_bytes() == before
    assert sorted(p.name for p in config_file.parent.iterdir()) == ["config.toml"]


def test_plan_new_speaks_english_when_the_config_does(tinbai, english: Path):
    line = tinbai.fails(
        "plan",
        "new",
        "2020-q3",
        "--from",
        "2020-q",
        "--start",
        "2020-07-01",
        "--end",
        "2020-09-30",
        code=2,
    )
    assert (
        line
        == "tinbai: no plan '2020-q' (did you mean '2020-q2'?) to copy from — the config has: 2020-q2"
    )


def test_plan_check_prints_each_plan_s_totals(tinbai, config_file: Path):
    done = tinbai("plan", "check")
    assert done.stdout.splitlines() == [
        f"{config_file}: cấu hình hợp lệ",
        "kế hoạch 2020-q2 (2020-04-01 – 2020-06-30): Kế hoạch tuyên truyền quý II năm 2020",
        "  tổng các dòng: 58 tin, 17 bài, 60 ảnh",
        "  tổng ghi trong kế hoạch: 58 tin, 17 bài, 60 ảnh",
    ]
    tinbai(*NEW)
    assert "kế hoạch 2020-q3 (2020-07-01 – 2020-09-30)" in tinbai("plan", "check").stdout


def test_plan_check_warns_of_totals_that_do_not_add_up_and_of_overlapping_plans(
    tinbai, english: Path
):
    tinbai(*NEW)
    text = english.read_text(encoding="utf-8")
    text = text.replace("totals = { news = 58,", "totals = { news = 60,", 1)
    text = text.replace("end = 2020-06-30", "end = 2020-07-10", 1)
    english.write_text(text, encoding="utf-8")
    done = tinbai("plan", "check")
    lines = done.stdout.splitlines()
    assert "  rows add up to: 58 news, 17 articles, 60 photos" in lines
    assert "  totals as the plan states them: 60 news, 17 articles, 60 photos" in lines
    assert (
        "warning: plans 2020-q2 and 2020-q3 overlap from 2020-07-01 to 2020-07-10"
        " — a day belongs to one plan only: fix one of the periods"
    ) in lines
    assert any(
        line.startswith(
            "warning: plan 2020-q2: the rows add up to 58 news but the stated total is 60"
        )
        for line in lines
    )


def test_plan_check_names_every_problem_of_a_broken_config(tinbai, config_file: Path):
    text = config_file.read_text(encoding="utf-8")
    text = text.replace('language = "vi"', 'langauge = "vi"', 1).replace(
        "port = 993", 'port = "x"', 1
    )
    config_file.write_text(text, encoding="utf-8")
    done = tinbai("plan", "check", check=False)
    assert done.returncode == 2
    assert not done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2, done.stderr
    assert lines[0] == (
        f"tinbai: {config_file}: langauge: unknown key (did you mean 'language'?)"
        " — remove it or fix its spelling"
    )
    assert lines[1].startswith(f"tinbai: {config_file}: mailbox.port:")
    # Not TOML at all: the one line load_config gives.
    config_file.write_text("[units\n", encoding="utf-8")
    assert "not valid TOML" in tinbai.fails("plan", "check", code=2)


@pytest.mark.parametrize(
    ("title", "start", "end", "expected"),
    [
        (
            "Kế hoạch tuyên truyền quý II năm 2020",
            "2020-07-01",
            "2020-09-30",
            "Kế hoạch tuyên truyền quý III năm 2020",
        ),
        (
            "Kế hoạch tuyên truyền quý IV năm 2020",
            "2021-01-01",
            "2021-03-31",
            "Kế hoạch tuyên truyền quý I năm 2021",
        ),
        ("Kế hoạch quý 2/2020", "2020-10-01", "2020-12-31", "Kế hoạch quý 4/2020"),
        ("Publicity plan Q2 2020", "2020-07-01", "2020-09-30", "Publicity plan Q3 2020"),
        ("Kế hoạch tuyên truyền quý II năm 2020", "2020-07-01", "2020-12-31", "Kế hoạch new"),
        ("Kế hoạch tuyên truyền năm 2020", "2020-07-01", "2020-09-30", "Kế hoạch new"),
    ],
)
def test_a_new_plan_s_title_is_the_source_s_with_the_quarter_changed(
    title: str, start: str, end: str, expected: str
):
    # Every source above is a plan of 2020: only its year matters here.
    source = PlanConfig(id="old", title=title, start=date(2020, 4, 1), end=date(2020, 6, 30))
    got = derive_title(source, "new", date.fromisoformat(start), date.fromisoformat(end), "vi")
    assert got == expected


def test_plan_new_through_a_symbolic_link_rewrites_the_file_it_points_to(tinbai, config_file: Path):
    real = config_file.parent / "real.toml"
    config_file.rename(real)
    config_file.symlink_to(real)
    tinbai(*NEW)
    assert config_file.is_symlink()
    assert 'id = "2020-q3"' in real.read_text(encoding="utf-8")
