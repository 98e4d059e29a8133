"""Hand a finished email to the SMTP server: TLS verified, one-line errors.

Permanent refusals raise `DeliveryError`; failures that may pass (server
down, 4xx replies, timeouts) raise `TemporaryDeliveryError` so a scheduler
can try again later.
"""

from __future__ import annotations

import base64
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path

from classify.crash import crash_point
from digest.errors import DeliveryError, TemporaryDeliveryError
from digest.settings import SmtpSettings

DEFAULT_PORTS = {"tls": 465, "starttls": 587, "plain": 25}
# OpenSSL's verify codes for a certificate issued to another host name / IP address / email.
NAME_MISMATCH = frozenset({62, 63, 64})


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """Certificate verification on, always; `ca_file` adds a private CA."""
    return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)


def deliver(config: SmtpSettings, message: EmailMessage, recipients: list[str]) -> None:
    """Send ``message`` to ``recipients``; raise DeliveryError with one line on failure."""
    port = config.port or DEFAULT_PORTS[config.security]
    where = f"SMTP server {config.host}:{port}"
    try:
        refused = _send(config, port, message, recipients)
    except (OSError, smtplib.SMTPException) as e:
        raise _explain(e, where, config) from e
    if refused:
        raise DeliveryError(f"{where} refused {', '.join(refused)} — check digest.to")


def _send(
    config: SmtpSettings,
    port: int,
    message: EmailMessage,
    recipients: list[str],
) -> dict[str, tuple[int, bytes]]:
    if config.security == "tls":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            config.host, port, timeout=config.timeout, context=tls_context(config.ca_file)
        )
    else:
        client = smtplib.SMTP(config.host, port, timeout=config.timeout)
    with client:
        if config.security == "starttls":
            client.starttls(context=tls_context(config.ca_file))
        if config.username and config.password:
            _login(client, config.username, config.password, f"SMTP server {config.host}:{port}")
        crash_point("smtp.before-data")
        refused = client.send_message(message, from_addr=config.sender, to_addrs=recipients)
        crash_point("smtp.after-data")
        return refused


def _login(client: smtplib.SMTP, username: str, password: str, where: str) -> None:
    """Log in; a non-ASCII user name or password goes as UTF-8 in AUTH PLAIN (RFC 4616).

    smtplib encodes credentials as ASCII, so `Mật-khẩu` would fail with a UnicodeEncodeError.
    """
    if (username + password).isascii():
        client.login(username, password)
        return
    client.ehlo_or_helo_if_needed()
    if "PLAIN" not in client.esmtp_features.get("auth", "").upper().split():
        raise DeliveryError(
            f"{where} does not offer AUTH PLAIN, the only way to send a password with"
            " non-ASCII characters — use an ASCII password (or an app password)"
        )
    blob = base64.b64encode(f"\0{username}\0{password}".encode()).decode("ascii")
    code, answer = client.docmd("AUTH", f"PLAIN {blob}")
    if code != 235:  # "authentication successful"
        raise smtplib.SMTPAuthenticationError(code, answer)


def _explain(e: Exception, where: str, config: SmtpSettings) -> DeliveryError:  # noqa: PLR0911 — one line per failure
    """The one line a person reads for ``e``, temporary when trying later may work."""
    if isinstance(e, smtplib.SMTPAuthenticationError):
        return DeliveryError(
            f"{where} refused the login of {config.username!r} ({e.smtp_code})"
            " — check the SMTP password"
        )
    if isinstance(e, smtplib.SMTPRecipientsRefused):
        return DeliveryError(
            f"{where} refused every recipient ({', '.join(e.recipients)}) — check digest.to"
        )
    if isinstance(e, smtplib.SMTPResponseException):
        error = e.smtp_error
        text = (error.decode(errors="replace") if isinstance(error, bytes) else str(error)).strip()
        if 400 <= e.smtp_code < 500:
            return TemporaryDeliveryError(
                f"{where} answered {e.smtp_code} {text} — try again later"
            )
        return DeliveryError(f"{where} answered {e.smtp_code} {text} — check the SMTP settings")
    if isinstance(e, ssl.SSLCertVerificationError) and e.verify_code in NAME_MISMATCH:
        return DeliveryError(
            f"{where}: TLS certificate is for another name ({e.verify_message})"
            " — set smtp.host to the name the server's certificate is issued for"
        )
    if isinstance(e, ssl.SSLCertVerificationError):
        return DeliveryError(
            f"{where}: TLS certificate not trusted ({e.verify_message})"
            " — set smtp.ca_file to the server's CA"
        )
    if isinstance(e, ssl.SSLError):
        return DeliveryError(
            f"{where}: TLS failed ({e.reason}) — check smtp.security and smtp.port"
        )
    if isinstance(e, smtplib.SMTPNotSupportedError):
        return DeliveryError(
            f"{where} does not offer STARTTLS (or something on the way removed it), so tinbai"
            ' sent no password — set smtp.security = "tls" (port 465), or have STARTTLS'
            " enabled on the server"
        )
    if isinstance(e, TimeoutError):
        return TemporaryDeliveryError(
            f"{where} did not answer within {config.timeout:.0f} s — try again later"
        )
    if isinstance(e, ConnectionRefusedError):
        return TemporaryDeliveryError(
            f"{where} refused the connection — is it running? check smtp.host and smtp.port"
        )
    return TemporaryDeliveryError(
        f"{where}: {type(e).__name__}: {e} — check smtp.host and the network"
    )
