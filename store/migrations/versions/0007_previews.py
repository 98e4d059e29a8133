"""previews: what the message page shows of a message (its text's start, its files, thumbnails)

Revision ID: 0007_previews
Revises: 0006_login_failures
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_previews"
down_revision = "0006_login_failures"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "message_previews",
        sa.Column("message_pk", sa.Integer(), nullable=False),
        sa.Column("preview", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["message_pk"], ["messages.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("message_pk"),
    )
    op.create_table(
        "thumbnails",
        sa.Column("message_pk", sa.Integer(), nullable=False),
        sa.Column("part", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["message_pk"], ["messages.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("message_pk", "part"),
    )


def downgrade() -> None:
    op.drop_table("thumbnails")
    op.drop_table("message_previews")
