"""`tinbai run`: polls on start, stops cleanly on SIGTERM, tells the editor when polling fails."""

from __future__ import annotations

import email.policy
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
    mailbox.server.rawlog(mailbox.user)
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
        stderr = _stop(process)
    finally:
        if process.poll() is None:
            process.kill()
    assert "tinbai service stopped" in stderr
    (session,) = mailbox.server.commands(mailbox.user)  # kept between polls ...
    assert session[-1] == "LOGOUT"  # ... and logged out on the way out


ALERT_WORDS = {  # (failed subject, recovered subject, the body's "nothing is lost")
    "vi": ("chưa đọc được hộp thư", "đã đọc lại được hộp thư", "đếm bù đầy đủ"),
    "en": ("polling the mailbox has failed", "works again", "they are all counted"),
}


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_editor_is_emailed_once_when_polling_fails_and_once_when_it_recovers(
    mailbox: Mailbox, smtp_inbox: tuple[Inbox, int], language: str
) -> None:
    failed, works_again, pending = ALERT_WORDS[language]
    inbox, smtp_port = smtp_inbox
    set_table(
        mailbox.config,
        "smtp",
        host="127.0.0.1",
        port=smtp_port,
        security="plain",
        **{"from": "tinbai@example.org"},
    )
    if language == "en":
        text = mailbox.config.read_text(encoding="utf-8")
        mailbox.config.write_text(text.replace("[digest]\n", '[digest]\nlanguage = "en"\n', 1))
    mailbox.configure(port=free_port(), alert_after=0)  # nobody listens there
    service = Service(App(config_path=mailbox.config))

    service.poll_job()
    service.poll_job()
    # `tinbai run` restarted during the outage: it remembers that the editor knows.
    restarted = Service(App(config_path=mailbox.config))
    restarted.poll_job()

    assert len(inbox.received) == 1
    alert = message_from_bytes(inbox.received[0], policy=email.policy.default)
    assert failed in alert["Subject"]
    assert "Asia/Ho_Chi_Minh" in alert["Subject"]  # the editor's time, and says so
    body = alert.get_content()
    assert "refused the connection" in body  # the one-line reason, for whoever fixes it
    assert pending in body
    assert alert["To"] == "bientap@example.org"

    mailbox.configure(alert_after=0)
    after_fix = Service(App(config_path=mailbox.config))
    after_fix.poll_job()
    after_fix.poll_job()
    after_fix.close()  # its IMAP session is kept between polls until then

    assert len(inbox.received) == 2
    assert (
        works_again in message_from_bytes(inbox.received[1], policy=email.policy.default)["Subject"]
    )


def test_run_serves_the_web_admin_when_enabled_and_stops_it_on_sigterm(mailbox: Mailbox) -> None:
    import urllib.request  # noqa: PLC0415

    port = free_port()
    text = mailbox.config.read_text(encoding="utf-8")
    mailbox.config.write_text(text + f"\n[web]\nenabled = true\nport = {port}\n", encoding="utf-8")
    argv = [sys.executable, "-m", "tinbai", "--config", str(mailbox.config), "run"]
    process = subprocess.Popen(
        argv, env=mailbox.tinbai.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 30
        page = ""
        while not page:
            assert time.monotonic() < deadline, "the web admin did not start"
            assert process.poll() is None, process.communicate()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as answer:
                    page = answer.read().decode()
            except OSError:
                time.sleep(0.3)
        assert "Đăng nhập" in page
        _stop(process)
    finally:
        if process.poll() is None:
            process.kill()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0, "the web admin still listens after stop"


def _stop(process: subprocess.Popen[str]) -> str:
    """SIGTERM, as systemd stops the service: a clean exit, no traceback; its stderr."""
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=15)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    return stderr
