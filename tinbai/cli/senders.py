"""`tinbai senders …` and `tinbai unmapped`: who sends for which unit."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import TextIO

import click

from tinbai import admin
from tinbai.app import App
from tinbai.cli import cli
from tinbai.cli.common import ISO_DATE, as_of_option, pass_app, plan_option
from tinbai.cli.table import FittedTable, cli_words, console, wide_option
from tinbai.paging import Page

UNMAPPED_TABLE_ROWS = 50  # a terminal shows the busiest strangers; --limit 0 lists them all


def _actor() -> str:
    return admin.cli_actor()


@cli.group()
def senders() -> None:
    """Map sender addresses (or whole @domains) to units."""


@senders.command("add")
@click.argument("address")
@click.argument("unit_id")
@click.option(
    "--from",
    "since",
    type=ISO_DATE,
    help="Mail received before this day stays with its old unit (default: all of it moves).",
)
@pass_app
def senders_add(app: App, address: str, unit_id: str, since: date | None) -> None:
    """Map ADDRESS (name@host or @host) to UNIT_ID; its earlier mail counts too."""
    try:
        change = admin.assign(app, address, unit_id, actor=_actor(), since=since)
    except admin.AdminError as e:
        raise click.UsageError(str(e)) from e
    pattern, name = change.pattern, app.config.model.units[unit_id].name
    if not change.changed:
        click.echo(f"{pattern} already sends for {unit_id} ({name}); nothing changed")
    elif change.old and change.since is not None:
        click.echo(
            f"{pattern} moved from {change.old} to {unit_id} ({name});"
            f" mail before {since} stays with {change.old}"
        )
    elif change.old:
        click.echo(
            f"{pattern} moved from {change.old} to {unit_id} ({name}), with its earlier mail"
        )
    else:
        click.echo(f"{pattern} now sends for {unit_id} ({name}); its earlier mail counts too")


@senders.command("remove")
@click.argument("address")
@pass_app
def senders_remove(app: App, address: str) -> None:
    """Unmap ADDRESS; its mail counts for no one until mapped again."""
    try:
        pattern, old = admin.unassign(app, address, actor=_actor())
    except admin.AdminError as e:
        raise click.UsageError(str(e)) from e
    if old is not None:
        click.echo(f"{pattern} no longer sends for {old}")
        return
    seeded = [
        uid
        for uid, u in app.config.model.units.items()
        if pattern in (s.lower() for s in u.senders)
    ]
    if seeded:
        raise click.ClickException(
            f"{pattern} is mapped to {seeded[0]} in {app.config.path.name}"
            " — remove it from `senders` there"
        )
    click.echo(f"{pattern} was not mapped; nothing changed")


@senders.command("list")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option("--search", default="", metavar="TEXT", help="Only senders or units containing TEXT.")
@wide_option
@pass_app
def senders_list(app: App, fmt: str, search: str, wide: bool) -> None:
    """Every mapping, from the database and from the config's `senders`."""
    rows = admin.mappings(app, search)
    if fmt == "json":
        data = [{"sender": r.pattern, "unit": r.unit_id, "source": r.source} for r in rows]
        click.echo(json.dumps(data, indent=2))
        return
    t = cli_words(app.config.model.language)
    table = FittedTable(
        t["sender"], t["unit"], t["source"], wide=wide, shorten=(t["sender"], t["source"])
    )
    for r in rows:
        table.add_row(r.pattern, r.unit_id, t.get(f"source_{r.source}", r.source))
    console(wide=wide).print(table)


@senders.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
@pass_app
def senders_import(app: App, file: TextIO) -> None:
    """Map every row of a CSV file (columns `sender`, `unit`): all rows, or none if one is wrong."""
    name = getattr(file, "name", "CSV")
    rows = admin.parse_senders_csv(file.read(), app, name=str(name))
    if not rows:
        click.echo(f"{name}: no rows; nothing changed")
        return
    done = admin.import_senders(app, rows, actor=_actor())
    click.echo(
        f"{name}: {done.added} sender(s) added, {done.moved} moved, {done.unchanged} unchanged"
    )


@senders.command("export")
@click.argument("file", type=click.File("w", encoding="utf-8"), default="-")
@pass_app
def senders_export(app: App, file: TextIO) -> None:
    """Write every mapping as CSV to FILE (default: standard output); `import` reads it back."""
    file.write(admin.export_senders_csv(app))


@cli.command()
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=None,
    help=f"List the N senders with the most messages (0: all; default: {UNMAPPED_TABLE_ROWS}"
    " in the table, all in JSON).",
)
@as_of_option
@plan_option
@wide_option
@pass_app
def unmapped(
    app: App,
    *,
    fmt: str,
    limit: int | None,
    as_of: date | None,
    plan_id: str | None,
    wide: bool,
) -> None:
    """Senders of the plan's period whose mail counts for no unit yet, most messages first."""
    day = as_of or app.today()
    if limit is None:
        limit = 0 if fmt == "json" else UNMAPPED_TABLE_ROWS
    strangers, at = admin.unknown_page(
        app, app.plan(plan_id, day), day, page=Page(size=limit or None)
    )
    if fmt == "json":
        data = [
            {
                "address": u.address,
                "name": u.name,
                "messages": u.messages,
                "first_seen": _iso(u.first_seen),
                "last_seen": _iso(u.last_seen),
                "subjects": list(u.subjects),
                "suggested_unit": u.suggested,
            }
            for u in strangers
        ]
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    t = cli_words(app.config.model.language)
    if not strangers:
        click.echo(t["no_unknown"])
        return
    table = FittedTable(
        t["address"],
        t["name"],
        t["messages"],
        t["first_seen"],
        t["last_seen"],
        t["latest_subjects"],
        wide=wide,
        shorten=(t["address"], t["name"], t["latest_subjects"]),
        at_most={t["address"]: 24, t["name"]: 16},
    )
    for u in strangers:
        table.add_row(
            u.address,
            u.name,
            str(u.messages),
            _day(u.first_seen),
            _day(u.last_seen),
            " | ".join(u.subjects),
        )
    console(wide=wide).print(table)
    if at.total > len(strangers):
        click.echo(t["unmapped_more"].format(shown=len(strangers), total=at.total))
    click.echo(t["map_one"])


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _day(moment: datetime | None) -> str:
    return "" if moment is None else f"{moment:%Y-%m-%d %H:%M}"
