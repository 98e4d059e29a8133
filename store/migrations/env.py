"""Alembic environment: run by `store.db.migrate` with the connection it is handed."""

from __future__ import annotations

from typing import Any

from alembic import context

from classify.crash import crash_point
from store.models import Base


def _applied(**_: Any) -> None:
    # One migration script applied and its revision written, the transaction still open.
    crash_point("migrate.step")


config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover — only `alembic` run by hand lands here
    raise SystemExit("run migrations with `tinbai db upgrade`")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things: batch mode copies the table
    compare_type=True,
    on_version_apply=_applied,
)
with context.begin_transaction():
    context.run_migrations()
