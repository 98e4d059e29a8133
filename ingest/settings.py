"""What the ingest layer needs to know of a mailbox: plain values, built by the composition root.

`tinbai.config.mailbox_settings` builds a `MailboxSettings` from the validated config
file; ingest never reads the config (nor a secret: the caller hands credentials in).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from classify.message import Kind
from classify.tags import DEFAULT_VOCABULARY

Security = Literal["tls", "starttls", "plain"]
DEFAULT_PORTS: Mapping[Security, int] = {"tls": 993, "starttls": 143, "plain": 143}
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def is_loopback(host: str) -> bool:
    """``host`` is this machine: localhost, 127.0.0.0/8 or ::1 (plain text is safe there)."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def account_name(username: str, host: str) -> str:
    """An account's name in the store and in log lines: the key of its folders' marks."""
    return f"{username}@{host}"


@dataclass(frozen=True)
class MailboxSettings:
    """One collection mailbox, as the poller and the IMAP session need it."""

    host: str
    username: str
    address: str  # the collection address
    port: int | None = None  # None: the usual port of ``security``
    security: Security = "tls"
    ca_file: Path | None = None  # trust this CA instead of the system's
    timeout: float = 30.0  # seconds for any answer of the server
    folders: tuple[str, ...] = ("INBOX",)
    shared: bool = False
    oauth_token_file: Path | None = None  # absolute; XOAUTH2 instead of a password
    after_processing: str = "none"  # "none" | "mark-seen" | "move:FOLDER"
    batch_size: int = 100  # messages per FETCH round and commit
    max_message_bytes: int = 50_000_000  # larger messages (and documents) are never fetched
    # Folded tag word -> kind: what the rules read as tags, so the fetch plan reads the same.
    vocabulary: Mapping[str, Kind] = field(default_factory=lambda: dict(DEFAULT_VOCABULARY))
    name: str = "mailbox"  # the config's name for it (`[mailboxes.NAME]`), for logs and secrets
    # The plan's themes are looked for in documents too: fetch a document even when a
    # subject tag decides its kind, so IMAP mail is tagged as the same letter from a file.
    read_documents: bool = False

    @property
    def account(self) -> str:
        return account_name(self.username, self.host)

    @property
    def server_port(self) -> int:
        return self.port or DEFAULT_PORTS[self.security]
