"""Engines and migrations: SQLite in WAL mode with foreign keys, or any SQLAlchemy URL."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from importlib import resources
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session

from store.errors import StoreError

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

log = logging.getLogger(__name__)

Sessions = Callable[[], Session]  # what opens a session: `Store.session`


def masked_url(url: str) -> str:
    """The URL as it may be shown to a person: any password replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        # Not a URL SQLAlchemy can read: still hide whatever sits between "user:" and "@".
        return re.sub(r"(//[^/:@]*:)[^@/]*@", r"\1***@", url)


def make_engine(url: str) -> Engine:
    try:
        engine = create_engine(url)
    except (SQLAlchemyError, ValueError, ImportError) as e:
        shown = masked_url(url)
        raise StoreError(
            f"database.url {shown!r} cannot be used ({str(e).replace(url, shown)}) — give an SQLAlchemy URL such as sqlite:///tinbai.db"
        ) from e
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # A plan's window of a federation's mail (its index entries, a few MB) stays in memory
    # between reports; SQLite's default page cache (2 MB) rereads it from the OS each time.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


def _alembic_config() -> AlembicConfig:
    from alembic.config import Config as AlembicConfig  # noqa: PLC0415 — Alembic costs ~0.5 s to import: only when migrating

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(resources.files("store") / "migrations"))
    return cfg


def current_revision(engine: Engine) -> str | None:
    """The schema revision stored in the database (None on an empty one), read with one query."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        value = connection.scalar(text("SELECT version_num FROM alembic_version"))
        return None if value is None else str(value)


_REVISION = re.compile(r"""^revision\s*(?::[^=]*)?=\s*["']([^"']+)["']""", re.M)
_DOWN_REVISION = re.compile(r"^down_revision\s*(?::[^=]*)?=\s*(.+)$", re.M)


def head_revision() -> str | None:
    """The newest migration, read from the migration files without importing Alembic.

    Every start compares it with the stored revision; only a database that is behind
    pays for Alembic. A history this reader cannot follow is handed to Alembic.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (resources.files("store") / "migrations" / "versions").iterdir():
        if not script.name.endswith(".py"):
            continue
        source = script.read_text(encoding="utf-8")
        found, down = _REVISION.search(source), _DOWN_REVISION.search(source)
        if found is None or down is None:
            return _alembic_head()
        revisions.add(found.group(1))
        parents.update(re.findall(r"""["']([^"']+)["']""", down.group(1)))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else _alembic_head()


def _alembic_head() -> str | None:
    from alembic.script import ScriptDirectory  # noqa: PLC0415 — see _alembic_config

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def migrate(engine: Engine, revision: str = "head") -> bool:
    """Bring the schema to ``revision``; True when something was applied."""
    try:
        if revision == "head" and current_revision(engine) == head_revision():
            return False
        from alembic import command  # noqa: PLC0415 — see _alembic_config

        cfg = _alembic_config()
        with engine.begin() as connection:
            if engine.dialect.name == "sqlite":
                # pysqlite opens a transaction only before INSERT/UPDATE/DELETE: DDL would
                # commit on its own, and a crash mid-migration would leave half a schema
                # under the old revision. BEGIN makes every step one transaction. (So a
                # migration cannot switch `PRAGMA foreign_keys` off mid-way: one that
                # rebuilds a referenced table uses `PRAGMA defer_foreign_keys` instead.)
                connection.exec_driver_sql("BEGIN")
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)
    except SQLAlchemyError as e:
        raise StoreError(
            f"cannot migrate the database at {engine.url!r}: {e.__class__.__name__}: {e.args[0] if e.args else e} — check database.url and that the file is writable"
        ) from e
    log.info("database migrated to %s", revision)
    return True
