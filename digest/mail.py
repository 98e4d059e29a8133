"""Mail to the editor, digest or alert: the headers written once, the SMTP hand-over done once.

The digest is multipart (text and HTML alternatives, the .xlsx attached); an alert is
plain text. Both carry the same From, To, Date, Message-ID and the headers that keep
auto-responders (and tinbai's own poll) from answering them.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from digest.render import RenderedDigest
from digest.settings import Editor, SmtpSettings
from digest.smtp import deliver

CHART_NAME = "tien-do.png"
XLSX_SUBTYPE = "vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def new_message_id(sender: str, what: str = "digest") -> str:
    # `smtp.from` may carry a display name ("Tin bài <tinbai@example.org>"): the domain only.
    domain = parseaddr(sender)[1].rpartition("@")[2] or "tinbai.invalid"
    return make_msgid(idstring=what, domain=domain)


def editor_message(
    editor: Editor, subject: str, *, now: datetime, message_id: str | None = None
) -> EmailMessage:
    """A message to the editor with its headers and no body yet."""
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = editor.sender
    msg["To"] = ", ".join(editor.recipients)
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = message_id or new_message_id(editor.sender)
    # RFC 3834: no vacation replies to it, and tinbai ignores it if it loops into the mailbox.
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"  # the same, for Exchange
    return msg


def compose(
    rendered: RenderedDigest, editor: Editor, *, now: datetime, message_id: str | None = None
) -> EmailMessage:
    """The digest: multipart/mixed( multipart/alternative( text, multipart/related( html,
    chart PNG ) ), xlsx ).

    The chart sits beside the HTML that shows it by ``cid:`` (RFC 2387), inline: Gmail and
    Outlook show it there and do not list it as an attachment.
    """
    msg = editor_message(editor, rendered.subject, now=now, message_id=message_id)
    msg.set_content(rendered.text, cte="quoted-printable")
    msg.add_alternative(rendered.html, subtype="html", cte="quoted-printable")
    if rendered.chart:
        html = next(p for p in msg.iter_parts() if p.get_content_type() == "text/html")
        assert isinstance(html, EmailMessage)
        html.add_related(
            rendered.chart,
            maintype="image",
            subtype="png",
            cid=f"<{rendered.chart_cid}>",
            filename=CHART_NAME,
            disposition="inline",
        )
    msg.add_attachment(
        rendered.attachment,
        maintype="application",
        subtype=XLSX_SUBTYPE,
        filename=rendered.attachment_name,
    )
    return msg


def text_message(editor: Editor, subject: str, body: str, *, now: datetime) -> EmailMessage:
    """A short note to the editor in plain text, e.g. that polling the mailbox fails."""
    msg = editor_message(
        editor, subject, now=now, message_id=new_message_id(editor.sender, "alert")
    )
    msg.set_content(body)
    return msg


def send_to_editor(smtp: SmtpSettings, editor: Editor, message: EmailMessage) -> None:
    """Hand ``message`` to the SMTP server for every recipient; DeliveryError on failure."""
    deliver(smtp, message, list(editor.recipients))
