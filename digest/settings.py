"""The plain settings the digest layer is given: the SMTP server to send through.

Built by the application from `[smtp]` (`tinbai/config.py`, "settings for digest");
nothing here reads the config, the environment or a file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal


@dataclass(frozen=True)
class SmtpSettings:
    """The server mail to the editor goes through, built from `[smtp]` by the application.

    ``password`` is the secret itself, read only by a command that sends; None means
    no login (a relay on loopback may need none).
    """

    host: str
    security: Literal["tls", "starttls", "plain"]
    sender: str  # the envelope's and the header's From
    port: int | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_file: Path | None = None
    timeout: float = 30.0


@dataclass(frozen=True)
class Editor:
    """Who mail to the editor comes from, and who reads it (none yet, for a preview)."""

    sender: str
    recipients: tuple[str, ...] = ()
