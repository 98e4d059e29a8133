"""themes: the plan's themes (and calendar dates) each stored message touches

One row per message and tag (a theme's id, or a date's ``day:…`` tag), written with the
message. Messages stored before this have none: `tinbai themes retag` tags them from the
text the store keeps of them (their subject and the start of their body).

Revision ID: 0009_themes
Revises: 0008_reason_codes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_themes"
down_revision = "0008_reason_codes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "message_themes",
        sa.Column("message_pk", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(["message_pk"], ["messages.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("message_pk", "tag"),
    )
    op.create_index("ix_message_themes_tag", "message_themes", ["tag"])


def downgrade() -> None:
    op.drop_index("ix_message_themes_tag", table_name="message_themes")
    op.drop_table("message_themes")
