"""Mail loops (issue 12, part 7): an autoresponder on the collection mailbox starts no storm.

Weekly cycles of the service on a `ClockedApp`: a unit sends a piece, the poll counts it
and sends its receipt, the digest goes to the editor (and an alert, twice). Every mail
tinbai sends is answered by the autoresponder of the mailbox it reached, into the
collection mailbox on the real Dovecot: RFC 3834 replies, Exchange-style ones, a naive
"Re:" with a photo and no automatic header at all, and bounces (DSNs). The next poll
reads them. Nothing of it may count and nothing may be answered: the SMTP test server
gets one digest and one receipt per cycle, whatever the cycles.

CI runs 10 cycles; `TINBAI_LOOP_CYCLES=60` runs more (see RELIABILITY.md).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest
from digestkit import HANOI, ClockedApp, InProcess, SmtpServer, add_table, use_smtp
from dovecot import Mailbox
from mailkit import Attachment, build_message, make_jpeg
from sqlalchemy import func, select

from store.mailbox_state import PollHealth
from store.models import Message
from tinbai.alerts import email_editor, polling_failed, polling_recovered
from tinbai.digest_job import send_scheduled_digest
from tinbai.polling import poll_once
from tinbai.receipts import send_due_receipts

pytestmark = pytest.mark.integration

CYCLES = int(os.environ.get("TINBAI_LOOP_CYCLES", "10"))
FIRST_MONDAY = datetime(2020, 4, 6, 7, 30, tzinfo=HANOI)
Q2_END = date(2020, 6, 30)
COLLECTION = "tinbai@example.org"
UNIT = "tuangiao@example.org"
PHOTO = Attachment("IMG_0001.jpg", make_jpeg(seed=7))


def autoreply(original: EmailMessage, responder: str, style: int, at: datetime) -> bytes:
    """What the autoresponder of ``responder``'s mailbox sends back to tinbai."""
    mid, subject = str(original["Message-ID"]), str(original["Subject"])
    if style == 3:  # the mailbox is gone: a bounce (RFC 3464) from its server
        return (
            f"From: Mail Delivery System <MAILER-DAEMON@example.org>\r\nTo: {COLLECTION}\r\n"
            f"Return-Path: <>\r\nSubject: Undelivered Mail Returned to Sender\r\n"
            f"Date: {format_datetime(at)}\r\nMessage-ID: {make_msgid(domain='example.org')}\r\n"
            "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status;"
            ' boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nThis is the mail system.'
            f"\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; "
            f"example.org\r\n\r\nFinal-Recipient: rfc822; {responder}\r\nAction: failed\r\n"
            f"Status: 5.2.2\r\n--b--\r\n"
        ).encode()
    headers: list[tuple[str, str]] = [("In-Reply-To", mid), ("References", mid)]
    attachments: tuple[Attachment, ...] = ()
    if style == 0:  # RFC 3834
        headers.append(("Auto-Submitted", "auto-replied"))
        subject = f"Automatic reply: {subject}"
    elif style == 1:  # Exchange, in Vietnamese
        headers.append(("X-Autoreply", "yes"))
        subject = f"Trả lời tự động: {subject}"
    else:  # a naive one: "Re:", no automatic header, a photo from its signature
        subject = f"Re: [Ảnh] {subject}"
        attachments = (PHOTO,)
    return build_message(
        sender=responder,
        to=COLLECTION,
        subject=subject,
        body="Tôi đang đi công tác, sẽ trả lời khi về. " * 20,
        attachments=attachments,
        date=at,
        headers=headers,
    )


@pytest.fixture
def service(mailbox: Mailbox, smtp_server: SmtpServer) -> Iterator[ClockedApp]:
    use_smtp(mailbox.config, smtp_server.host, smtp_server.port)
    add_table(mailbox.config, "receipts", "enabled = true\ninterval_minutes = 60")
    app = ClockedApp(config_path=mailbox.config, at=FIRST_MONDAY)
    yield app
    app.close()


def test_an_autoresponder_on_the_collection_mailbox_starts_no_storm(
    mailbox: Mailbox, smtp_server: SmtpServer, service: ClockedApp
) -> None:
    extend_plans(mailbox.config, (FIRST_MONDAY + timedelta(weeks=CYCLES)).date())
    sent = smtp_server.mailbox
    answered = 0  # how many of tinbai's mails the autoresponders have answered so far
    replies = 0
    styles = set()  # (reply style, whose autoresponder): each kind meets digests and receipts
    for week in range(CYCLES):
        monday = FIRST_MONDAY + timedelta(weeks=week)
        service.at = monday
        mailbox.deliver(  # the unit's piece of the week
            build_message(
                sender=UNIT,
                subject=f"[Tin] Tin tuần {week}",
                message_id=f"<tin-{week}@tuangiao.example.org>",
                date=monday - timedelta(minutes=30),
            )
        )
        poll_once(service)  # counts it, and last week's autoreplies, which count for nothing
        send_due_receipts(service)
        send_scheduled_digest(service)
        if week == 1:  # an outage and its end: the two alerts
            health = PollHealth(monday - timedelta(hours=2), 5, "connection refused", False)
            assert email_editor(service, polling_failed(service, health))
            assert email_editor(service, polling_recovered(service, health))
        for envelope, msg in list(zip(sent.envelopes, sent.messages(), strict=True))[answered:]:
            for responder in envelope.rcpt_tos:
                style = (week + replies) % 4
                mailbox.deliver(autoreply(msg, responder, style, service.at))
                styles.add((style, responder))
                replies += 1
        answered = len(sent.envelopes)
        service.at = monday + timedelta(hours=2)
        poll_once(service)  # reads the replies now: nothing counts, nothing is answered
        send_due_receipts(service)
        assert len(sent.envelopes) == answered  # no mail in answer to an autoresponder

    messages = sent.messages()
    digests = [m for m in messages if m["To"] == "bientap@example.org"]
    receipts = [m for m in messages if m["To"] == UNIT]
    assert len(messages) == 2 * CYCLES + 2  # one digest and one receipt a week, two alerts
    assert len(digests) == CYCLES + 2
    assert {m["Auto-Submitted"] for m in digests} == {"auto-generated"}
    assert {m["Auto-Submitted"] for m in receipts} == {"auto-replied"}
    assert [m["In-Reply-To"] for m in receipts] == [
        f"<tin-{w}@tuangiao.example.org>" for w in range(CYCLES)
    ]
    assert replies == len(messages)
    with service.store.session() as s:
        by_status = dict(
            s.execute(select(Message.status, func.count()).group_by(Message.status)).all()
        )
    assert by_status == {"counted": CYCLES, "ignored": replies}
    if CYCLES >= 10:
        assert len(styles) == 8  # 4 reply styles x (the editor's, the unit's)
    totals = mailbox.totals()  # the quarter's report
    assert totals["news"] == sum(
        (FIRST_MONDAY + timedelta(weeks=w)).date() <= Q2_END for w in range(CYCLES)
    )
    assert totals["photo"] == 0  # the naive replies' photos: never counted


def extend_plans(config: Path, until: date) -> None:
    """A run longer than the quarter: next quarters' plans, as `tinbai plan new` writes them."""
    run, previous, start = InProcess(config), "2020-q2", Q2_END + timedelta(days=1)
    while start <= until:
        end = date(start.year + (start.month == 10), (start.month + 2) % 12 + 1, 1)
        plan_id = f"{start.year}-q{(start.month - 1) // 3 + 1}"
        run(
            "plan",
            "new",
            plan_id,
            "--from",
            previous,
            "--start",
            start,
            "--end",
            end - timedelta(days=1),
        )
        previous, start = plan_id, end
