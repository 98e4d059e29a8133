"""`digest.schedule`: the one cron parser, and the APScheduler trigger built from what it accepts.

The config loader checks the line with `parse_schedule` (pure, fast: a poll must not
import APScheduler), so every command refuses a bad schedule; `tinbai run` and the
digest's "which week" then build the trigger with `cron_trigger`. The grammar is
APScheduler 3's crontab as far as it is sound — five fields of `*`, numbers, names
(``jan``–``dec``, ``mon``–``sun``), ranges, lists and ``/step``; ``last`` as a day — minus
what APScheduler silently ignores (a step after a name), which is refused instead.
Note APScheduler 3's weekday numbers: 0 is Monday, 6 is Sunday.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import tzinfo
from typing import TYPE_CHECKING

from tinbai.errors import ConfigError

if TYPE_CHECKING:
    from apscheduler.triggers.cron import CronTrigger

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()  # names[i] stands for low + i
    last: bool = False  # `last` (the month's last day) is allowed


FIELDS = (
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day", 1, 31, last=True),
    _Field("month", 1, 12, MONTHS),
    _Field("day of week", 0, 6, WEEKDAYS),
)
_NUMBERS = re.compile(r"(?P<first>\*|\d+)(?:-(?P<last>\d+))?(?:/(?P<step>\d+))?")
_NAMES = re.compile(r"(?P<first>[a-z]+)(?:-(?P<last>[a-z]+))?")


def schedule_error(line: str, reason: str) -> str:
    """The one text that says a schedule is wrong, and how to write one."""
    return f'{line!r} is not a cron line ({reason}) — write five fields, e.g. "30 7 * * mon"'


def parse_schedule(line: str) -> str:
    """``line`` with its fields normalised (lower case, single spaces); ValueError if not cron."""
    fields = line.lower().split()
    if len(fields) != len(FIELDS):
        raise ValueError(schedule_error(line, f"{len(fields)} fields, not {len(FIELDS)}"))
    for text, field in zip(fields, FIELDS, strict=True):
        for item in text.split(","):
            reason = _item_error(item, field)
            if reason:
                raise ValueError(schedule_error(line, f"{field.name} {item!r}: {reason}"))
    return " ".join(fields)


def _item_error(item: str, field: _Field) -> str | None:  # noqa: PLR0911 — one reason per return
    if field.last and item == "last":
        return None
    if field.names and (named := _NAMES.fullmatch(item)):
        ends = [n for n in (named["first"], named["last"]) if n is not None]
        unknown = [n for n in ends if n not in field.names]
        if unknown:
            return f"no {field.name} is called {unknown[0]!r}"
        start, end = (field.names.index(n) for n in (ends[0], ends[-1]))
        return "the range runs backwards" if start > end else None
    match = _NUMBERS.fullmatch(item)
    if match is None:
        return "not a number, a name, a range or a step"
    step = int(match["step"]) if match["step"] else None
    if step == 0:
        return "a step of 0"
    last: int | None
    if match["first"] == "*":
        if match["last"] is not None:
            return "a range cannot start at *"
        first, last = field.low, field.high
    else:
        first = int(match["first"])
        last = int(match["last"]) if match["last"] is not None else None
        for value in (first, last):
            if value is not None and not field.low <= value <= field.high:
                return f"{value} is outside {field.low}–{field.high}"
        if last is not None and first > last:
            return "the range runs backwards"
    if step is not None and step > (last if last is not None else field.high) - first:
        return f"the step {step} is longer than the range"
    return None


def cron_trigger(line: str, tz: tzinfo) -> CronTrigger:
    """The APScheduler trigger of `digest.schedule`; ConfigError (the one text) if it is not cron."""
    from apscheduler.triggers.cron import CronTrigger  # noqa: PLC0415 — a poll never needs it

    try:
        return CronTrigger.from_crontab(parse_schedule(line), timezone=tz)
    except ValueError as e:  # the loader checked it: only a schedule built in code gets here
        text = str(e) if " is not a cron line " in str(e) else schedule_error(line, str(e))
        raise ConfigError(f"digest.schedule: {text}") from e
