"""The README's [receipts] and [reminders] examples are configs tinbai accepts as written."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from tinbai.config import load_config
from tinbai.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _example(section: str) -> str:
    """The first ```toml block of the README's ``## section``."""
    body = README.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    found = re.search(r"```toml\n(.*?)```", body, re.DOTALL)
    assert found, f"no toml example under ## {section}"
    return found.group(1)


@pytest.mark.parametrize("section", ["Receipts", "Reminders"])
def test_the_readme_example_turns_the_feature_on(section: str, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    shutil.copy(ROOT / "config.toml", config)
    shipped = load_config(config).model
    assert not shipped.receipts.enabled  # off by default
    assert not shipped.reminders.enabled
    with config.open("a", encoding="utf-8") as f:
        f.write("\n" + _example(section))
    model = load_config(config).model
    if section == "Receipts":
        assert model.receipts.enabled
        assert model.receipts.interval_minutes == 60
    else:
        assert model.reminders.enabled
        assert model.reminders.dates == [date(2020, 5, 15), date(2020, 6, 16)]


@pytest.mark.parametrize("section", ["Receipts", "Reminders"])
def test_turned_on_without_smtp_is_one_line_naming_the_fix(section: str, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    shipped = (ROOT / "config.toml").read_text(encoding="utf-8")
    without_smtp = re.sub(r"(?ms)^\[smtp\]\n.*?(?=^\[)", "", shipped, count=1)
    config.write_text(without_smtp + "\n" + _example(section), encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(config)
    message = str(raised.value)
    assert "\n" not in message
    assert f"{section.lower()}.enabled" in message
    assert "add an [smtp] table" in message
