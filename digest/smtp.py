"""Hand a finished email to the SMTP server: TLS verified, one-line errors.

Permanent refusals raise `DeliveryError`; failures that may pass (server
down, 4xx replies, timeouts) raise `TemporaryDeliveryError` so a scheduler
can try again later.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path

from tinbai.config import SmtpConfig
from tinbai.errors import DeliveryError, TemporaryDeliveryError

DEFAULT_PORTS = {"tls": 465, "starttls": 587, "plain": 25}


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """Certificate verification on, always; `ca_file` adds a private CA."""
    return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)


def deliver(  # noqa: PLR0912 — one branch per failure a person must be told apart
    config: SmtpConfig, password: str | None, message: EmailMessage, recipients: list[str]
) -> None:
    """Send ``message`` to ``recipients``; raise DeliveryError with one line on failure."""
    port = config.port or DEFAULT_PORTS[config.security]
    where = f"SMTP server {config.host}:{port}"
    try:
        if config.security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                config.host, port, timeout=config.timeout, context=tls_context(config.ca_file)
            )
        else:
            client = smtplib.SMTP(config.host, port, timeout=config.timeout)
        with client:
            if config.security == "starttls":
                client.starttls(context=tls_context(config.ca_file))
            if config.username and password:
                client.login(config.username, password)
            refused = client.send_message(message, from_addr=config.from_, to_addrs=recipients)
    except smtplib.SMTPAuthenticationError as e:
        raise DeliveryError(f"{where} refused the login of {config.username!r} ({e.smtp_code}) — check the SMTP password") from e
    except smtplib.SMTPRecipientsRefused as e:
        raise DeliveryError(f"{where} refused every recipient ({', '.join(e.recipients)}) — check digest.to") from e
    except smtplib.SMTPResponseException as e:
        text = e.smtp_error.decode(errors="replace") if isinstance(e.smtp_error, bytes) else str(e.smtp_error)
        cls = TemporaryDeliveryError if 400 <= e.smtp_code < 500 else DeliveryError
        raise cls(f"{where} answered {e.smtp_code} {text.strip()} — {'it will be retried' if cls is TemporaryDeliveryError else 'check the SMTP settings'}") from e
    except ssl.SSLCertVerificationError as e:
        raise DeliveryError(f"{where}: TLS certificate not trusted ({e.verify_message}) — set smtp.ca_file to the server's CA") from e
    except ssl.SSLError as e:
        raise DeliveryError(f"{where}: TLS failed ({e.reason}) — check smtp.security and smtp.port") from e
    except smtplib.SMTPNotSupportedError as e:
        raise DeliveryError(f"{where} does not offer STARTTLS — use security = \"tls\" or another port") from e
    except TimeoutError as e:
        raise TemporaryDeliveryError(f"{where} did not answer within {config.timeout:.0f} s — it will be retried") from e
    except ConnectionRefusedError as e:
        raise TemporaryDeliveryError(f"{where} refused the connection — is it running? check smtp.host and smtp.port") from e
    except (OSError, smtplib.SMTPException) as e:
        raise TemporaryDeliveryError(f"{where}: {type(e).__name__}: {e} — check smtp.host and the network") from e
    if refused:
        raise DeliveryError(f"{where} refused {', '.join(refused)} — check digest.to")
