"""`tinbai remind` (reminders to units behind pace) and `tinbai receipts` (the receipts log)."""

from __future__ import annotations

from datetime import date

import click

from store.receipts import receipt_log
from texts import text
from tinbai.app import App
from tinbai.cli import cli
from tinbai.cli.common import ISO_DATE, pass_app
from tinbai.reminders import language, missing_text, remind
from tinbai.unitmail import running_plan

_LINE = {
    "would-send": "cli.remind_would",
    "sent": "cli.remind_sent",
}


@cli.command("remind")
@click.option("--dry-run", is_flag=True, help="Print who would get what; send nothing.")
@click.option("--as-of", "as_of", type=ISO_DATE, help="The reminder's date (default: today).")
@pass_app
def remind_command(app: App, dry_run: bool, as_of: date | None) -> None:
    """Email each unit behind pace what it still misses against its quota (once per date)."""
    lang = language(app)
    day = as_of or app.today()
    if running_plan(app, day) is None:
        click.echo(text("cli.remind_no_plan", lang, as_of=day.isoformat()))
        return
    outcomes = remind(app, day, dry_run=dry_run)
    if not outcomes:
        click.echo(text("cli.remind_none", lang, as_of=day.isoformat()))
        return
    failed = []
    for outcome in outcomes:
        r = outcome.reminder
        missing = missing_text(r, lang)
        if outcome.state == "already":
            click.echo(text("cli.remind_already", lang, unit=r.unit, day=day.isoformat()))
        elif outcome.state == "no-address":
            click.echo(text("cli.remind_no_address", lang, unit=r.unit, unit_id=r.unit_id))
        elif outcome.state == "failed":  # said as not sent, never as sent
            reason = outcome.note
            click.echo(
                text("cli.remind_failed", lang, unit=r.unit, to=", ".join(r.to), reason=reason)
            )
        else:
            click.echo(
                text(_LINE[outcome.state], lang, unit=r.unit, to=", ".join(r.to), missing=missing)
            )
        if outcome.state == "failed":
            failed.append(r.unit)
    if failed:
        raise click.ClickException(
            text("cli.remind_some_failed", lang, n=len(failed), units=", ".join(failed))
        )


@cli.command("receipts")
@pass_app
def receipts_command(app: App) -> None:
    """The latest receipts to units: sent, due, waiting for the interval, or unsure."""
    rows = receipt_log(app.store)
    if not rows:
        click.echo(text("cli.receipts_none", app.config.model.language))
        return
    for row in rows:
        when = (row.sent_at or row.queued_at).isoformat(timespec="minutes")
        click.echo(
            f"{when}  {row.state:<8} {row.sender}  {row.subject}  {row.receipt_id or ''}".rstrip()
        )
