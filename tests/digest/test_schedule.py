"""`digest.schedule`: one cron parser, checked when the config loads, so every command refuses it."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from tinbai.schedule import cron_trigger, parse_schedule

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def _set_schedule(config, schedule: str) -> None:
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace('schedule = "30 7 * * mon"', f'schedule = "{schedule}"', 1), encoding="utf-8"
    )


@pytest.mark.parametrize(
    "command", [("report",), ("senders", "list"), ("digest", "--preview", "-")]
)
def test_a_bad_schedule_is_refused_by_every_command_in_one_line(tinbai, config_file, command):
    _set_schedule(config_file, "30 25 * * mon")
    line = tinbai.fails(*command, code=2)
    assert "digest.schedule" in line
    assert "'30 25 * * mon' is not a cron line" in line
    assert '— write five fields, e.g. "30 7 * * mon"' in line


# Each line: does the one parser agree with APScheduler, which fires the schedule?
LINES = [
    "30 7 * * mon",
    "0 8 * * mon-fri",
    "*/15 * * * *",
    "0 7,12,17 * * *",
    "0 7 1 * *",
    "0 7 last * *",
    "0 7 * jan-mar *",
    "0 7 1-15/2 * 0",
    "5/10 * * * *",
    "30 7 * * MON",
    "59 23 31 12 6",
    # refused by both
    "30 7 * *",
    "30 7 * * mon extra",
    "60 7 * * mon",
    "30 24 * * mon",
    "30 7 0 * *",
    "30 7 * 13 *",
    "30 7 * * 7",
    "30 7 * * funday",
    "*/0 * * * *",
    "*/60 * * * *",
    "10-5 * * * *",
    "",
]


def _apscheduler_accepts(line: str) -> bool:
    try:
        CronTrigger.from_crontab(line, timezone=HANOI)
    except ValueError:
        return False
    return True


def _we_accept(line: str) -> bool:
    try:
        parse_schedule(line)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("line", LINES, ids=lambda line: line or "empty")
def test_the_parser_accepts_what_the_scheduler_can_fire(line):
    assert _we_accept(line) == _apscheduler_accepts(line)


@pytest.mark.parametrize(
    "line", ["30 7 * * mon/2", "30 7 * jan/2 *", "30 7 lastly * *", "30 7 * * mon-1"]
)
def test_the_parser_refuses_what_the_scheduler_would_silently_ignore(line):
    with pytest.raises(ValueError, match="is not a cron line"):
        parse_schedule(line)


def test_the_trigger_fires_as_the_cron_line_says():
    assert str(cron_trigger("30 7 * * mon", HANOI)) == str(
        CronTrigger.from_crontab("30 7 * * mon", timezone=HANOI)
    )
