"""scale_indexes: the indexes a federation's reports, digests and admin pages read by (issue 13)

- messages (received_at, status, sender, id): a plan's window of mail is one range of
  it, its status, sender and number read from the index alone (the report's counts per
  sender, its messages per sender, the messages to review). The id is SQLite's rowid
  anyway; PostgreSQL needs it named to join the items without reading the table. The window comes first: a status
  leading the index leaves the planner a choice it makes wrongly, since nearly every
  message is `counted` and its statistics cannot say that `needs-review` is rare. It
  replaces the index on received_at alone, its prefix.
- messages (sender, received_at): an unknown sender's mail in the plan's window;
- items (message_pk, kind, count): a message's counts per kind without its rows.

Revision ID: 0015_scale_indexes
Revises: 0014_receipts
"""

from __future__ import annotations

from alembic import op

revision = "0015_scale_indexes"
down_revision = "0014_receipts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_messages_received_status_sender",
        "messages",
        ["received_at", "status", "sender", "id"],
    )
    op.drop_index("ix_messages_received_at", table_name="messages")
    op.create_index("ix_messages_sender_received", "messages", ["sender", "received_at"])
    op.create_index("ix_items_message_kind_count", "items", ["message_pk", "kind", "count"])


def downgrade() -> None:
    op.drop_index("ix_items_message_kind_count", table_name="items")
    op.drop_index("ix_messages_sender_received", table_name="messages")
    op.create_index("ix_messages_received_at", "messages", ["received_at"])
    op.drop_index("ix_messages_received_status_sender", table_name="messages")
