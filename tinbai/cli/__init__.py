"""The `tinbai` command: thin wrappers over library functions.

Exit codes follow Click: 0 done, 1 an error tinbai explains in one line,
2 a usage or configuration error. A traceback is shown only with --debug.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from tinbai.app import App
from tinbai.errors import TinbaiError

log = logging.getLogger("tinbai")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="TINBAI_CONFIG",
    help="Config file (default ./config.toml; env TINBAI_CONFIG).",
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.version_option(package_name="tinbai")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, verbose: int, debug: bool) -> None:
    """Count the news, articles and photos units send to a plan's mailbox."""
    level = logging.WARNING - 10 * min(verbose, 2)
    fmt = (
        "tinbai: %(levelname)s: %(message)s"
        if not verbose
        else "%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.basicConfig(level=level, format=fmt, stream=sys.stderr)
    ctx.obj = App(config_path=config_path)
    ctx.meta["debug"] = debug
    ctx.call_on_close(ctx.obj.close)


def _register() -> None:
    # Each module adds its commands to `cli`; the order is the help's order.
    from tinbai.cli import admin, db, digest, explain, ingest, poll, report, senders, serve  # noqa: F401, PLC0415


def main() -> None:
    """Entry point: one line on error, never a traceback (unless --debug)."""
    _register()
    debug = "--debug" in sys.argv[1:]
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("tinbai: interrupted", err=True)
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except TinbaiError as e:
        if debug:
            raise
        click.echo(f"tinbai: {e}", err=True)
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        click.echo("tinbai: interrupted", err=True)
        sys.exit(130)
    except Exception as e:
        if debug:
            raise
        click.echo(
            f"tinbai: internal error: {type(e).__name__}: {e} — run again with --debug and report it",
            err=True,
        )
        sys.exit(1)
    sys.exit(0)
