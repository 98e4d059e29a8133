"""The root of tinbai's exception tree, in the lowest layer so every layer can derive from it.

    TinbaiError                 anything tinbai reports to a person in one line
    ├── ConfigError             the config file is missing, unreadable or invalid (tinbai.errors)
    ├── MailboxError            IMAP: unreachable, refused login, TLS, server gone (ingest.errors)
    │   └── PollBusy            another tinbai process polls that mailbox now (tinbai.polling)
    ├── ParseError              a message could not be read at all (ingest.errors)
    ├── StoreError              the database could not be opened or written (store.errors)
    └── DeliveryError           SMTP: the digest could not be sent (digest.errors)
        └── TemporaryDeliveryError   ... but trying again later may work

Each layer raises its own errors, defined in that layer; `tinbai.errors` re-exports
them all, so the CLI and the scheduler catch one type and print one line.
Third-party exceptions are wrapped at the edge (``raise MailboxError(...) from e``).
Every message says what is wrong and, after " — ", what to do about it.
"""

from __future__ import annotations


class TinbaiError(Exception):
    """Base of every error tinbai reports to a person in one line."""

    exit_code = 1
