"""Sending over STARTTLS: the certificate is verified, the password comes from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest
from digestkit import SMTP_PASSWORD, use_smtp

from tinbai.errors import DeliveryError

pytestmark = pytest.mark.integration


def starttls(config: Path, port: int, ca: Path | None, *, source: str = "env") -> None:
    extra = {"ca_file": str(ca)} if ca else {}
    if source == "env":
        extra["password_env"] = "TINBAI_SMTP_PASSWORD"
    else:
        (config.parent / "smtp-password").write_text(SMTP_PASSWORD + "\n", encoding="utf-8")
        extra["password_file"] = "smtp-password"  # relative to the config's folder
    use_smtp(config, "127.0.0.1", port, security="starttls", username="tinbai", **extra)


@pytest.fixture(params=["env", "file"])
def source(request, monkeypatch):
    """Where the SMTP password comes from; a file is used with the variable unset."""
    if request.param == "env":
        monkeypatch.setenv("TINBAI_SMTP_PASSWORD", SMTP_PASSWORD)
    else:
        monkeypatch.delenv("TINBAI_SMTP_PASSWORD", raising=False)
    return request.param


def test_starttls_with_a_trusted_certificate_and_the_password_from_env_or_file(
    run, quarter, tls_smtp_server, certificates, source
):
    starttls(quarter, tls_smtp_server.port, certificates.ca, source=source)
    assert "sent to" in run("digest", "--send", "--as-of", "2020-05-17")
    assert len(tls_smtp_server.mailbox.envelopes) == 1


def test_an_untrusted_certificate_stops_the_send_in_one_line(
    run, quarter, tls_smtp_server, certificates, monkeypatch
):
    monkeypatch.setenv("TINBAI_SMTP_PASSWORD", SMTP_PASSWORD)
    starttls(quarter, tls_smtp_server.port, None)
    with pytest.raises(DeliveryError, match="TLS certificate not trusted") as raised:
        run("digest", "--send", "--as-of", "2020-05-17")
    assert "\n" not in str(raised.value)
    assert tls_smtp_server.mailbox.envelopes == []
    starttls(quarter, tls_smtp_server.port, certificates.ca)
    assert "sent to" in run(
        "digest", "--send", "--as-of", "2020-05-17"
    )  # the week was not marked sent


def test_a_wrong_password_is_refused_in_one_line(
    run, quarter, tls_smtp_server, certificates, monkeypatch
):
    monkeypatch.setenv("TINBAI_SMTP_PASSWORD", "wrong")
    starttls(quarter, tls_smtp_server.port, certificates.ca)
    with pytest.raises(DeliveryError, match="refused the login of 'tinbai'"):
        run("digest", "--send", "--as-of", "2020-05-17")
