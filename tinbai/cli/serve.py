"""`tinbai serve`: the web admin, in the foreground until Ctrl-C or SIGTERM."""

from __future__ import annotations

import click

from tinbai.app import App
from tinbai.cli import cli
from tinbai.cli.common import pass_app


@cli.command()
@click.option("--host", help="Address to listen on (default: web.host, else 127.0.0.1).")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    help="Port (default: web.port, else 8080; 0 picks a free one).",
)
@pass_app
def serve(app: App, host: str | None, port: int | None) -> None:
    """Run the web admin (login at /login) until stopped."""
    from tinbai.web import serve as run_server  # noqa: PLC0415 — the web stack loads only for this command

    web = app.config.model.web
    run_server(
        app,
        host or web.host,
        web.port if port is None else port,
        on_ready=lambda url: click.echo(f"tinbai web admin on {url} — stop with Ctrl-C", err=True),
    )
