"""Read the figures out of a rendered digest and say what the report JSON expects there.

Every figure the HTML shows sits in an element with a ``data-key`` naming the
report value it stands for; free text (names, subjects, addresses) is marked
``data-free``. Anything else must hold no digit at all: a number that escaped
the keys would escape the check.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

VOID = {"br", "meta", "img", "input", "hr", "link", "col", "area", "base", "wbr", "source"}
HIDDEN = {"style", "script", "title", "head"}
KINDS = ("news", "article", "photo")
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


class Figures(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None, bool]] = []  # tag, key, free
        self.figures: list[tuple[str, str]] = []
        self.loose: list[str] = []
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        names = dict(attrs)
        if "data-key" in names:
            self._text = []
        self.stack.append((tag, names.get("data-key"), "data-free" in names))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        while self.stack:
            open_tag, key, _ = self.stack.pop()
            if key is not None:
                self.figures.append((key, "".join(self._text)))
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if any(key for _, key, _ in self.stack):
            self._text.append(data)
        elif not any(free or tag in HIDDEN for tag, _, free in self.stack):
            self.loose.append(data)


def read_figures(html: str) -> tuple[list[tuple[str, str]], str]:
    parser = Figures()
    parser.feed(html)
    parser.close()
    return parser.figures, " ".join(parser.loose)


MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def ints(text: str) -> list[int]:
    """The integers a figure shows; an English month name counts as its number."""
    for number, name in enumerate(MONTHS_EN, start=1):
        text = re.sub(rf"\b{name}\b", str(number), text)
    return [int(n) for n in re.findall(r"\d+", text)]


def _ratio(count: int, target: int | None) -> list[int]:
    if target is None:
        return [count] if count else []
    return [count, target]


def _day(value: date) -> list[int]:
    return [value.day, value.month, value.year]


def expected(key: str, report: dict[str, Any]) -> list[int] | set[int]:  # noqa: PLR0911, PLR0912 — one case per kind of figure reads as a table
    """The integers the report says the figure named ``key`` must show, in order."""
    units = {u["id"]: u for u in report["units"]}
    groups = {g["id"]: g for g in report["groups"]}
    week = report["week"]
    start, end = date.fromisoformat(week["start"]), date.fromisoformat(week["end"])
    parts = key.split(".")
    match parts:
        case ["summary"]:
            totals = report["totals"]
            return [n for k in KINDS for n in _ratio(totals[k]["count"], totals[k]["quota"])]
        case ["week"] | ["week", "range"]:
            numbers = {start.day, start.month, start.year, end.day, end.month, end.year}
            return numbers | ({week["number"]} if parts == ["week"] else set())
        case ["as_of"]:
            return _day(date.fromisoformat(report["as_of"]))
        case ["period", "days_left"]:
            p = report["period"]
            running = p["days"] > 0 and p["days_left"] > 0  # else "not started" / "has ended"
            return [p["days_left"]] if running else []
        case ["period", "elapsed"]:
            p = report["period"]
            return [p["days"], p["days_total"], p["percent"]]
        case ["total", kind]:
            return _ratio(report["totals"][kind]["count"], report["totals"][kind]["quota"])
        case ["total", kind, field]:
            return [report["totals"][kind][field]]
        case ["unit", uid, kind]:
            return _ratio(units[uid]["counts"][kind], units[uid]["target"][kind])
        case ["unit", uid, kind, "pace"]:
            u = units[uid]
            return [u["counts"][kind], u["target"][kind], u["due"][kind]]
        case ["group", gid, kind, "pace"]:
            g = groups[gid]
            return [g["counts"][kind], g["target"][kind], g["due"][kind]]
        case ["group", gid, "number"]:
            return [list(groups).index(gid) + 1]
        case ["group", gid, "minimum", kind]:
            g = groups[gid]
            need = g["member_minimum"][kind]
            return [g["members_meeting_minimum"][kind], len(g["members"]), need]
        case ["group", gid, kind]:
            return _ratio(groups[gid]["counts"][kind], groups[gid]["target"][kind])
        case ["week", "summary"]:
            totals = [report["totals"][k]["week"] for k in KINDS if report["totals"][k]["week"]]
            return [*totals, sum(1 for u in report["units"] if any(u["week"].values()))]
        case ["week", "unit", uid, kind]:
            n = units[uid]["week"][kind]
            return [n] if n else []
        case ["review", rid]:
            return [int(rid)]
        case ["review", rid, "received"]:
            review = next(r for r in report["needs_review"] if r["id"] == int(rid))
            return _day(datetime.fromisoformat(review["received_at"]).astimezone(HANOI).date())
    if parts[0] == "theme":  # theme.<id>.<pieces | counts>; an id may hold dots
        theme = next(t for t in report["themes"] if t["id"] == ".".join(parts[1:-1]))
        if parts[-1] == "pieces":
            return [theme["pieces"]] if theme["pieces"] else []
        return [theme["counts"][k] for k in KINDS if theme["counts"][k]]
    if parts[0] == "calendar":  # calendar.<index in the report's list>.<day | when | coverage>
        entry = report["calendar"][int(parts[1])]
        if parts[2] == "day":
            return _day(date.fromisoformat(entry["date"]))
        if parts[2] == "when":
            return [entry["days"]] if entry["days"] else []
        shown = [entry["counts"][k] for k in KINDS if entry["counts"][k]]
        return [*shown, len(entry["units"])] if shown else []
    if parts[0] == "weeks":  # weeks.<index>, weeks.<index>.<kind>: the chart's numbers
        entry = report["weeks"][int(parts[1])]
        if len(parts) == 2:
            first, last = date.fromisoformat(entry["start"]), date.fromisoformat(entry["end"])
            return {entry["number"], *_day(first), *_day(last)}
        kind = parts[2]
        pace = entry["pace"][kind]
        return [entry["counts"][kind]] + ([] if pace is None else [pace])
    if parts[0] == "late":  # late.<id>, late.<id>.when, late.<id>.counts
        entry = next(m for m in report["late"] if m["id"] == int(parts[1]))
        if len(parts) == 2:
            return [entry["id"]]
        if parts[2] == "when":
            return [
                *_day(datetime.fromisoformat(entry["dated"]).astimezone(HANOI).date()),
                *_day(datetime.fromisoformat(entry["received_at"]).astimezone(HANOI).date()),
            ]
        return [entry["counts"][k] for k in KINDS if entry["counts"][k]]
    if parts[0] == "unmapped":
        address = key.removeprefix("unmapped.")
        return [next(u["messages"] for u in report["unmapped"] if u["address"] == address)]
    raise AssertionError(f"figure {key!r} names no value of the report")


def check_figures(html: str, report: dict[str, Any]) -> list[tuple[str, str]]:
    """Assert every figure of ``html`` equals the report; returns the figures seen."""
    figures, loose = read_figures(html)
    for key, text in figures:
        want = expected(key, report)
        got: list[int] | set[int] = set(ints(text)) if isinstance(want, set) else ints(text)
        assert got == want, f"{key}: the digest shows {text!r}, the report says {want}"
    stray = re.findall(r"[^\s]*\d[^\s]*", loose)
    assert not stray, f"numbers outside any keyed figure: {stray}"
    return figures
