"""`tinbai db upgrade`: apply the migrations (also done on every start)."""

from __future__ import annotations

import click

from store.db import current_revision, head_revision, make_engine, migrate
from tinbai.app import App
from tinbai.cli import cli
from tinbai.cli.common import pass_app


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
