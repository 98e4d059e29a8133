"""`tinbai poll` (one poll now) and `tinbai run` (the long-running service)."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

import click

from tinbai.app import App
from tinbai.cli import cli
from tinbai.cli.common import pass_app
from tinbai.config import mailbox_names
from tinbai.errors import TinbaiError
from tinbai.polling import poll_once

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

log = logging.getLogger(__name__)

BAR_FROM = 500  # a bar is worth showing only on a big first sync


MAILBOX_OPTION = click.option(
    "--mailbox",
    "mailboxes",
    multiple=True,
    metavar="NAME",
    help="Only this mailbox of [mailboxes.NAME] (may be repeated); default: every one.",
)


@cli.command()
@click.option(
    "--wait",
    type=float,
    default=0,
    show_default=True,
    help="Seconds to wait for another poll of the same mailbox to finish.",
)
@MAILBOX_OPTION
@pass_app
def poll(app: App, wait: float, mailboxes: tuple[str, ...]) -> None:
    """Poll the mailboxes once: count what is new, then exit."""
    names: list[str | None] = [*mailboxes] or [*mailbox_names(app.config)] or [None]
    if len(names) == 1:
        click.echo(_poll_one(app, wait, names[0]))
        _receipts(app)
        return
    failed = 0
    for name in names:  # one mailbox failing does not keep the others from being polled
        try:
            click.echo(f"{name}: {_poll_one(app, wait, name)}")
        except TinbaiError as e:
            failed += 1
            click.echo(f"tinbai: {name}: {e}", err=True)
    _receipts(app)
    if failed:
        raise SystemExit(1)


def _receipts(app: App) -> None:
    """The receipts that are due, as `tinbai run` sends them after a poll (if enabled).

    So a `tinbai poll` from cron answers units too; a receipt that cannot go out now
    stays due for the next poll (logged), and the poll's own result stands.
    """
    if not app.config.model.receipts.enabled:
        return
    from tinbai.receipts import send_due_receipts  # noqa: PLC0415 — only when receipts are on

    try:
        send_due_receipts(app)
    except TinbaiError as e:
        click.echo(f"tinbai: receipts not sent: {e}", err=True)
        raise SystemExit(1) from None


def _poll_one(app: App, wait: float, name: str | None) -> str:
    bar: Progress | None = None
    task: TaskID | None = None

    def progress(done: int, total: int) -> None:
        nonlocal bar, task
        if total < BAR_FROM or not sys.stderr.isatty():
            return
        if bar is None:
            # Only a big first sync draws a bar: the poll of every few minutes never loads rich.
            from rich.progress import (  # noqa: PLC0415
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            bar = Progress(
                TextColumn("fetching"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                transient=True,
            )
            bar.start()
            task = bar.add_task("poll", total=total)
        assert task is not None
        bar.update(task, completed=done, total=total)

    try:
        stats = poll_once(app, progress, wait=wait, mailbox_name=name)
    finally:
        if bar is not None:
            bar.stop()
    return stats.summary()


@cli.command()
@MAILBOX_OPTION
@click.option(
    "--no-poll",
    is_flag=True,
    help="Poll no mailbox: only the digest (and the web admin if enabled).",
)
@pass_app
def run(app: App, mailboxes: tuple[str, ...], no_poll: bool) -> None:
    """Run the service: poll on schedule, send the weekly digest; stop on SIGTERM/SIGINT.

    With --mailbox, this process only polls those mailboxes (one process per mailbox on
    one PostgreSQL database); run the digest and the web admin in one `--no-poll` process.
    """
    from tinbai.service import Service, run_lock, web_component  # noqa: PLC0415 — APScheduler is imported only by `run`

    if mailboxes and no_poll:
        raise click.UsageError("--mailbox and --no-poll exclude each other")
    whole = not mailboxes  # the digest and the web admin run in the process without --mailbox
    components = [web_component(app)] if whole and app.config.model.web.enabled else []
    service = Service(app, components, mailboxes=mailboxes or None, digest=whole)
    if no_poll:
        service.mailboxes, service.sessions = [], {}
    with run_lock(app):
        service.run_forever()
