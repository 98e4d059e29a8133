"""`tinbai report` and `tinbai units`: where the plan stands."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Mapping
from datetime import date

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from classify.message import KINDS
from digest.i18n import labels
from digest.progress import PlanProgress, as_json, percent_text
from tinbai.admin import corrected
from tinbai.app import App
from tinbai.cli import cli
from tinbai.cli.common import as_of_option, pass_app, plan_option
from tinbai.cli.table import FittedTable, console, wide_option
from tinbai.report import plan_progress


@cli.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@as_of_option
@plan_option
@wide_option
@pass_app
def report(app: App, fmt: str, as_of: object, plan_id: str | None, wide: bool) -> None:
    """Progress of every group and unit against the plan's quotas."""
    day = as_of if as_of is not None else app.today()
    if fmt == "json":
        click.echo(json.dumps(report_json(app, plan_id, day), ensure_ascii=False, indent=2))  # type: ignore[arg-type]
        return
    plan = app.plan(plan_id, day)  # type: ignore[arg-type]
    progress = plan_progress(app, plan, day)  # type: ignore[arg-type]
    manual = corrected(app, plan, day)  # type: ignore[arg-type]
    if fmt == "csv":
        _write_csv(progress)
    else:
        out = console(wide=wide)
        _print_table(out, progress, app.config.model.language, wide=wide)
        if manual:
            ids = ", ".join(f"#{i}" for i in manual)
            out.print(
                f"counts set by hand in {len(manual)} message(s): {ids} — tinbai submissions show ID",
                markup=False,
            )


def report_json(app: App, plan_id: str | None, day: date) -> dict[str, object]:
    """What `report --format json` prints: the stable contract other tools read."""
    plan = app.plan(plan_id, day)
    manual = corrected(app, plan, day)
    return as_json(plan_progress(app, plan, day), app.config.model.language) | {
        "manual": {"messages": len(manual), "ids": manual}
    }


def _cell(count: int, quota: int | None) -> str:
    if quota is None:
        return str(count) if count else "·"
    return f"{count}/{quota} ({percent_text(count, quota)})"


def _print_table(console: Console, progress: PlanProgress, language: str, *, wide: bool) -> None:
    t = labels(language)
    table = FittedTable(
        t["unit"],
        wide=wide,
        shorten=(t["unit"],),
        title=f"{progress.title} — {t['as_of']} {progress.as_of:%d/%m/%Y}",
        title_justify="left",
        show_lines=False,
    )
    for kind in KINDS:
        table.add_column(t[kind], justify="right", no_wrap=True)
    table.add_row(
        Text(t["totals"], style="bold"),
        *(_cell(progress.totals[k], progress.totals_quota[k]) for k in KINDS),
    )
    for group in progress.groups:
        table.add_section()
        table.add_row(
            Text(group.name, style="bold"), *(_cell(group.counts[k], group.quota[k]) for k in KINDS)
        )
        for unit in (u for u in progress.units if u.group == group.id):
            table.add_row(
                f"  {unit.name}",
                *(_unit_cell(unit.counts[k], unit.quota[k], unit.minimum[k]) for k in KINDS),
            )
    console.print(table)
    if progress.themes:
        _print_themes(console, progress, language, wide=wide)
    if progress.unmapped:
        console.print(
            f"{t['unmapped']}: "
            + ", ".join(f"{u.address} ({u.messages} {t['messages']})" for u in progress.unmapped)
        )


def _print_themes(console: Console, progress: PlanProgress, language: str, *, wide: bool) -> None:
    """Pieces per theme of the plan; a theme with nothing yet is flagged, not left out."""
    t = labels(language)
    table = FittedTable(
        t["theme"], wide=wide, shorten=(t["theme"],), title=t["themes"], title_justify="left"
    )
    for kind in KINDS:
        table.add_column(t[kind], justify="right", no_wrap=True)
    table.add_column(t["theme_pieces"], justify="right", no_wrap=True)
    for theme in progress.themes:
        c = theme.coverage
        table.add_row(
            Text(theme.name, style="" if c.pieces else "bold red"),
            *(str(c.counts[k]) if c.counts[k] else "·" for k in KINDS),
            str(c.pieces) if c.pieces else Text(t["theme_nothing"], style="bold red"),
        )
    console.print(table)


def _unit_cell(count: int, quota: int | None, minimum: int | None) -> str:
    if quota is None and minimum is not None:
        mark = "✓" if count >= minimum else "✗"
        return f"{count}/{minimum} {mark}"
    return _cell(count, quota)


def _write_csv(progress: PlanProgress) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    header = ["level", "id", "name", "group"]
    for kind in KINDS:
        header += [f"{kind}_count", f"{kind}_quota", f"{kind}_member_minimum"]
    writer.writerow(header)

    def cells(
        counts: Mapping[str, int],
        quota: Mapping[str, int | None],
        minimum: Mapping[str, int | None],
    ) -> list[object]:
        out: list[object] = []
        for kind in KINDS:
            out += [counts[kind], _blank(quota[kind]), _blank(minimum.get(kind))]
        return out

    writer.writerow(
        [
            "plan",
            progress.plan_id,
            progress.title,
            "",
            *cells(progress.totals, progress.totals_quota, {}),
        ]
    )
    for g in progress.groups:
        writer.writerow(["group", g.id, g.name, "", *cells(g.counts, g.quota, g.member_minimum)])
    for u in progress.units:
        writer.writerow(["unit", u.id, u.name, u.group, *cells(u.counts, u.quota, {})])


def _blank(value: int | None) -> object:
    return "" if value is None else value


@cli.command()
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@pass_app
def units(app: App, fmt: str) -> None:
    """The groups and units of the config, with their ids."""
    model = app.config.model
    if fmt == "json":
        data = [
            {"id": uid, "name": u.name, "group": u.group, "senders": u.senders}
            for uid, u in model.units.items()
        ]
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    t = labels(model.language)
    table = Table(t["id"], t["unit"], t["group"])
    for group_id, group in model.groups.items():
        table.add_section()
        for unit_id, unit in model.units.items():
            if unit.group == group_id:
                table.add_row(unit_id, unit.name, group.name)
    Console().print(table)
