"""The `tinbai` command: thin wrappers over library functions.

Exit codes follow Click: 0 done, 1 an error tinbai explains in one line,
2 a usage or configuration error. A traceback is shown only with --debug.
"""

from __future__ import annotations

import gc
import logging
import sys
from pathlib import Path

import click

from tinbai.cli.lazy import LazyCommand, LazyGroup
from tinbai.errors import TinbaiError

log = logging.getLogger("tinbai")

# Each command, the module that defines it and the first line of its help. A command's
# module is imported only when it runs: `tinbai poll` loads no web admin, digest or table.
# tests/foundation/test_cli_startup.py holds this table to the commands themselves.
COMMANDS = {
    "audit": LazyCommand(
        "tinbai.cli.admin", "Who changed which mapping, count or user, when, and from what to what."
    ),
    "db": LazyCommand("tinbai.cli.db", "The database schema."),
    "digest": LazyCommand(
        "tinbai.cli.digest", "The editor's weekly progress email: preview it or send it."
    ),
    "explain": LazyCommand(
        "tinbai.cli.explain",
        "Why a stored message counts as it does (MESSAGE: its number or Message-ID).",
    ),
    "ingest-file": LazyCommand(
        "tinbai.cli.ingest", "Count the messages in .eml files, mbox files or folders of them."
    ),
    "plan": LazyCommand(
        "tinbai.cli.plan", "Next quarter's plan: write one from another plan, check the config."
    ),
    "poll": LazyCommand(
        "tinbai.cli.poll", "Poll the mailboxes once: count what is new, then exit."
    ),
    "receipts": LazyCommand(
        "tinbai.cli.remind",
        "The latest receipts to units: sent, due, waiting for the interval, or unsure.",
    ),
    "remind": LazyCommand(
        "tinbai.cli.remind",
        "Email each unit behind pace what it still misses against its quota (once per date).",
    ),
    "report": LazyCommand(
        "tinbai.cli.report", "Progress of every group and unit against the plan's quotas."
    ),
    "run": LazyCommand(
        "tinbai.cli.poll",
        "Run the service: poll on schedule, send the weekly digest; stop on SIGTERM/SIGINT.",
    ),
    "senders": LazyCommand(
        "tinbai.cli.senders", "Map sender addresses (or whole @domains) to units."
    ),
    "serve": LazyCommand("tinbai.cli.serve", "Run the web admin (login at /login) until stopped."),
    "submissions": LazyCommand(
        "tinbai.cli.admin", "The messages units sent, what each counts, and corrections by hand."
    ),
    "themes": LazyCommand(
        "tinbai.cli.themes",
        "The plan's themes: tag stored messages again after themes or keywords changed.",
    ),
    "units": LazyCommand(
        "tinbai.cli.report", "The groups and units of the config, with their ids."
    ),
    "unmapped": LazyCommand(
        "tinbai.cli.senders",
        "Senders of the plan's period whose mail counts for no unit yet, most messages first.",
    ),
    "users": LazyCommand(
        "tinbai.cli.admin",
        "Who may sign in to the web admin (admins map senders; editors view and reclassify).",
    ),
}


@click.group(
    cls=LazyGroup,
    lazy_commands=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
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
    from tinbai.app import App  # noqa: PLC0415 — SQLAlchemy and pydantic, not for `tinbai --help`

    level = logging.WARNING - 10 * min(verbose, 2)
    fmt = (
        "tinbai: %(levelname)s: %(message)s"
        if not verbose
        else "%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.basicConfig(level=level, format=fmt, stream=sys.stderr)
    if verbose < 2:  # Alembic lists each of its plugins at INFO: noise at -v
        logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    ctx.obj = App(config_path=config_path)
    ctx.meta["debug"] = debug
    ctx.call_on_close(ctx.obj.close)
    # Start-up is over (click resolved the command, and imported its module, before this):
    # collect from here on, and never scan the start-up's long-lived objects again.
    gc.freeze()
    gc.enable()


def _register() -> None:
    # Every command in `cli.commands`, for code that walks them; `main` imports only the one it runs.
    cli.load_all()


def main() -> None:
    """Entry point: one line on error, never a traceback (unless --debug)."""
    # Imports make a few hundred thousand objects that live as long as the process; the
    # cyclic collector walking them again and again was ~0.1 s of each start. `cli` turns
    # it back on once the command is loaded.
    gc.disable()
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
