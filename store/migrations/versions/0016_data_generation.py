"""data_generation: a number that every write to what a report reads makes grow (issue 13)

The web admin keeps the dashboard's progress, its page and its chart while this
number stands, and computes them again once it moves: at 2,500 units the progress
takes 0.2–0.5 s to compute, far over a page's 200 ms. The number is bumped by the
database itself, so no road that writes (a poll in another process, the CLI, the
web, a correction, `db copy`, a script) can forget to, in the same transaction
as the write: it never moves before the data it stands for is visible.

- SQLite: an AFTER INSERT/UPDATE/DELETE trigger per table bumps it per row (SQLite has
  no statement triggers); writers are one at a time anyway.
- PostgreSQL: a deferred constraint trigger bumps it once per transaction, at commit,
  so two pollers' transactions hold its row only for the moment of their commit, and
  no lock on it is taken before a transaction's other writes (no deadlock with them).

The tables are those the plan's progress is computed from: messages, items,
overrides, senders, sender_periods, message_themes and digests (late mail).

Revision ID: 0016_data_generation
Revises: 0015_scale_indexes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_data_generation"
down_revision = "0015_scale_indexes"
branch_labels = None
depends_on = None

WATCHED = (
    "messages",
    "items",
    "overrides",
    "senders",
    "sender_periods",
    "message_themes",
    "digests",
)

_PG_FUNCTION = """
CREATE FUNCTION tinbai_bump_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_generation SET n = n + 1, xid = txid_current()
     WHERE id = 1 AND xid IS DISTINCT FROM txid_current();
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "data_generation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("xid", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO data_generation (id, n) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        for table in WATCHED:
            op.execute(
                f"CREATE CONSTRAINT TRIGGER tinbai_generation AFTER INSERT OR UPDATE OR DELETE"
                f" ON {table} DEFERRABLE INITIALLY DEFERRED"
                f" FOR EACH ROW EXECUTE FUNCTION tinbai_bump_generation()"
            )
        return
    for table in WATCHED:  # the names are this file's constants, not input
        for event in ("INSERT", "UPDATE", "DELETE"):
            trigger = f"tinbai_generation_{table}_{event.lower()}"
            bump = "UPDATE data_generation SET n = n + 1 WHERE id = 1"
            op.execute(f"CREATE TRIGGER {trigger} AFTER {event} ON {table} BEGIN {bump}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER tinbai_generation ON {table}")
        op.execute("DROP FUNCTION tinbai_bump_generation()")
    else:
        for table in WATCHED:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER tinbai_generation_{table}_{event}")
    op.drop_table("data_generation")
