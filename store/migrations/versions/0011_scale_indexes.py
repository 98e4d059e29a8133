"""scale_indexes: the indexes a federation's reports, digests and admin pages read by (issue 13)

- messages (status, received_at, sender): the report's window of counted mail and its
  messages per sender, read from the index alone;
- messages (sender, received_at): an unknown sender's mail in the plan's window;
- items (message_pk, kind, count): a message's counts per kind without its rows.

Revision ID: 0011_scale_indexes
Revises: 0009_themes
"""

from __future__ import annotations

from alembic import op

revision = "0011_scale_indexes"
down_revision = "0009_themes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_messages_status_received_sender", "messages", ["status", "received_at", "sender"]
    )
    op.create_index("ix_messages_sender_received", "messages", ["sender", "received_at"])
    op.create_index("ix_items_message_kind_count", "items", ["message_pk", "kind", "count"])


def downgrade() -> None:
    op.drop_index("ix_items_message_kind_count", table_name="items")
    op.drop_index("ix_messages_sender_received", table_name="messages")
    op.drop_index("ix_messages_status_received_sender", table_name="messages")
