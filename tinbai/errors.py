"""The one exception tree of tinbai, for those who catch it (drawn in `classify/errors.py`).

Each layer's errors live in that layer; this module defines the composition root's
own (`ConfigError`) and re-exports the others, so `from tinbai.errors import X`
works for every X in the tree.
"""

from __future__ import annotations

from classify.errors import TinbaiError
from digest.errors import DeliveryError, TemporaryDeliveryError

__all__ = [
    "ConfigError",
    "DeliveryError",
    "MailboxError",
    "ParseError",
    "StoreError",
    "TemporaryDeliveryError",
    "TinbaiError",
]


class ConfigError(TinbaiError):
    """The configuration cannot be used as it is."""

    exit_code = 2


# ingest/errors.py and store/errors.py take these over (the ingest and store slices).
class MailboxError(TinbaiError):
    """The IMAP mailbox cannot be reached or read."""


class ParseError(TinbaiError):
    """A message is unreadable even by a forgiving parser."""


class StoreError(TinbaiError):
    """The database cannot be opened, migrated or written."""
