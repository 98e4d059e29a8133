"""The digest as one MIME message: text and HTML alternatives, the .xlsx attached."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from digest.render import RenderedDigest

XLSX_SUBTYPE = "vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def new_message_id(sender: str) -> str:
    domain = sender.rpartition("@")[2] or "tinbai.invalid"
    return make_msgid(idstring="digest", domain=domain)


def compose(
    rendered: RenderedDigest,
    *,
    sender: str,
    recipients: Sequence[str],
    now: datetime,
    message_id: str,
) -> EmailMessage:
    """multipart/mixed( multipart/alternative(text, html), xlsx ), with Date and Message-ID."""
    msg = EmailMessage()
    msg["Subject"] = rendered.subject
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = message_id
    # RFC 3834: no vacation replies to it, and tinbai ignores it if it loops into the mailbox.
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"  # the same, for Exchange
    msg.set_content(rendered.text, cte="quoted-printable")
    msg.add_alternative(rendered.html, subtype="html", cte="quoted-printable")
    msg.add_attachment(
        rendered.attachment,
        maintype="application",
        subtype=XLSX_SUBTYPE,
        filename=rendered.attachment_name,
    )
    return msg
