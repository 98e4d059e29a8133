"""login failures: the sign-in rate limit in the database, so `tinbai users unlock` reaches a running server

Revision ID: 0006_login_failures
Revises: 0005_poll_health
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_login_failures"
down_revision = "0005_poll_health"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index("ix_login_failures_address_name", ["address", "name"], unique=False)
        batch_op.create_index(batch_op.f("ix_login_failures_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_login_failures_name"), ["name"], unique=False)


def downgrade() -> None:
    op.drop_table("login_failures")
