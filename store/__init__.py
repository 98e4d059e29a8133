"""Persistence: SQLAlchemy models, Alembic migrations and the queries tinbai needs.

ORM objects stay inside this package; callers get plain values back.

The names below load on first use: every command imports `store.errors` to
catch StoreError, and that alone must not cost the start-up of SQLAlchemy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from store.repo import (
        MessageRow,
        RecordOutcome,
        Store,
        open_store,
    )
    from store.senders import SenderMap, normalize_pattern

_HOMES = {
    "MessageRow": "store.repo",
    "RecordOutcome": "store.repo",
    "Store": "store.repo",
    "open_store": "store.repo",
    "SenderMap": "store.senders",
    "normalize_pattern": "store.senders",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'store' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)


__all__ = [
    "MessageRow",
    "RecordOutcome",
    "SenderMap",
    "Store",
    "normalize_pattern",
    "open_store",
]
