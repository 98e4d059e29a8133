"""The errors the store raises (the tree is drawn in `classify.errors`)."""

from __future__ import annotations

from classify.errors import TinbaiError


class StoreError(TinbaiError):
    """The database cannot be opened, migrated or written."""
