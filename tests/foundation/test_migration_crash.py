"""A migration killed half-way leaves the old schema, and the next start finishes it (issue 12).

`tinbai db upgrade` is killed (SIGKILL) after a migration script (in CI the first,
a middle and the last; every one with TINBAI_CRASH_EVERY_PASS=1), on an empty
database and on one holding mail at the previous head. The database must
then be exactly at a revision it had (no table of a half-applied step), pass
`PRAGMA integrity_check`, and the next `tinbai db upgrade` must reach the head.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

import store
from store.db import head_revision

pytestmark = pytest.mark.integration

# migration scripts from an empty database to the head
STEPS = len(list((Path(store.__file__).parent / "migrations" / "versions").glob("0*.py")))


def _state(db: Path) -> tuple[str | None, set[str], list[str]]:
    with sqlite3.connect(db) as c:
        tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        version = None
        if "alembic_version" in tables:
            row = c.execute("SELECT version_num FROM alembic_version").fetchone()
            version = row[0] if row else None
        check = [r[0] for r in c.execute("PRAGMA integrity_check")]
    return version, tables - {"sqlite_sequence"}, check


# CI: the first, a middle and the last step; TINBAI_CRASH_EVERY_PASS=1: every step.
CHOSEN = (
    range(1, STEPS + 1) if os.environ.get("TINBAI_CRASH_EVERY_PASS") else (1, STEPS // 2, STEPS)
)


@pytest.mark.parametrize("step", CHOSEN)
def test_a_migration_killed_after_any_step_leaves_a_whole_schema(
    tinbai: object, config_file: Path, step: int
) -> None:
    run = tinbai
    crashing = type(run)(config_file, dict(run.env, TINBAI_TEST_CRASH_AT=f"migrate.step:{step}"))  # type: ignore[attr-defined]
    db = config_file.parent / "tinbai.db"

    crashed = crashing("db", "upgrade", check=False)

    assert crashed.returncode == -9, crashed.stderr
    version, tables, check = _state(db) if db.exists() else (None, set(), ["ok"])
    assert check == ["ok"]
    if version is None:  # nothing of the first step may remain
        assert tables <= {"alembic_version"}, tables
    else:
        assert "messages" in tables
    run("db", "upgrade")  # type: ignore[operator]
    assert _state(db)[0] == head_revision()
    assert _state(db)[2] == ["ok"]


def test_a_migration_killed_on_a_database_with_mail_keeps_the_mail_and_old_columns(
    tinbai: object, config_file: Path, write_eml: object
) -> None:
    run = tinbai
    run("db", "upgrade")  # type: ignore[operator]
    run("ingest-file", write_eml())  # type: ignore[operator]
    db = config_file.parent / "tinbai.db"
    with sqlite3.connect(db) as c:  # as if this database were four steps behind
        triggers = c.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
        for (trigger,) in triggers:  # 0016_data_generation
            c.execute(f"DROP TRIGGER {trigger}")
        c.execute("DROP TABLE data_generation")
        c.execute("DROP INDEX ix_items_message_kind_count")  # 0015_scale_indexes
        c.execute("DROP INDEX ix_messages_sender_received")
        c.execute("DROP INDEX ix_messages_received_status_sender")
        c.execute("CREATE INDEX ix_messages_received_at ON messages (received_at)")
        c.execute("DROP TABLE reminders")  # 0014_receipts
        c.execute("DROP TABLE receipts")
        c.execute("ALTER TABLE digests DROP COLUMN delivered_at")  # 0013_crash_safety
        c.execute("ALTER TABLE folder_states DROP COLUMN acted_uid")
        c.execute("ALTER TABLE folder_states DROP COLUMN acted_uidvalidity")
        c.execute("UPDATE alembic_version SET version_num = '0009_themes'")
    crashing = type(run)(config_file, dict(run.env, TINBAI_TEST_CRASH_AT="migrate.step:1"))  # type: ignore[attr-defined]

    assert crashing("db", "upgrade", check=False).returncode == -9

    with sqlite3.connect(db) as c:
        assert c.execute("SELECT version_num FROM alembic_version").fetchone() == ("0009_themes",)
        columns = {r[1] for r in c.execute("PRAGMA table_info(digests)")}
        assert "delivered_at" not in columns
        assert c.execute("SELECT COUNT(*) FROM messages").fetchone() == (1,)
    run("db", "upgrade")  # type: ignore[operator]
    with sqlite3.connect(db) as c:
        assert "delivered_at" in {r[1] for r in c.execute("PRAGMA table_info(digests)")}
