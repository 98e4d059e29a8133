"""The root of tinbai's exception tree, in the lowest layer so every layer can derive from it.

    TinbaiError                 anything tinbai reports to a person in one line
    ├── ConfigError             the config file is missing, unreadable or invalid  (tinbai/errors.py)
    ├── MailboxError            IMAP: unreachable, refused login, TLS, server gone (ingest/errors.py)
    ├── ParseError              a message could not be read at all                 (ingest/errors.py)
    ├── StoreError              the database could not be opened or written        (store/errors.py)
    └── DeliveryError           SMTP: the digest could not be sent                 (digest/errors.py)
        └── TemporaryDeliveryError   ... but trying again later may work

Each layer's errors live in that layer; `tinbai.errors` re-exports them all.
Third-party exceptions are wrapped at the edge (``raise StoreError(...) from e``)
so that the CLI and the scheduler catch one type and print one line.
Every message says what is wrong and, after " — ", what to do about it.
"""

from __future__ import annotations


class TinbaiError(Exception):
    """Base of every error tinbai reports to a person in one line."""

    exit_code = 1
