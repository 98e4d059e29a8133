"""The root of tinbai's exception tree, in the lowest layer so every layer can derive from it.

    TinbaiError                      anything tinbai reports to a person in one line
    ├── ConfigError                  tinbai/errors.py: the config is missing, unreadable or invalid
    ├── MailboxError                 ingest/errors.py: IMAP unreachable, refused login, TLS, gone
    ├── ParseError                   ingest/errors.py: a message could not be read at all
    ├── StoreError                   store/errors.py: the database cannot be opened or written
    └── DeliveryError                digest/errors.py: SMTP, the mail could not be sent
        └── TemporaryDeliveryError   ... but trying again later may work

Each layer raises its own errors from its own module; `tinbai/errors.py` re-exports
them all, so the CLI and the scheduler catch one type and print one line.
Third-party exceptions are wrapped at the edge (``raise ... from e``). Every message
says what is wrong and, after " — ", what to do about it.
"""

from __future__ import annotations


class TinbaiError(Exception):
    """Base of every error tinbai reports to a person in one line."""

    exit_code = 1
