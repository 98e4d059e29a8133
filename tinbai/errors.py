"""The one exception tree of tinbai.

    TinbaiError                 anything tinbai reports to a person in one line
    ├── ConfigError             the config file is missing, unreadable or invalid
    ├── MailboxError            IMAP: unreachable, refused login, TLS, server gone
    ├── ParseError              a message could not be read at all
    ├── StoreError              the database could not be opened or written
    └── DeliveryError           SMTP: the digest could not be sent
        └── TemporaryDeliveryError   ... but trying again later may work

The root lives in `classify.errors` and each layer's errors in that layer
(`store.errors` …); this module keeps ConfigError and re-exports the others, so
`from tinbai.errors import X` works for every X above.

Third-party exceptions are wrapped at the edge (``raise ConfigError(...) from e``)
so that the CLI and the scheduler catch one type and print one line.
Every message says what is wrong and, after " — ", what to do about it.
"""

from __future__ import annotations

from classify.errors import TinbaiError
from store.errors import StoreError


class ConfigError(TinbaiError):
    """The configuration cannot be used as it is."""

    exit_code = 2


class MailboxError(TinbaiError):
    """The IMAP mailbox cannot be reached or read."""


class ParseError(TinbaiError):
    """A message is unreadable even by a forgiving parser."""


class DeliveryError(TinbaiError):
    """The SMTP server refused or could not be reached for good."""


class TemporaryDeliveryError(DeliveryError):
    """The SMTP server failed in a way that may pass: retry later."""


__all__ = [
    "ConfigError",
    "DeliveryError",
    "MailboxError",
    "ParseError",
    "StoreError",
    "TemporaryDeliveryError",
    "TinbaiError",
]
