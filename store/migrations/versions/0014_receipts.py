"""receipts and reminders: the mail tinbai sends to units, claimed before it goes out

`receipts`: one row per submission a unit should get a receipt for (due, then claimed by
a receipt's Message-ID, then sent); its unique message key is what makes a receipt go
out at most once per message, across restarts. `reminders`: one row per plan, date and
unit, claimed before the reminder is sent.

Revision ID: 0014_receipts
Revises: 0009_themes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_receipts"
down_revision = "0013_crash_safety"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_pk", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(length=320), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("receipt_id", sa.String(length=998), nullable=True),
        sa.Column("queued_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["message_pk"], ["messages.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_pk"),
    )
    op.create_index("ix_receipts_sender", "receipts", ["sender"])
    op.create_index("ix_receipts_state", "receipts", ["state"])
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("message_id", sa.String(length=998), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "day", "unit_id"),
    )


def downgrade() -> None:
    op.drop_table("reminders")
    op.drop_index("ix_receipts_state", table_name="receipts")
    op.drop_index("ix_receipts_sender", table_name="receipts")
    op.drop_table("receipts")
