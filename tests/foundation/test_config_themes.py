"""The plan's themes and calendar in config: the shipped ones, and mistakes in one line."""

from __future__ import annotations

import pytest
from foundation.test_config import SHIPPED, _variant

from tinbai.config import digest_plan, load_config, theme_matcher
from tinbai.errors import ConfigError


def test_shipped_plan_lists_the_themes_and_dates_of_its_section_one():
    config = load_config(SHIPPED)
    plan = digest_plan(config.model, config.model.plans[0])
    ids = {t.id for t in plan.themes}
    assert {"covid-19", "thang-cong-nhan", "dien-bien-phu", "bac-ho", "ma-tuy"} <= ids
    days = {(d.day.day, d.day.month) for d in plan.calendar}
    assert {(15, 4), (30, 4), (1, 5), (7, 5), (19, 5), (11, 6), (26, 6), (28, 6), (28, 7)} <= days
    matcher = theme_matcher(config)
    assert matcher is not None
    found = matcher.match("Cong doan tinh Dien Bien huong ung ngay sinh Chu tich Ho Chi Minh")
    assert "bac-ho" in found


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            'theme = "dien-bien-phu"',
            'theme = "dien-bien-phuu"',
            "names unknown theme 'dien-bien-phuu' (did you mean 'dien-bien-phu'?)",
            id="date-names-unknown-theme",
        ),
        pytest.param(
            'id = "ma-tuy"',
            'id = "covid-19"',
            "two themes have the id 'covid-19'",
            id="theme-id-twice",
        ),
        pytest.param(
            'keywords = ["ma túy", "chất gây nghiện", "tệ nạn xã hội"]',
            'keywords = ["ma túy", " - "]',
            "keyword ' - ' has no letters or digits",
            id="keyword-without-words",
        ),
        pytest.param(
            'keywords = ["ma túy", "chất gây nghiện", "tệ nạn xã hội"]',
            "keywords = []",
            "keywords",
            id="theme-without-keywords",
        ),
        pytest.param(
            'name = "Ngày thành lập Công đoàn Việt Nam"\ntheme = "cong-doan-viet-nam"',
            'name = "Ngày thành lập Công đoàn Việt Nam"',
            "names neither `theme` nor `keywords`",
            id="date-with-nothing-to-find",
        ),
        pytest.param("day = 2020-05-07", 'day = "7/5"', "day", id="date-not-a-date"),
        pytest.param(
            'id = "ma-tuy"\nname',
            'id = "ma-tuy"\nkeyword = ["x"]\nname',
            "unknown key (did you mean 'keywords'?)",
            id="misspelt-key",
        ),
    ],
)
def test_theme_or_calendar_mistake_is_named_in_one_line_with_its_fix(tmp_path, old, new, expected):
    with pytest.raises(ConfigError) as caught:
        load_config(_variant(tmp_path, old, new))
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message
    assert " — " in message, "every message says what to do"


def test_a_plan_without_themes_has_no_matcher(tmp_path):
    text = SHIPPED.read_text(encoding="utf-8")
    path = tmp_path / "config.toml"
    path.write_text(text[: text.index("# --- The plan's themes")], encoding="utf-8")
    config = load_config(path)
    assert theme_matcher(config) is None
    assert digest_plan(config.model, config.model.plans[0]).themes == ()
