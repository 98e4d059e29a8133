"""Engines and migrations: SQLite in WAL mode with foreign keys, or any SQLAlchemy URL."""

from __future__ import annotations

import logging
from importlib import resources
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import SQLAlchemyError

from tinbai.errors import StoreError

log = logging.getLogger(__name__)


def make_engine(url: str) -> Engine:
    try:
        engine = create_engine(url)
    except (SQLAlchemyError, ValueError, ImportError) as e:
        raise StoreError(f"database.url {url!r} cannot be used ({e}) — give an SQLAlchemy URL such as sqlite:///tinbai.db") from e
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _alembic_config() -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(resources.files("store") / "migrations"))
    return cfg


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def migrate(engine: Engine, revision: str = "head") -> bool:
    """Bring the schema to ``revision``; True when something was applied."""
    try:
        if revision == "head" and current_revision(engine) == head_revision():
            return False
        cfg = _alembic_config()
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)
    except SQLAlchemyError as e:
        raise StoreError(f"cannot migrate the database at {engine.url!r}: {e.__class__.__name__}: {e.args[0] if e.args else e} — check database.url and that the file is writable") from e
    log.info("database migrated to %s", revision)
    return True
