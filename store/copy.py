"""Copy one database into another, row for row (SQLite → PostgreSQL and back).

The target is migrated to the source's revision, must hold no row of tinbai's
tables, and is written in one transaction: a copy that fails leaves it empty.
Ids are copied as they are, so every reference between rows still holds; the
PostgreSQL sequences are then moved past the copied ids.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    bindparam,
    func,
    inspect,
    literal_column,
    select,
)
from sqlalchemy.exc import SQLAlchemyError

from store.db import current_revision, head_revision, migrate
from store.errors import StoreError
from store.models import Base

log = logging.getLogger(__name__)

BATCH_SIZE = 1000


@dataclass(frozen=True)
class CopyResult:
    rows: Mapping[str, int]  # table name → rows copied, in the order they were written

    @property
    def tables(self) -> int:
        return len(self.rows)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


# Not copied: the migration writes its one row, and the target's own triggers number
# the copy's writes (a number only means something to the database it counts in).
NOT_COPIED = frozenset({"data_generation"})


def tables() -> Sequence[Table]:
    """tinbai's tables holding data, each after the tables it refers to."""
    return [t for t in Base.metadata.sorted_tables if t.name not in NOT_COPIED]


def copy_database(source: Engine, target: Engine, *, batch_size: int = BATCH_SIZE) -> CopyResult:
    """Copy every row of ``source`` into the empty ``target``; the counts copied per table."""
    shown = target.url.render_as_string(hide_password=True)
    if source.url.render_as_string(hide_password=False) == target.url.render_as_string(
        hide_password=False
    ):
        raise StoreError(f"{shown} is the source database itself — copy into another one")
    try:
        _check_source(source)
        _refuse_non_empty(target, shown)
        migrate(target)
        if current_revision(target) != current_revision(source):
            raise StoreError(f"{shown} did not reach the source's schema revision")
        copied: dict[str, int] = {}
        with source.connect() as reading, target.begin() as writing:
            for table in tables():
                copied[table.name] = _copy_table(reading, writing, table, batch_size)
                log.info("copied %s rows of %s", copied[table.name], table.name)
            if writing.dialect.name == "postgresql":
                _reset_sequences(writing)
    except SQLAlchemyError as e:
        reason = " ".join(str(e.args[0] if e.args else e).split())  # a driver's message spans lines
        raise StoreError(
            f"copying into {shown} failed, no row was written: {e.__class__.__name__}: {reason}"
        ) from e
    return CopyResult(copied)


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table of tinbai's tables."""
    with engine.connect() as c:
        return {t.name: int(c.scalar(select(func.count()).select_from(t)) or 0) for t in tables()}


def _check_source(source: Engine) -> None:
    revision = current_revision(source)
    if revision is None or revision != head_revision():
        raise StoreError(
            f"the source database is at schema revision {revision}, not {head_revision()} — run tinbai db upgrade first"
        )
    known = {t.name for t in tables()} | NOT_COPIED | {"alembic_version"}
    with source.connect() as c:
        inspector = inspect(c)
        unknown = sorted(set(inspector.get_table_names()) - known)
        if unknown:
            # A table the models do not know would be left behind without a word.
            raise StoreError(
                f"the source database has tables tinbai does not know: {', '.join(unknown)}"
            )
        for table in tables():
            extra = {col["name"] for col in inspector.get_columns(table.name)} - set(table.c.keys())
            if extra:
                raise StoreError(
                    f"the source table {table.name} has columns tinbai does not know: {', '.join(sorted(extra))}"
                )


def _refuse_non_empty(target: Engine, shown: str) -> None:
    with target.connect() as c:
        present = set(inspect(c).get_table_names())
        for table in tables():
            if table.name not in present:
                continue
            if c.scalar(select(literal_column("1")).select_from(table).limit(1)) is not None:
                raise StoreError(
                    f"{shown} is not empty (table {table.name} has rows) — copy only into an empty database"
                )


def _copy_table(reading: Connection, writing: Connection, table: Table, batch_size: int) -> int:
    # A column naming a row of its own table (items.duplicate_of) may name a later row:
    # it is written empty first and filled once every row of the table is in.
    self_refs = [fk.parent for fk in table.foreign_keys if fk.column.table is table]
    keys = list(table.primary_key.columns)
    later: list[dict[str, Any]] = []
    count = 0
    for batch in _batches(reading, table, batch_size):
        if self_refs:
            later += [
                {
                    **{f"_{k.name}": row[k.name] for k in keys},
                    **{c.name: row[c.name] for c in self_refs},
                }
                for row in batch
                if any(row[c.name] is not None for c in self_refs)
            ]
        rows = [row | {c.name: None for c in self_refs} for row in batch] if self_refs else batch
        writing.execute(table.insert(), rows)
        count += len(rows)
    if later:
        _fill_self_references(writing, table, later, batch_size)
    return count


def _batches(reading: Connection, table: Table, batch_size: int) -> Iterator[list[dict[str, Any]]]:
    query = select(table).order_by(*table.primary_key.columns)
    result = reading.execution_options(yield_per=batch_size).execute(query)
    for partition in result.mappings().partitions():
        yield [dict(row) for row in partition]


def _fill_self_references(
    writing: Connection, table: Table, rows: list[dict[str, Any]], batch_size: int
) -> None:
    keys = list(table.primary_key.columns)
    self_refs = [fk.parent for fk in table.foreign_keys if fk.column.table is table]
    statement = (
        table.update()
        .where(*(k == bindparam(f"_{k.name}") for k in keys))
        .values({c.name: bindparam(c.name) for c in self_refs})
    )
    for start in range(0, len(rows), batch_size):
        writing.execute(statement, rows[start : start + batch_size])


def _reset_sequences(writing: Connection) -> None:
    """Move each id sequence past the largest id copied, so the next insert does not collide."""
    for table in tables():
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or keys[0].foreign_keys or keys[0].type.python_type is not int:
            continue
        # pg_get_serial_sequence is NULL for a key without a sequence, and setval(NULL, …) a no-op.
        key = keys[0]
        writing.execute(
            select(
                func.setval(
                    func.pg_get_serial_sequence(table.name, key.name),
                    func.coalesce(func.max(key), 1),
                    func.max(key).is_not(None),
                )
            )
        )
