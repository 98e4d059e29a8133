"""crash safety: what the after-processing action has reached, and when a digest was delivered

`folder_states.acted_uidvalidity/acted_uid`: the highest UID of the folder that the
configured action (mark seen, move) has been done for. A crash between a batch's
commit and its action leaves it below `highest_uid`, and the next poll catches up.
Existing folders count as acted up to their mark.

`digests.delivered_at`: set once the SMTP server accepted the digest. A row without
it is a claim whose delivery may not have happened (a crash between claim and
DATA); the next cycle sends it again instead of believing it sent. Existing rows
were written after delivery succeeded: they count as delivered at their `sent_at`.

Revision ID: 0013_crash_safety
Revises: 0009_themes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_crash_safety"
down_revision = "0009_themes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("folder_states") as batch:
        batch.add_column(sa.Column("acted_uidvalidity", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("acted_uid", sa.BigInteger(), nullable=True))
    op.execute("UPDATE folder_states SET acted_uidvalidity = uidvalidity, acted_uid = highest_uid")
    with op.batch_alter_table("digests") as batch:
        batch.add_column(sa.Column("delivered_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE digests SET delivered_at = sent_at")


def downgrade() -> None:
    with op.batch_alter_table("digests") as batch:
        batch.drop_column("delivered_at")
    with op.batch_alter_table("folder_states") as batch:
        batch.drop_column("acted_uid")
        batch.drop_column("acted_uidvalidity")
