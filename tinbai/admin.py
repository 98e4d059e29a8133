"""What the admin and the editor do, shared by the CLI and the web pages.

Each function validates its input against the config (unit ids, sender
patterns) and raises `AdminError` with one line a clerk can act on; the store
does the writing and the audit log.
"""

from __future__ import annotations

import csv
import getpass
import io
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from digest.progress import PlanProgress
from store import mappings as sender_maps
from store import normalize_pattern
from store import submissions as q
from store.models import MAX_ID
from tinbai.app import App
from tinbai.config import PlanConfig, UnitConfig, _did_you_mean
from tinbai.errors import TinbaiError
from tinbai.paging import WHOLE, Page
from tinbai.report import named, plan_progress, plan_window, strangers

STATUSES: tuple[str, ...] = ("counted", "ignored", "needs-review", "failed")
MAX_COUNT = 1000  # a message with more pieces than this is a typing slip


class AdminError(TinbaiError):
    """A change the admin asked for cannot be made as given."""


def cli_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


# --------------------------------------------------------------------------- mappings


def check_unit(app: App, unit_id: str) -> str:
    units = app.config.model.units
    if unit_id not in units:
        raise AdminError(
            f"no unit {unit_id!r}{_did_you_mean(unit_id, units)} — `tinbai units` lists them"
        )
    return unit_id


def check_pattern(pattern: str) -> str:
    try:
        return normalize_pattern(pattern)
    except ValueError as e:
        raise AdminError(str(e)) from e


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP, "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def check_new_pattern(pattern: str) -> str:
    """`check_pattern`, refusing also what a spreadsheet would run as a formula.

    For a new mapping only: an existing one can still be removed whatever it looks like.
    """
    value = check_pattern(pattern)
    body = value.removeprefix("@")
    if body.startswith(FORMULA_START):
        raise AdminError(
            f"{value!r} starts with {body[0]!r}, which a spreadsheet runs as"
            " a formula — no real sender address starts so; check where it came from"
        )
    return value


def current_unit(app: App, pattern: str) -> str | None:
    """The unit mail matching ``pattern`` counts for now (database, then config seed)."""
    mapping = app.sender_map()
    if pattern.startswith("@"):
        return mapping.stored.get(pattern) or mapping.seeded.get(pattern)
    return mapping.unit_for(pattern)


def day_start(app: App, day: date) -> datetime:
    """Midnight at the start of ``day`` in the plan's timezone."""
    return datetime.combine(day, time(), app.config.plan_timezone(app.plan()))


def assign(
    app: App, address: str, unit_id: str, *, actor: str, since: date | None = None
) -> sender_maps.MappingChange:
    """Map a sender to a unit; its earlier mail moves too unless ``since`` keeps it where it was."""
    pattern = check_new_pattern(address)
    check_unit(app, unit_id)
    return sender_maps.map_sender(
        app.store.session,
        pattern,
        unit_id,
        current=current_unit(app, pattern),
        since=None if since is None else day_start(app, since),
        actor=actor,
        now=app.now(),
    )


def unassign(app: App, address: str, *, actor: str) -> tuple[str, str | None]:
    """Unmap a sender: (its pattern, the unit the database mapped it to, or None if it did not).

    None of its mail counts any more, not even what a `--from` move kept with an
    earlier unit, unless a seed in the config maps it.
    """
    pattern = check_pattern(address)
    return pattern, sender_maps.unmap_sender(app.store.session, pattern, actor=actor, now=app.now())


@dataclass(frozen=True)
class MappingRow:
    pattern: str
    unit_id: str
    source: str  # "database" | "config"


def mappings(app: App, search: str = "") -> list[MappingRow]:
    """Every mapping, from the database and from the config's `senders` (database wins)."""
    return mappings_page(app, search)[0]


def mappings_page(app: App, search: str = "", page: Page = WHOLE) -> tuple[list[MappingRow], Page]:
    """One page of `mappings`, by pattern (its domain first), placed in the whole list.

    The config's seeds are merged in, so the list is sorted and cut here, not by the
    database; a row is made only for the page.
    """
    found = [(p, u, "database") for p, u in app.store.senders()]
    stored = {p for p, _, _ in found}
    for unit_id, unit in app.config.model.units.items():
        found += [(p, unit_id, "config") for s in unit.senders if (p := s.lower()) not in stored]
    needle = search.strip().lower()
    if needle:
        units = app.config.model.units
        found = [r for r in found if needle in f"{r[0]} {r[1]} {_unit_name(units, r[1])}".lower()]
    found.sort(key=lambda r: (r[0].lstrip("@"), r[0]))
    at = page.of(len(found))
    return [MappingRow(*r) for r in found[at.start : at.end]], at


def _unit_name(units: Mapping[str, UnitConfig], unit_id: str) -> str:
    unit = units.get(unit_id)
    return unit.name if unit else ""


# --------------------------------------------------------------------------- CSV


CSV_HEADER: tuple[str, ...] = ("sender", "unit")


def parse_senders_csv(text: str, app: App, *, name: str = "CSV") -> list[tuple[str, str]]:
    """(pattern, unit) rows of a senders CSV, or AdminError naming every bad row.

    The first line is a header with the columns `sender` and `unit` (other
    columns are ignored, so an exported file imports again); `,`, `;` and tab
    separate columns, as spreadsheets write them.
    """
    text = text.removeprefix("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in CSV_HEADER if c not in header]
    if missing:
        raise AdminError(
            f"{name}: the first row must name the columns {', '.join(CSV_HEADER)}"
            f" (missing: {', '.join(missing)}) — add the header row"
        )
    col_sender, col_unit = header.index("sender"), header.index("unit")
    units = app.config.model.units
    rows: list[tuple[str, str]] = []
    seen: dict[str, tuple[str, int]] = {}
    errors: list[str] = []
    for record in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        if len(record) <= max(col_sender, col_unit):
            errors.append(
                f"row {line}: {len(record)} column(s),"
                f" expected at least {max(col_sender, col_unit) + 1}"
            )
            continue
        # A leading ' is how a spreadsheet keeps "@domain" from being read as a formula.
        raw = record[col_sender].strip().removeprefix("'")
        unit_id = _unescape_cell(record[col_unit].strip())
        try:
            pattern = check_new_pattern(raw)
        except AdminError as e:
            errors.append(f"row {line}: {e}")
            continue
        if unit_id not in units:
            errors.append(f"row {line}: unknown unit {unit_id!r}{_did_you_mean(unit_id, units)}")
            continue
        if pattern in seen and seen[pattern][0] != unit_id:
            errors.append(
                f"row {line}: {pattern} is mapped to {seen[pattern][0]}"
                f" on row {seen[pattern][1]} already"
            )
            continue
        seen[pattern] = (unit_id, line)
        rows.append((pattern, unit_id))
    if errors:
        shown = "; ".join(errors[:5]) + (f"; and {len(errors) - 5} more" if len(errors) > 5 else "")
        raise AdminError(
            f"{name}: {shown} — nothing was imported; fix the row(s) and import the file again"
        )
    return rows


def import_senders(
    app: App, rows: Sequence[tuple[str, str]], *, actor: str
) -> sender_maps.ImportResult:
    """Map every row in one transaction (all rows or none)."""
    return sender_maps.import_mappings(
        app.store.session,
        rows,
        current_of=lambda p: current_unit(app, p),
        actor=actor,
        now=app.now(),
    )


def spreadsheet_cell(value: str) -> str:
    """``value`` as a spreadsheet shows it as text: a formula-like start gets a leading `'`."""
    return f"'{value}" if value.startswith(FORMULA_START) else value


def _unescape_cell(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_START) else value


def export_senders_csv(app: App) -> str:
    """Every mapping as CSV; no cell can run as a formula (`@domain` is written `'@domain`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*CSV_HEADER, "unit_name", "source"])
    units = app.config.model.units
    for row in mappings(app):
        cells = (row.pattern, row.unit_id, _unit_name(units, row.unit_id), row.source)
        writer.writerow([spreadsheet_cell(cell) for cell in cells])
    return out.getvalue()


# --------------------------------------------------------------------------- unknown senders


@dataclass(frozen=True)
class UnknownSender:
    address: str
    name: str
    messages: int
    first_seen: datetime | None
    last_seen: datetime | None
    subjects: tuple[str, ...]
    message_ids: tuple[int, ...]
    suggested: str | None = None  # the unit other addresses of its domain send for, if only one


def suggest_unit(rows: Sequence[MappingRow], address: str) -> str | None:
    """The unit every mapped colleague at the same domain sends for, when they agree."""
    return _suggester(rows)(address)


def _suggester(rows: Sequence[MappingRow]) -> Callable[[str], str | None]:
    """`suggest_unit` for many addresses: the mappings read once, by domain."""
    units_at: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        if "@" in r.pattern:
            units_at["@" + r.pattern.rsplit("@", 1)[-1]].add(r.unit_id)

    def suggest(address: str) -> str | None:
        units = units_at.get("@" + address.rsplit("@", 1)[-1].lower(), set())
        return next(iter(units)) if len(units) == 1 else None

    return suggest


def unknown_senders(
    app: App, plan: PlanConfig, as_of: date, *, samples: int = 3
) -> list[UnknownSender]:
    """The plan's senders whose mail counts for no unit yet, most messages first."""
    return unknown_page(app, plan, as_of, samples=samples)[0]


def unknown_page(
    app: App, plan: PlanConfig, as_of: date, *, samples: int = 3, page: Page = WHOLE
) -> tuple[list[UnknownSender], Page]:
    """One page of `unknown_senders`, placed in the whole list (past its end, the last page).

    Only the page's names, first and last mail and subjects are read.
    """
    start, end = plan_window(app, plan, as_of)
    every = strangers(app, app.sender_map(), start, end)
    at = page.of(len(every))
    shown = named(app, every[at.start : at.end], start, end)
    activity = q.sender_activity(
        app.store.session, [u.address for u in shown], start, end, samples=samples
    )
    suggest = _suggester(mappings(app))
    out = []
    for u in shown:
        seen = activity.get(u.address)
        out.append(
            UnknownSender(
                u.address,
                u.name,
                u.messages,
                seen.first_seen if seen else None,
                seen.last_seen if seen else None,
                seen.subjects if seen else (),
                seen.message_ids if seen else (),
                suggest(u.address) if "@" in u.address else None,
            )
        )
    return out, at


def corrected(app: App, plan: PlanConfig, as_of: date) -> list[int]:
    """Numbers of the plan's messages whose counts were set by hand, oldest first."""
    start, end = plan_window(app, plan, as_of)
    rows = q.list_submissions(app.store.session, since=start, until=end, overridden_only=True)
    return sorted(r.id for r in rows)


def progress(app: App, as_of: date | None = None, plan_id: str | None = None) -> PlanProgress:
    day = as_of or app.today()
    return plan_progress(app, app.plan(plan_id, day), day)


# --------------------------------------------------------------------------- submissions


@dataclass(frozen=True)
class Submission:
    row: q.SubmissionRow
    unit_id: str | None  # the unit it counts for, None for an unknown sender


def submissions(
    app: App,
    *,
    unit_id: str | None = None,
    since: date | None = None,
    status: str | None = None,
    overridden_only: bool = False,
    limit: int = 500,
) -> list[Submission]:
    """Messages newest first, each with the unit it counts for.

    One unit's are asked of the database by the patterns that can send for it (its
    mappings, and the earlier ones a `--from` move kept), then each row's unit is decided
    as for any message; rows another unit claims are dropped, and the next rows read,
    until ``limit`` are found or none are left.
    """
    if unit_id is not None:
        check_unit(app, unit_id)
    if status is not None and status not in STATUSES:
        raise AdminError(f"no status {status!r} — use one of {', '.join(STATUSES)}")
    mapping = app.sender_map()
    with app.store.session() as s:
        periods = sender_maps.load_periods(s)

    def unit_of(row: q.SubmissionRow) -> str | None:
        return periods.unit_at(row.sender, row.received_at) or mapping.unit_for(row.sender)

    def read(
        offset: int, senders: Sequence[str] | None = None, domains: Sequence[str] = ()
    ) -> list[q.SubmissionRow]:
        return q.list_submissions(
            app.store.session,
            since=None if since is None else day_start(app, since),
            statuses=(status,) if status else (),
            senders=senders,
            domains=domains,
            overridden_only=overridden_only,
            limit=limit,
            offset=offset,
        )

    if unit_id is None:
        return [Submission(row, unit_of(row)) for row in read(0)]
    patterns = mapping.patterns_of(unit_id) | periods.patterns_of(unit_id)
    senders = sorted(p for p in patterns if not p.startswith("@"))
    domains = sorted(p for p in patterns if p.startswith("@"))
    out: list[Submission] = []
    offset = 0
    while len(out) < limit:
        rows = read(offset, senders, domains)
        out += [Submission(row, unit_id) for row in rows if unit_of(row) == unit_id]
        if len(rows) < limit:
            break
        offset += limit
    return out[:limit]


def _no_message(message_pk: int) -> AdminError:
    return AdminError(f"no message #{message_pk} — `tinbai submissions list` shows their numbers")


def check_message_pk(message_pk: int) -> int:
    """``message_pk`` when it can name a message; a number beyond the id column names none."""
    if not 1 <= message_pk <= MAX_ID:
        raise _no_message(message_pk)
    return message_pk


def submission(app: App, message_pk: int) -> tuple[q.SubmissionDetail, str | None]:
    detail = q.get_submission(app.store.session, check_message_pk(message_pk))
    if detail is None:
        raise _no_message(message_pk)
    with app.store.session() as s:
        periods = sender_maps.load_periods(s)
    row = detail.row
    return detail, periods.unit_at(row.sender, row.received_at) or app.sender_map().unit_for(
        row.sender
    )


def reclassify(
    app: App, message_pk: int, counts: Mapping[str, int], *, reason: str, actor: str
) -> tuple[dict[str, int], dict[str, int]]:
    """Set a message's counts by hand; (old, new). They stay through every later poll."""
    for kind, value in counts.items():
        if not 0 <= value <= MAX_COUNT:
            raise AdminError(f"{kind} {value}: give a count between 0 and {MAX_COUNT}")
    done = q.set_override(
        app.store.session,
        check_message_pk(message_pk),
        counts,
        reason=reason.strip(),
        actor=actor,
        now=app.now(),
    )
    if done is None:
        raise _no_message(message_pk)
    return done


def clear_reclassification(app: App, message_pk: int, *, actor: str) -> bool:
    if q.get_submission(app.store.session, check_message_pk(message_pk)) is None:
        raise _no_message(message_pk)
    return q.clear_override(app.store.session, message_pk, actor=actor, now=app.now())
