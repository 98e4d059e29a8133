"""`tinbai run`: polls on start, stops cleanly on SIGTERM, tells the editor when polling fails."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler
from dovecot import Mailbox, set_table
from mailkit import build_message

from tinbai.app import App
from tinbai.service import Service

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Inbox(MessageHandler):
    def __init__(self) -> None:
        super().__init__()
        self.received: list[bytes] = []

    def handle_message(self, message: object) -> None:
        self.received.append(bytes(message))  # type: ignore[call-overload]

    def prepare_message(self, session: object, envelope: object) -> bytes:  # type: ignore[override]
        return bytes(envelope.original_content)  # type: ignore[attr-defined]


@pytest.fixture
def smtp_inbox() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def test_run_polls_at_start_and_stops_cleanly_on_sigterm(mailbox: Mailbox) -> None:
    mailbox.deliver(build_message(subject="[Tin] dịch vụ"))
    argv = [sys.executable, "-m", "tinbai", "--config", str(mailbox.config), "-v", "run"]
    process = subprocess.Popen(
        argv, env=mailbox.tinbai.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 30
        while mailbox.totals()["news"] == 0:
            assert time.monotonic() < deadline, "the service did not poll"
            assert process.poll() is None, process.communicate()
            time.sleep(0.3)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert "tinbai service stopped" in stderr


def test_the_editor_is_emailed_once_when_polling_fails_and_once_when_it_recovers(
    mailbox: Mailbox, smtp_inbox: tuple[Inbox, int]
) -> None:
    inbox, smtp_port = smtp_inbox
    set_table(
        mailbox.config,
        "smtp",
        host="127.0.0.1",
        port=smtp_port,
        security="plain",
        **{"from": "tinbai@example.org"},
    )
    mailbox.configure(port=free_port(), alert_after=0)  # nobody listens there
    service = Service(App(config_path=mailbox.config))

    service.poll_job()
    service.poll_job()

    assert len(inbox.received) == 1
    alert = message_from_bytes(inbox.received[0])
    assert "polling the mailbox has failed" in alert["Subject"]
    assert "refused the connection" in alert.get_payload()
    assert alert["To"] == "bientap@example.org"

    mailbox.configure(alert_after=0)
    service.app = App(config_path=mailbox.config)
    service.poll_job()
    service.poll_job()

    assert len(inbox.received) == 2
    assert "works again" in message_from_bytes(inbox.received[1])["Subject"]
