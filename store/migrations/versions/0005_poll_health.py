"""poll health: how long polling has failed and whether the editor was told, kept across restarts

Revision ID: 0005_poll_health
Revises: 0004_admin
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_poll_health"
down_revision = "0004_admin"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "poll_health",
        sa.Column("account", sa.String(length=320), nullable=False),
        sa.Column("failing_since", sa.DateTime(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("alerted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("account"),
    )


def downgrade() -> None:
    op.drop_table("poll_health")
