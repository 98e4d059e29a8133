"""The charts' weeks from a real database equal a recount of the stored rows, week by week.

The report sums each week in the database; this recount reads every message and buckets
it by its day in Hanoi, as an editor checking by hand would: a correction, a sender moved
with ``--from`` and mail near midnight must land in the same week both ways.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from mailkit import build_message
from sqlalchemy import create_engine, text

from digest.weeks import series
from tinbai.app import App
from tinbai.report import plan_progress

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
AS_OF = date(2020, 5, 15)
KINDS = ("news", "article", "photo")


def recount(app: App, db: Path, earlier: dict[int, str]) -> dict[tuple[str, date], dict[str, int]]:
    """Counts per unit and ISO week (keyed by its Monday), from the rows; ``earlier``: the
    unit a ``--from`` move kept a message with."""
    weeks: dict[tuple[str, date], dict[str, int]] = defaultdict(lambda: dict.fromkeys(KINDS, 0))
    for (unit, day), counts in recount_by_day(app, db, earlier).items():
        if date(2020, 4, 1) <= day <= AS_OF:
            into = weeks[(unit, day - timedelta(days=day.weekday()))]
            for kind in KINDS:
                into[kind] += counts[kind]
    return dict(weeks)


def hanoi_day(received: object) -> date:
    when = datetime.fromisoformat(str(received))
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(HANOI).date()


def of(
    weeks: dict[tuple[str, date], dict[str, int]], unit: str | None
) -> dict[date, dict[str, int]]:
    """The weeks of one unit (None: every unit), the empty ones left out."""
    out: dict[date, dict[str, int]] = defaultdict(lambda: dict.fromkeys(KINDS, 0))
    for (u, monday), counts in weeks.items():
        if unit is None or u == unit:
            for kind in KINDS:
                out[monday][kind] += counts[kind]
    return {monday: c for monday, c in out.items() if any(c.values())}


def added_by_week(quarter: Path, scope: str) -> dict[date, dict[str, int]]:
    app = App(config_path=quarter)
    try:
        plan = app.plan(None, AS_OF)
        progress = plan_progress(app, plan, AS_OF)
        return {
            w.start - timedelta(days=w.start.weekday()): dict(w.added)
            for w in series(progress, progress.daily, scope).weeks
            if any(w.added.values())
        }
    finally:
        app.close()


def test_the_weeks_equal_a_recount_after_a_correction_and_a_move(run, quarter, tmp_path):
    db = quarter.parent / "tinbai.db"
    # Mail half an hour into a Monday in Hanoi: still Sunday in UTC, the week before.
    midnight = datetime(2020, 4, 27, 0, 30, tzinfo=HANOI)
    stamp = midnight.strftime("%a, %d %b %Y %H:%M:%S %z")
    eml = tmp_path / "midnight.eml"
    eml.write_bytes(
        build_message(
            sender="yte@example.org",
            subject="[Tin] Tin lúc nửa đêm",
            date=midnight,
            headers=[("Received", f"from mail.example.org by mx.example.org; {stamp}")],
        )
    )
    run("ingest-file", eml)
    app = App(config_path=quarter)
    try:
        before = recount(app, db, {})
        rows = (
            app.store.session()
            .execute(
                text(
                    "SELECT id, sender, received_at, status FROM messages ORDER BY received_at, id"
                )
            )
            .all()
        )
    finally:
        app.close()
    assert added_by_week(quarter, "plan") == of(before, None)
    assert added_by_week(quarter, "unit:tuan-giao") == of(before, "tuan-giao")

    # A correction in one week, and tuan-giao's sender moved to muong-cha from 20 April
    # on: its earlier mail stays with tuan-giao, what came after counts for muong-cha.
    first = next(r for r in rows if r.status == "counted" and r.sender == "tuangiao@example.org")
    run("submissions", "reclassify", str(first.id), "--news", "7", "--photo", "4", "--reason", "x")
    run("senders", "add", "tuangiao@example.org", "muong-cha", "--from", "2020-04-20")
    kept = {
        r.id: "tuan-giao"
        for r in rows
        if r.sender == "tuangiao@example.org" and hanoi_day(r.received_at) < date(2020, 4, 20)
    }
    assert kept
    assert len(kept) < sum(r.sender == "tuangiao@example.org" for r in rows)
    app = App(config_path=quarter)
    try:
        after = recount(app, db, kept)
    finally:
        app.close()
    assert of(after, None) != of(before, None)  # the correction shows
    assert added_by_week(quarter, "plan") == of(after, None)
    for unit in ("tuan-giao", "muong-cha"):
        assert of(after, unit) != of(before, unit)
        assert added_by_week(quarter, f"unit:{unit}") == of(after, unit)


def test_the_plan_and_the_seven_days_equal_a_recount_on_every_day(run, quarter):
    """The plan's, the seven days' and the weeks' counts come from one query cut at each
    Monday and at the seven days' start: on every day of the plan so far, each unit's
    figures equal a recount of the rows by day in Hanoi, after a correction and a move."""
    db = quarter.parent / "tinbai.db"
    run("submissions", "reclassify", "3", "--news", "5", "--article", "2", "--reason", "x")
    run("senders", "add", "tuangiao@example.org", "muong-cha", "--from", "2020-04-22")
    app = App(config_path=quarter)
    try:
        with app.store.session() as s:
            rows = s.execute(text("SELECT id, sender, received_at FROM messages")).all()
        kept = {
            r.id: "tuan-giao"
            for r in rows
            if r.sender == "tuangiao@example.org" and hanoi_day(r.received_at) < date(2020, 4, 22)
        }
        per_day = recount_by_day(app, db, kept)
        plan = app.plan(None, AS_OF)
        checked = 0
        for offset in range((AS_OF - plan.start).days + 1):
            day = plan.start + timedelta(days=offset)
            progress = plan_progress(app, plan, day)
            for unit in progress.units:
                whole = summed(per_day, unit.id, plan.start, day)
                seven = summed(per_day, unit.id, max(plan.start, day - timedelta(days=6)), day)
                assert dict(unit.counts) == whole, (day, unit.id)
                assert dict(unit.standing.week) == seven, (day, unit.id)
                checked += any(seven.values()) and whole != seven
        assert checked > 100  # weeks that began before the seven days, with mail in both
    finally:
        app.close()


def recount_by_day(
    app: App, db: Path, earlier: dict[int, str]
) -> dict[tuple[str, date], dict[str, int]]:
    """Counts per unit and day in Hanoi, read from the rows as an editor would by hand."""
    days: dict[tuple[str, date], dict[str, int]] = defaultdict(lambda: dict.fromkeys(KINDS, 0))
    mapping = app.sender_map()
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as c:
        overrides = {
            pk: {"news": n, "article": a, "photo": p}
            for pk, n, a, p in c.execute(
                text("SELECT message_pk, news, article, photo FROM overrides")
            )
        }
        items: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(KINDS, 0))
        for pk, kind, n in c.execute(text("SELECT message_pk, kind, count FROM items")):
            items[pk][kind] += n
        for pk, sender, received, status in c.execute(
            text("SELECT id, sender, received_at, status FROM messages")
        ):
            counts = overrides.get(pk) or (items[pk] if status == "counted" else None)
            unit = earlier.get(pk) or mapping.unit_for(sender)
            if counts is not None and unit in app.config.model.units:
                into = days[(unit, hanoi_day(received))]
                for kind in KINDS:
                    into[kind] += counts[kind]
    engine.dispose()
    return days


def summed(
    per_day: dict[tuple[str, date], dict[str, int]], unit: str, first: date, last: date
) -> dict[str, int]:
    out = dict.fromkeys(KINDS, 0)
    for (u, day), counts in per_day.items():
        if u == unit and first <= day <= last:
            for kind in KINDS:
                out[kind] += counts[kind]
    return out
