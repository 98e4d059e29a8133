"""What the editor and the admin read in the digest and the report, in the configured language.

The words live in `texts` (one catalogue per language); this module gives the digest its
short key names (``news``, ``subject``, ``status.behind``) and writes numbers and dates as
people read them. The few phrases that hold numbers are `str.format` patterns filled in
Python (the view model), never in a template. Vietnamese nouns do not inflect, so the
``_one`` forms differ only in English.
"""

from __future__ import annotations

from datetime import date, datetime

from texts import text, view

# catalogue prefix -> the digest's name for it (``quantity.news`` is ``qty.news`` here)
_NAMES = (
    ("kind.", ""),
    ("plan.", ""),
    ("quantity.", "qty."),
    ("standing.", "status."),
    ("digest.", ""),
)


def labels(language: str) -> dict[str, str]:
    return dict(view(language, _NAMES))


def quantity(n: int, kind: str, language: str) -> str:
    """``3 tin`` / ``1 article`` / ``2 photos``."""
    return counted(n, f"qty.{kind}", language)


def counted(n: int, key: str, language: str) -> str:
    """``labels[key]`` filled with ``n``; its ``_one`` form when ``n`` is 1."""
    t = view(language, _NAMES)
    return t[f"{key}_one" if n == 1 and f"{key}_one" in t else key].format(n=n)


def format_date(day: date, language: str) -> str:
    """``15/5/2020`` (as Vietnamese offices write it) or ``15 May 2020``."""
    month = text(f"date.month.{day.month}", language)
    return text("date.day_month_year", language, day=day.day, month=month, year=day.year)


def format_day_month(day: date, language: str) -> str:
    month = text(f"date.month.{day.month}", language)
    return text("date.day_month", language, day=day.day, month=month)


def format_range(start: date, end: date, language: str) -> str:
    """A week as people write it: ``11–17/5/2020``, ``27/4–3/5/2020``, ``11–17 May 2020``."""
    last = format_date(end, language)
    if (start.year, start.month) == (end.year, end.month):
        return text("date.span_in_month", language, start=start.day, end=last)
    if start.year == end.year:
        return text("date.span", language, start=format_day_month(start, language), end=last)
    return text("date.span", language, start=format_date(start, language), end=last)


def format_datetime(moment: datetime, language: str) -> str:
    return f"{format_date(moment.date(), language)} {moment:%H:%M}"
