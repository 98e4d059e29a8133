"""`tinbai digest`: preview the editor's weekly digest, or send it now."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import click

from tinbai.app import App
from tinbai.cli import cli
from tinbai.cli.common import ISO_DATE, pass_app, plan_option

PREVIEW_KINDS = (".eml", ".html", ".htm", ".txt", ".xlsx")
_WEEK = re.compile(r"^(?:(\d{4})-?W)?(\d{1,2})$", re.IGNORECASE)


def _week_end(value: str, today: date) -> date:
    """``20`` (this year's ISO week 20) or ``2020-W20``: the Sunday that ends it."""
    match = _WEEK.match(value.strip())
    if not match:
        raise click.BadParameter(
            f"{value!r} is not a week like 20 or 2020-W20", param_hint="--week"
        )
    year = int(match.group(1)) if match.group(1) else today.isocalendar().year
    try:
        return date.fromisocalendar(year, int(match.group(2)), 7)
    except ValueError as e:
        raise click.BadParameter(
            f"{year} has no ISO week {match.group(2)}", param_hint="--week"
        ) from e


@cli.command()
@click.option(
    "--preview",
    "preview",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Write the digest as it would be sent: .eml, .html, .txt or .xlsx (- prints the text).",
)
@click.option(
    "--send", is_flag=True, help="Send it now to digest.to (once per week unless --force)."
)
@click.option(
    "--as-of",
    "as_of",
    type=ISO_DATE,
    help="The last day of the digest's week (default: the scheduled one).",
)
@click.option(
    "--week",
    "week",
    metavar="WEEK",
    help="The ISO week instead: 20 or 2020-W20 (ends on its Sunday).",
)
@click.option("--force", is_flag=True, help="Send even if this week's digest was sent already.")
@plan_option
@pass_app
def digest(  # noqa: PLR0917 — click hands every option over as an argument
    app: App,
    preview: Path | None,
    send: bool,
    as_of: date | None,
    week: str | None,
    force: bool,
    plan_id: str | None,
) -> None:
    """The editor's weekly progress email: preview it or send it."""
    # Rendering needs Jinja2, css-inline and openpyxl: imported here, so other commands start fast.
    from tinbai import digest_job  # noqa: PLC0415

    if preview is None and not send:
        raise click.UsageError("say what to do: --preview FILE, --send, or both")
    if as_of is not None and week is not None:
        raise click.UsageError("give --as-of or --week, not both")
    if preview is not None and str(preview) != "-" and preview.suffix.lower() not in PREVIEW_KINDS:
        raise click.UsageError(
            f"--preview {preview}: the name must end in {', '.join(PREVIEW_KINDS)}"
        )
    if week is not None:
        day = _week_end(week, app.today())
    else:
        day = as_of or digest_job.default_week_end(app)
    plan = app.plan(plan_id, day)
    if preview is not None:
        built = digest_job.build_digest(app, plan, day)
        _write_preview(app, preview, built)
    if send:
        outcome = digest_job.send_digest(app, plan, day, force=force)
        record = outcome.record
        week_no = outcome.week.end.isocalendar().week
        span = f"week {week_no} ({outcome.week.start} – {outcome.week.end})"
        if outcome.sent:
            click.echo(f"digest of {plan.id} for {span} sent to {', '.join(record.recipients)}")
        else:
            click.echo(
                f"digest of {plan.id} for {span} already sent on"
                f" {record.sent_at.astimezone(digest_job.digest_timezone(app)):%Y-%m-%d %H:%M}"
                f" to {', '.join(record.recipients)}; nothing sent (--force sends it again)"
            )


def _write_preview(app: App, path: Path, built: object) -> None:
    from tinbai.digest_job import Digest, message_for  # noqa: PLC0415

    assert isinstance(built, Digest)
    rendered = built.rendered
    if str(path) == "-":
        click.echo(f"Subject: {rendered.subject}\n\n{rendered.text}", nl=False)
        return
    suffix = path.suffix.lower()
    if suffix == ".eml":
        data = message_for(app, built).as_bytes()
    elif suffix in (".html", ".htm"):
        data = rendered.html_with_inline_chart().encode("utf-8")
    elif suffix == ".txt":
        data = rendered.text.encode("utf-8")
    else:
        data = rendered.attachment
    try:
        path.write_bytes(data)
    except OSError as e:
        raise click.ClickException(
            f"cannot write {path}: {e.strerror} — check the folder exists and is writable"
        ) from e
    click.echo(f"{rendered.subject}: written to {path}")
