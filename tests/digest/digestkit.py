"""Helpers for the digest tests: an SMTP mailbox that keeps what it gets, config edits."""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session
from click.testing import CliRunner

from tinbai.cli import _register, cli

ROOT = Path(__file__).resolve().parent.parent.parent
SCREENSHOTS = ROOT / "tests" / "screenshots" / "digest"
SMTP_PASSWORD = "correct horse battery staple"  # the test server's, never a real one


@dataclass
class Mailbox:
    """What the SMTP server received, and how it should answer next."""

    envelopes: list[Envelope] = field(default_factory=list)
    answer: str = "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.answer.startswith("250"):
            self.envelopes.append(envelope)
        return self.answer

    def messages(self) -> list[EmailMessage]:
        return [
            message_from_bytes(e.original_content or b"", policy=policy.default)  # type: ignore[misc]
            for e in self.envelopes
        ]


@dataclass
class SmtpServer:
    host: str
    port: int
    mailbox: Mailbox


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def use_smtp(config: Path, host: str, port: int, **extra: str) -> None:
    """Point the config's [smtp] at a server on loopback (no login unless ``extra`` says so)."""
    text = config.read_text(encoding="utf-8")
    keys = {"host": host, "port": port, "security": "plain", "from": "tinbai@example.org", **extra}
    lines = [f"{k} = {v}" if isinstance(v, int) else f'{k} = "{v}"' for k, v in keys.items()]
    section = "[smtp]\n" + "\n".join(lines) + "\n\n"
    text, n = re.subn(r"\[smtp\]\n(?:[^\[\n][^\n]*\n|\n)*", section, text)
    assert n == 1
    config.write_text(text, encoding="utf-8")


def set_key(config: Path, key: str, value: str) -> None:
    """Replace a top-level or section key's line: ``set_key(cfg, "language", '"en"')``."""
    text = config.read_text(encoding="utf-8")
    text, n = re.subn(rf"(?m)^{re.escape(key)} = .*$", f"{key} = {value}", text, count=1)
    assert n == 1
    config.write_text(text, encoding="utf-8")


@dataclass
class InProcess:
    """The `tinbai` command run in this process (click's runner): fast, exceptions not swallowed."""

    config: Path

    def __call__(self, *args: str | Path, code: int = 0) -> str:
        _register()
        result = CliRunner().invoke(
            cli, ["--config", str(self.config), *map(str, args)], catch_exceptions=False
        )
        assert result.exit_code == code, result.output
        return result.output
