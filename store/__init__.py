"""Persistence: SQLAlchemy models, Alembic migrations and the queries tinbai needs.

ORM objects stay inside this package; callers get plain values back.
"""

from store.repo import (
    MessageRow,
    RecordOutcome,
    SenderCount,
    Store,
    open_store,
)
from store.senders import SenderMap, normalize_pattern

__all__ = [
    "MessageRow",
    "RecordOutcome",
    "SenderCount",
    "SenderMap",
    "Store",
    "normalize_pattern",
    "open_store",
]
