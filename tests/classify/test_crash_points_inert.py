"""The crash points: inert without the test-only variable, and each one placed in the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from classify import crash

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("setting", "armed"),
    [
        (None, {}),
        ("", {}),
        ("poll.committed", {"poll.committed": 1}),
        ("poll.written:10", {"poll.written": 10}),
    ],
)
def test_the_variable_arms_one_point_at_one_pass(
    setting: str | None, armed: dict[str, int]
) -> None:
    assert crash._armed(setting) == armed


def test_an_unknown_point_is_refused_with_the_known_ones_named() -> None:
    with pytest.raises(ValueError, match=r"poll\.fetched"):
        crash._armed("poll.fecthed")


def test_a_point_not_armed_returns() -> None:
    crash.crash_point("poll.committed")  # this process has no TINBAI_TEST_CRASH_AT


def test_every_named_point_sits_in_the_code_once_and_no_other() -> None:
    placed: list[str] = []
    for package in ("ingest", "store", "digest", "tinbai"):
        for path in (ROOT / package).rglob("*.py"):
            placed += re.findall(r'crash_point\("([^"]+)"\)', path.read_text(encoding="utf-8"))
    assert sorted(placed) == sorted(crash.POINTS)
