"""`tinbai db upgrade` and `tinbai db copy`: the schema, and moving to another database."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click
from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

from store.copy import copy_database, row_counts
from store.db import current_revision, head_revision, make_engine, masked_url, migrate
from tinbai.app import App
from tinbai.cli import cli
from tinbai.cli.common import pass_app
from tinbai.errors import StoreError


@cli.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@pass_app
def db_upgrade(app: App) -> None:
    """Bring the database to the latest schema."""
    engine = make_engine(app.config.database_url)
    try:
        applied = migrate(engine)
        revision = current_revision(engine)
    finally:
        engine.dispose()
    click.echo(
        f"database migrated to {revision}"
        if applied
        else f"database already at {head_revision()}; nothing to do"
    )


@db.command("copy")
@click.option(
    "--to",
    "target_url",
    required=True,
    metavar="URL",
    help="The empty database to copy into, e.g. postgresql+psycopg://tinbai@host/tinbai.",
)
@pass_app
def db_copy(app: App, target_url: str) -> None:
    """Copy the configured database, row for row, into another empty one, and verify it."""
    target_url = _absolute_sqlite(target_url)
    source = (
        app.store.engine
    )  # opening it brings the source to the latest schema, as every start does
    target = make_engine(target_url)
    try:
        result = copy_database(source, target)
        before, after = row_counts(source), row_counts(target)
    finally:
        target.dispose()
    shown = masked_url(target_url)
    if before != after:
        differ = ", ".join(
            f"{t} {before[t]}≠{after.get(t)}" for t in before if before[t] != after.get(t)
        )
        raise StoreError(
            f"the copy in {shown} does not hold the same rows ({differ}) — do not use it"
        )
    plans = _compare_reports(app, target_url, shown)
    click.echo(
        f"copied {result.tables} tables, {result.total} rows from {masked_url(app.config.database_url)}"
        f" to {shown}; verified: row counts equal, report identical for {plans} plan(s)"
    )


def _absolute_sqlite(url: str) -> str:
    # A relative SQLite path given on the command line means the current folder, as the shell
    # reads it; the config would read it from the config's folder, so it is made absolute here.
    try:
        parsed = make_url(url)
    except ArgumentError:
        return url  # make_engine says what is wrong with it, password masked
    if parsed.get_backend_name() != "sqlite":
        return url
    path = parsed.database
    if not path or path == ":memory:" or Path(path).is_absolute():
        return url
    return parsed.set(database=str(Path(path).resolve())).render_as_string(hide_password=False)


def _compare_reports(app: App, target_url: str, shown: str) -> int:
    """`report --format json` on the source and on the copy, for every plan: the same document."""
    from tinbai.cli.report import report_json  # noqa: PLC0415 — the report's modules load only for a copy

    config = app.config
    model = config.model.model_copy(
        update={"database": config.model.database.model_copy(update={"url": target_url})}
    )
    copy = App(config_path=app.config_path, _config=dataclasses.replace(config, model=model))
    try:
        today = app.today()
        asked = [(None, today), *((plan.id, plan.end) for plan in config.model.plans)]
        for plan_id, day in asked:
            if report_json(app, plan_id, day) != report_json(copy, plan_id, day):
                raise StoreError(
                    f"the report of plan {plan_id or 'of today'} as of {day} differs in {shown} — do not use the copy"
                )
    finally:
        copy.close()
    return len(config.model.plans)
