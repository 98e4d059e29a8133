"""Every error tinbai reports, in one place for the CLI and the scheduler to catch.

The tree is drawn in `classify.errors`, where its root lives; each layer defines its
own errors and this module re-exports them. `ConfigError` is the composition root's own.
"""

from __future__ import annotations

from classify.errors import TinbaiError
from digest.errors import DeliveryError, TemporaryDeliveryError
from ingest.errors import MailboxError, ParseError
from store.errors import StoreError

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
    # Every problem found, one line each, when there were several (`tinbai plan check`);
    # the message itself names the first.
    problems: tuple[str, ...] = ()
