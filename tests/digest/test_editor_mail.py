"""Mail to the editor, digest or outage alert: one SMTP secret rule, one sender, same headers.

Both go through a real SMTP server on loopback (aiosmtpd), the alert because a real poll
fails: the mailbox's port is closed.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from digestkit import SMTP_PASSWORD, SmtpServer, use_smtp

from tinbai.app import App
from tinbai.service import Service

pytestmark = pytest.mark.integration


@pytest.fixture
def mailbox_down(quarter: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The quarter's config with its mailbox on a closed port of 127.0.0.1, alerting at once."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # bound, never listening: the poll's connect is refused
        port = closed.getsockname()[1]
        text = quarter.read_text(encoding="utf-8")
        text = text.replace('host = "imap.example.org"', 'host = "127.0.0.1"', 1)
        text = text.replace("port = 993", f"port = {port}\nalert_after = 0", 1)
        text = text.replace('security = "tls"', 'security = "plain"', 1)
        quarter.write_text(text, encoding="utf-8")
        monkeypatch.setenv("TINBAI_IMAP_PASSWORD", "not-used")
        yield quarter


def alert_after_a_failed_poll(config: Path) -> None:
    service = Service(App(config_path=config))
    try:
        service.poll_job()
    finally:
        service.close()
        service.app.close()


def test_a_username_without_a_secret_sends_the_digest_and_the_alert_alike(
    run, mailbox_down: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A relay on loopback needs no login: a username alone names no secret to read.
    monkeypatch.delenv("TINBAI_SMTP_PASSWORD", raising=False)
    use_smtp(mailbox_down, smtp_server.host, smtp_server.port, username="tinbai")
    assert "sent to" in run("digest", "--send", "--as-of", "2020-05-17")
    alert_after_a_failed_poll(mailbox_down)
    digest, alert = smtp_server.mailbox.messages()
    assert "tuần 20" in digest["Subject"]
    assert "chưa đọc được hộp thư" in alert["Subject"]


def test_the_digest_and_the_alert_log_in_with_the_same_secret(
    run, mailbox_down: Path, tls_smtp_server: SmtpServer, certificates, monkeypatch
) -> None:
    monkeypatch.setenv("TINBAI_SMTP_PASSWORD", SMTP_PASSWORD)
    use_smtp(
        mailbox_down,
        tls_smtp_server.host,
        tls_smtp_server.port,
        security="starttls",
        username="tinbai",
        password_env="TINBAI_SMTP_PASSWORD",
        ca_file=str(certificates.ca),
    )
    assert "sent to" in run("digest", "--send", "--as-of", "2020-05-17")
    alert_after_a_failed_poll(mailbox_down)
    assert len(tls_smtp_server.mailbox.envelopes) == 2


def test_the_digest_and_the_alert_carry_the_same_editor_headers(
    run, mailbox_down: Path, smtp_server: SmtpServer
) -> None:
    use_smtp(mailbox_down, smtp_server.host, smtp_server.port)
    run("digest", "--send", "--as-of", "2020-05-17")
    alert_after_a_failed_poll(mailbox_down)
    digest, alert = smtp_server.mailbox.messages()
    for message in (digest, alert):
        assert message["From"] == "tinbai@example.org"
        assert message["To"] == "bientap@example.org"
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["X-Auto-Response-Suppress"] == "All"
        assert re.fullmatch(r"<[^@<>\s]+@example\.org>", message["Message-ID"])
        assert message["Date"].datetime.tzinfo is not None
