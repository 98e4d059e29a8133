"""Helpers for the digest tests: an SMTP mailbox that keeps what it gets, config edits."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from click.testing import CliRunner

from tinbai.app import App
from tinbai.cli import _register, cli

ROOT = Path(__file__).resolve().parent.parent.parent
SCREENSHOTS = ROOT / "tests" / "screenshots" / "digest"
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
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


@contextmanager
def smtp_running(keeper: Mailbox) -> Iterator[SmtpServer]:
    """An SMTP server on loopback that keeps what it is sent in ``keeper``, while in use."""
    controller = Controller(keeper, hostname="127.0.0.1", port=free_port(), decode_data=False)
    controller.start()
    try:
        yield SmtpServer(controller.hostname, controller.port, keeper)
    finally:
        controller.stop()


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


@dataclass
class ClockedApp(App):
    """The real App, with the clock it is given: time is injected, not mocked."""

    at: datetime = datetime(2020, 5, 11, 10, 0, tzinfo=HANOI)

    def now(self) -> datetime:
        return self.at.astimezone(UTC)


def add_table(config: Path, table: str, body: str) -> None:
    """Append a table (e.g. ``[receipts]``) to a config file, as an admin would write it."""
    text = config.read_text(encoding="utf-8")
    assert not re.search(rf"(?m)^\[{re.escape(table)}\]", text), f"[{table}] is there already"
    config.write_text(f"{text.rstrip()}\n\n[{table}]\n{body.strip()}\n", encoding="utf-8")
