"""`tinbai senders …` and `tinbai unmapped`: who sends for which unit."""

from __future__ import annotations

import getpass
import json
from datetime import date

import click
from rich.console import Console
from rich.table import Table

from store import normalize_pattern
from tinbai.app import App
from tinbai.cli import cli
from tinbai.cli.common import as_of_option, pass_app, plan_option
from tinbai.config import _did_you_mean
from tinbai.report import plan_progress


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@cli.group()
def senders() -> None:
    """Map sender addresses (or whole @domains) to units."""


@senders.command("add")
@click.argument("address")
@click.argument("unit_id")
@pass_app
def senders_add(app: App, address: str, unit_id: str) -> None:
    """Map ADDRESS (name@host or @host) to UNIT_ID; its earlier mail counts too."""
    units = app.config.model.units
    if unit_id not in units:
        raise click.UsageError(f"no unit {unit_id!r}{_did_you_mean(unit_id, units)} — `tinbai units` lists them")
    try:
        pattern = normalize_pattern(address)
    except ValueError as e:
        raise click.UsageError(str(e)) from e
    old = app.store.add_sender(pattern, unit_id, actor=_actor(), now=app.now())
    name = units[unit_id].name
    if old == unit_id:
        click.echo(f"{pattern} already sends for {unit_id} ({name}); nothing changed")
    elif old:
        click.echo(f"{pattern} moved from {old} to {unit_id} ({name}), with its earlier mail")
    else:
        click.echo(f"{pattern} now sends for {unit_id} ({name}); its earlier mail counts too")


@senders.command("remove")
@click.argument("address")
@pass_app
def senders_remove(app: App, address: str) -> None:
    """Unmap ADDRESS; its mail counts for no one until mapped again."""
    try:
        pattern = normalize_pattern(address)
    except ValueError as e:
        raise click.UsageError(str(e)) from e
    old = app.store.remove_sender(pattern, actor=_actor(), now=app.now())
    if old is not None:
        click.echo(f"{pattern} no longer sends for {old}")
        return
    seeded = [uid for uid, u in app.config.model.units.items() if pattern in (s.lower() for s in u.senders)]
    if seeded:
        raise click.ClickException(
            f"{pattern} is mapped to {seeded[0]} in {app.config.path.name} — remove it from `senders` there"
        )
    click.echo(f"{pattern} was not mapped; nothing changed")


@senders.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_app
def senders_list(app: App, fmt: str) -> None:
    """Every mapping, from the database and from the config's `senders`."""
    rows = [(p, u, "database") for p, u in app.store.senders()]
    stored = {p for p, _, _ in rows}
    for unit_id, unit in app.config.model.units.items():
        rows += [(s.lower(), unit_id, "config") for s in unit.senders if s.lower() not in stored]
    rows.sort()
    if fmt == "json":
        click.echo(json.dumps([{"sender": p, "unit": u, "source": s} for p, u, s in rows], indent=2))
        return
    table = Table("sender", "unit", "source")
    for row in rows:
        table.add_row(*row)
    Console().print(table)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@as_of_option
@plan_option
@pass_app
def unmapped(app: App, fmt: str, as_of: date | None, plan_id: str | None) -> None:
    """Senders of the plan's period whose mail counts for no unit yet."""
    day = as_of or app.today()
    progress = plan_progress(app, app.plan(plan_id, day), day)
    if fmt == "json":
        data = [{"address": u.address, "name": u.name, "messages": u.messages} for u in progress.unmapped]
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    if not progress.unmapped:
        click.echo("no unknown senders")
        return
    table = Table("address", "name", "messages")
    for u in progress.unmapped:
        table.add_row(u.address, u.name, str(u.messages))
    Console().print(table)
    click.echo("map one with: tinbai senders add ADDRESS UNIT_ID")
