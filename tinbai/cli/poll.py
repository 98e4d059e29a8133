"""`tinbai poll` (one poll now) and `tinbai run` (the long-running service)."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

import click

from tinbai.app import App
from tinbai.cli import cli
from tinbai.cli.common import pass_app
from tinbai.polling import poll_once

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

log = logging.getLogger(__name__)

BAR_FROM = 500  # a bar is worth showing only on a big first sync


@cli.command()
@click.option(
    "--wait",
    type=float,
    default=0,
    show_default=True,
    help="Seconds to wait for another poll of the same mailbox to finish.",
)
@pass_app
def poll(app: App, wait: float) -> None:
    """Poll the mailbox once: count what is new, then exit."""
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
        stats = poll_once(app, progress, wait=wait)
    finally:
        if bar is not None:
            bar.stop()
    click.echo(stats.summary())


@cli.command()
@pass_app
def run(app: App) -> None:
    """Run the service: poll on schedule, send the weekly digest; stop on SIGTERM/SIGINT."""
    from tinbai.service import Service, web_component  # noqa: PLC0415 — APScheduler is imported only by `run`

    components = [web_component(app)] if app.config.model.web.enabled else []
    Service(app, components).run_forever()
