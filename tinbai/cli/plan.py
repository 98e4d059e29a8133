"""`tinbai plan new` and `tinbai plan check`: next quarter's plan, and the config's check."""

from __future__ import annotations

import click

from texts import text
from tinbai.app import App
from tinbai.cli import cli
from tinbai.cli.common import ISO_DATE, pass_app
from tinbai.config import config_path, load_config
from tinbai.errors import ConfigError
from tinbai.planfile import add_plan, overlaps, plan_totals, quantities


@cli.group()
def plan() -> None:
    """Next quarter's plan: write one from another plan, check the config."""


@plan.command("new")
@click.argument("plan_id", metavar="ID")
@click.option("--from", "from_id", required=True, metavar="ID", help="The plan to copy.")
@click.option("--start", required=True, type=ISO_DATE, help="The new plan's first day.")
@click.option("--end", required=True, type=ISO_DATE, help="The new plan's last day.")
@pass_app
def plan_new(app: App, plan_id: str, from_id: str, start: object, end: object) -> None:
    """Add plan ID to the config: FROM's quotas and notes over a new period, comments kept."""
    path = config_path(app.config_path)
    written = add_plan(path, plan_id, from_id, start, end)  # type: ignore[arg-type]
    language = written.config.model.language
    new = written.plan
    summed = next(t.summed for t in plan_totals(written.config) if t.plan.id == new.id)
    for line in (
        text(
            "plans.written",
            language,
            id=new.id,
            start=new.start,
            end=new.end,
            path=path,
            source=written.source.id,
        ),
        text("plans.written_title", language, title=new.title),
        text("plans.written_quota", language, quantities=quantities(dict(summed), language)),
        text("plans.written_edit", language),
    ):
        click.echo(line)


@plan.command("check")
@pass_app
def plan_check(app: App) -> None:
    """Validate the config and print each plan's totals per kind."""
    path = config_path(app.config_path)
    try:
        config = load_config(path)
    except ConfigError as e:
        for line in e.problems or (str(e),):
            click.echo(f"tinbai: {line}", err=True)
        raise SystemExit(e.exit_code) from e
    language = config.model.language
    click.echo(text("plans.check_valid", language, path=path))
    for totals in plan_totals(config):
        p = totals.plan
        click.echo(
            text("plans.check_plan", language, id=p.id, start=p.start, end=p.end, title=p.title)
        )
        click.echo(
            "  "
            + text(
                "plans.check_rows", language, quantities=quantities(dict(totals.summed), language)
            )
        )
        stated = (
            text("plans.check_stated", language, quantities=quantities(totals.stated, language))
            if totals.stated is not None
            else text("plans.check_no_stated", language)
        )
        click.echo("  " + stated)
    for first, second in overlaps(config):
        overlap = text(
            "plans.check_overlap",
            language,
            first=first.id,
            second=second.id,
            start=second.start,
            end=min(first.end, second.end),
        )
        click.echo(text("plans.warning", language, warning=overlap))
    for warning in config.warnings:
        click.echo(text("plans.warning", language, warning=warning))
