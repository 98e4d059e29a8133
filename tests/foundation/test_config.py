"""The shipped config is the seed's plan, and a broken config is explained in one line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from digest.plan import summed_quota
from tinbai.app import App
from tinbai.config import digest_plan, load_config
from tinbai.errors import ConfigError

SHIPPED = Path(__file__).resolve().parents[2] / "config.toml"

DESIGN_UNITS = {
    "leadership": ["lanh-dao"],
    "departments": ["tuyen-giao", "to-chuc", "tai-chinh", "chinh-sach", "van-phong", "kiem-tra"],
    "district": [
        "dien-bien-phu",
        "muong-lay",
        "dien-bien",
        "dien-bien-dong",
        "muong-ang",
        "muong-cha",
        "muong-nhe",
        "nam-po",
        "tua-chua",
        "tuan-giao",
    ],
    "sector": ["giao-duc", "y-te", "vien-chuc"],
    "volunteers": ["cong-tac-vien"],
}


def test_shipped_config_loads_without_warnings():
    config = load_config(SHIPPED)
    assert config.warnings == ()
    assert config.model.plans[0].id == "2020-q2"


def test_shipped_config_has_every_unit_of_the_design_in_its_group():
    model = load_config(SHIPPED).model
    for group, units in DESIGN_UNITS.items():
        assert [u for u, unit in model.units.items() if unit.group == group] == units
    assert [u for u, unit in model.units.items() if unit.group == "grassroots"], (
        "grassroots examples"
    )
    assert model.units["muong-ang"].name == "LĐLĐ huyện Mường Ảng"
    assert model.units["tuyen-giao"].name == "Ban Tuyên giáo – Nữ công"


def test_shipped_rows_add_up_to_the_stated_totals():
    model = load_config(SHIPPED).model
    plan = model.plans[0]
    assert summed_quota(digest_plan(model, plan)) == {"news": 58, "article": 17, "photo": 60}
    assert plan.totals is not None
    assert (plan.totals.news, plan.totals.article, plan.totals.photo) == (58, 17, 60)


def test_no_real_addresses_in_the_shipped_config():
    text = SHIPPED.read_text(encoding="utf-8")
    domains = {m.split("@", 1)[1] for m in re.findall(r"[\w.+-]*@[\w.-]+", text)}
    assert domains
    assert all(d == "example.org" or d.endswith(".example.org") for d in domains)


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    text = SHIPPED.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "config.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            'host = "imap',
            'hots = "imap',
            "mailbox.hots: unknown key (did you mean 'host'?)",
            id="misspelt-key",
        ),
        pytest.param(
            'schedule = "30',
            'schedul = "30',
            "digest.schedul: unknown key (did you mean 'schedule'?)",
            id="misspelt-nested-key",
        ),
        pytest.param(
            "port = 993",
            'port = "993x"',
            "mailbox.port: Input should be a valid integer",
            id="wrong-type",
        ),
        pytest.param(
            'group = "district"',
            'group = "distrct"',
            "unknown group 'distrct' (did you mean 'district'?)",
            id="unit-in-no-group",
        ),
        pytest.param(
            'unit = "to-chuc"',
            'unit = "to-chuk"',
            "quota on unknown unit 'to-chuk' (did you mean 'to-chuc'?)",
            id="quota-on-unknown-unit",
        ),
        pytest.param(
            "end = 2020-06-30",
            "end = 2020-03-31",
            "ends (2020-03-31) before it starts (2020-04-01)",
            id="period-reversed",
        ),
        pytest.param(
            'password_env = "TINBAI_IMAP_PASSWORD"',
            'password = "hunter2"',
            "a secret never goes in the config file",
            id="secret-in-file",
        ),
        pytest.param(
            'security = "tls" ',
            'security = "plain" ',
            "plain is allowed only on 127.0.0.1",
            id="plain-off-loopback",
        ),
        pytest.param(
            'timezone = "Asia/Ho_Chi_Minh"\n\n[mailbox]',
            'timezone = "Asia/Hanoi_City"\n\n[mailbox]',
            "unknown timezone 'Asia/Hanoi_City'",
            id="bad-timezone",
        ),
        pytest.param("[[plans]]", "[[plans]\n", "not valid TOML", id="bad-toml"),
    ],
)
def test_config_mistake_is_named_with_its_fix(tmp_path, old, new, expected):
    with pytest.raises(ConfigError) as caught:
        load_config(_variant(tmp_path, old, new))
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message
    assert " — " in message, "every message says what to do"


def test_rows_that_do_not_add_up_give_a_warning_naming_the_difference(tmp_path):
    config = load_config(_variant(tmp_path, "news = 20\n", "news = 22\n"))
    assert config.warnings == (
        "plan 2020-q2: the rows add up to 60 news but the stated total is 58 (-2) — fix a row or `totals.news`",
    )


def test_plan_is_chosen_by_date_and_by_id(tmp_path):
    text = SHIPPED.read_text(encoding="utf-8") + (
        '\n[[plans]]\nid = "2020-q3"\ntitle = "Quý III"\nstart = 2020-07-01\nend = 2020-09-30\n'
    )
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    config = load_config(path)
    assert config.plan(on=date(2020, 5, 15)).id == "2020-q2"
    assert config.plan(on=date(2020, 8, 1)).id == "2020-q3"
    assert config.plan(on=date(2021, 1, 1)).id == "2020-q3", "between quarters the last plan stays"
    assert config.plan("2020-q2", on=date(2020, 8, 1)).id == "2020-q2"
    with pytest.raises(ConfigError, match="no plan '2020-q4'"):
        config.plan("2020-q4", on=date(2020, 5, 15))


def test_no_address_outside_example_domains_anywhere_in_the_repo():
    root = SHIPPED.parent
    address = re.compile(r"[\w.%+-]+@([\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,})")
    allowed = re.compile(r"(^|\.)example\.(org|net|com)$", re.IGNORECASE)
    offenders = []
    for path in root.rglob("*"):
        if path.suffix not in {".py", ".md", ".toml", ".html", ".j2", ".txt", ".csv", ".json"}:
            continue
        if any(
            part in {".venv", "node_modules", ".git", "screenshots"} or part.startswith(".")
            for part in path.relative_to(root).parts
        ):
            continue
        for domain in address.findall(path.read_text(encoding="utf-8", errors="replace")):
            if not allowed.search(domain):
                offenders.append(f"{path.relative_to(root)}: {domain}")
    assert offenders == []


def test_the_plan_of_today_is_the_injected_clocks_not_the_machines(tmp_path):
    # Q2 runs on Hanoi time (the config's), Q3 on Los Angeles time. At 18:00 UTC on
    # 15 May 2020 it is already 16 May in Hanoi: "today" is Q2's 16 May, whatever the
    # machine's calendar says (a machine clock in or after Q3 would pick Q3's zone).
    text = SHIPPED.read_text(encoding="utf-8") + (
        '\n[[plans]]\nid = "2020-q3"\ntitle = "Quý III"\nstart = 2020-07-01\nend = 2020-09-30\n'
        'timezone = "America/Los_Angeles"\n'
    )
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")

    @dataclass
    class ClockedApp(App):
        def now(self) -> datetime:
            return datetime(2020, 5, 15, 18, 0, tzinfo=UTC)

    app = ClockedApp(config_path=path)
    assert app.today() == date(2020, 5, 16)
    assert app.plan().id == "2020-q2"
