"""Receipts (issue 14): a unit hears what its mail counted for, once, and loops get nothing.

Real Dovecot (the collection mailbox), the real SMTP test server (`digestkit`), SQLite.
The in-process polls run on a `ClockedApp` inside the plan's quarter, so the receipt can
state the unit's standing; the restart test runs `tinbai poll` as separate processes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

import pytest
from digestkit import HANOI, ClockedApp, SmtpServer, add_table, use_smtp
from dovecot import Mailbox
from mailkit import build_message

from store.receipts import claim_receipts, due_receipts
from tinbai.config import mailbox_names
from tinbai.polling import poll_once
from tinbai.receipts import send_due_receipts
from tinbai.service import Service

pytestmark = pytest.mark.integration

MORNING = datetime(2020, 5, 11, 10, 0, tzinfo=HANOI)


@pytest.fixture
def receipts(mailbox: Mailbox, smtp_server: SmtpServer) -> Iterator[ClockedApp]:
    """Receipts on (an hour's interval), SMTP on the test server, and tinbai on a clock."""
    use_smtp(mailbox.config, smtp_server.host, smtp_server.port)
    add_table(mailbox.config, "receipts", "enabled = true\ninterval_minutes = 60")
    app = ClockedApp(config_path=mailbox.config, at=MORNING)
    yield app
    app.close()


def poll_and_answer(app: ClockedApp) -> None:
    """What `tinbai run` does on each poll: count what is new, then send the receipts due."""
    poll_once(app)
    send_due_receipts(app)


def body(msg: EmailMessage) -> str:
    part = msg.get_body(("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def test_counted_and_review_bound_mail_each_get_one_vietnamese_receipt(
    mailbox: Mailbox, smtp_server: SmtpServer, receipts: ClockedApp
) -> None:
    mailbox.deliver(
        build_message(
            sender="tuangiao@example.org",
            subject="[Tin] Hội nghị công nhân huyện Tuần Giáo",
            message_id="<tin-1@tuangiao.example.org>",
        ),
        build_message(
            sender="dienbien@example.org",
            subject="[Ảnh] Ngày hội công nhân",
            body="Đơn vị gửi ảnh sau.",
            message_id="<anh-1@dienbien.example.org>",
        ),
    )
    poll_and_answer(receipts)
    by_rcpt = {
        tuple(e.rcpt_tos): m
        for e, m in zip(smtp_server.mailbox.envelopes, smtp_server.mailbox.messages(), strict=True)
    }
    assert set(by_rcpt) == {("tuangiao@example.org",), ("dienbien@example.org",)}

    counted = by_rcpt[("tuangiao@example.org",)]
    assert counted["Auto-Submitted"] == "auto-replied"
    assert counted["In-Reply-To"] == "<tin-1@tuangiao.example.org>"
    assert counted["From"] == "tinbai@example.org"
    assert counted["Subject"] == "Đã nhận: [Tin] Hội nghị công nhân huyện Tuần Giáo"
    text = body(counted)
    assert "Kính gửi LĐLĐ huyện Tuần Giáo," in text
    assert (
        "“[Tin] Hội nghị công nhân huyện Tuần Giáo” (09:00 ngày 11/05/2020): đã tính 1 tin." in text
    )
    assert "Tình hình của đơn vị trong kế hoạch “Kế hoạch tuyên truyền quý II năm 2020”" in text
    assert "• Tin: 1/2" in text  # the district's per-member minimum
    assert "viết cho biên tập viên tại bientap@example.org" in text

    review = by_rcpt[("dienbien@example.org",)]
    assert review["In-Reply-To"] == "<anh-1@dienbien.example.org>"
    assert review["Auto-Submitted"] == "auto-replied"
    text = body(review)
    assert "chưa tính — có nhãn [Ảnh] nhưng không tìm thấy nội dung loại đó" in text
    assert "Biên tập viên sẽ xem lại." in text
    assert "bientap@example.org" in text

    receipts.at += timedelta(hours=3)
    poll_and_answer(receipts)  # nothing new: nobody hears twice
    assert len(smtp_server.mailbox.envelopes) == 2


def _dsn() -> bytes:
    """A delivery status notification (RFC 3464), as Postfix writes one."""
    return (
        "From: Mail Delivery System <MAILER-DAEMON@example.org>\r\n"
        "To: tinbai@example.org\r\n"
        "Return-Path: <>\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Date: {format_datetime(MORNING)}\r\n"
        "Message-ID: <dsn-1@example.org>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n'
        "\r\n--b\r\nContent-Type: text/plain\r\n\r\nThis is the mail system.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; example.org\r\n\r\n"
        "Final-Recipient: rfc822; x@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "--b--\r\n"
    ).encode()


LOOPS = {  # what must get no receipt, each from a sender mapped to a unit
    "auto-submitted": (("Auto-Submitted", "auto-generated"),),
    "return-path": (("Return-Path", "<>"),),
    "list-id": (("List-Id", "Tin các đơn vị <tin.lists.example.org>"),),
    "precedence-list": (("Precedence", "list"),),
    "precedence-bulk": (("Precedence", "bulk"),),
    "precedence-junk": (("Precedence", "junk"),),
}


def test_no_receipt_to_automatic_mail_bounces_lists_or_unknown_senders(
    mailbox: Mailbox, smtp_server: SmtpServer, receipts: ClockedApp
) -> None:
    mailbox.deliver(
        *(
            build_message(
                sender="tuangiao@example.org", subject=f"[Tin] Tin số {i}", headers=headers
            )
            for i, headers in enumerate(LOOPS.values())
        ),
        build_message(sender="lan.muongcha@gmail.example.com", subject="[Tin] Người lạ gửi"),
        _dsn(),
    )
    poll_and_answer(receipts)
    receipts.at += timedelta(days=1)
    poll_and_answer(receipts)
    assert smtp_server.mailbox.envelopes == []
    # The list's mail still counts for the unit: refusing a receipt is not refusing a piece.
    assert mailbox.totals()["news"] == 1
    log = mailbox.tinbai("receipts").stdout
    assert "skipped  lan.muongcha@gmail.example.com" in log  # unknown sender: recorded, not sent
    assert "tuangiao" not in log  # the loop cases were never owed one


def test_several_submissions_within_the_interval_go_in_one_receipt(
    mailbox: Mailbox, smtp_server: SmtpServer, receipts: ClockedApp
) -> None:
    def send(n: int) -> None:
        mailbox.deliver(
            build_message(
                sender="tuangiao@example.org",
                subject=f"[Tin] Tin số {n}",
                message_id=f"<tin-{n}@tuangiao.example.org>",
                date=receipts.at,
            )
        )

    send(1)
    send(2)
    poll_and_answer(receipts)  # two in one poll: one receipt for both
    [first] = smtp_server.mailbox.messages()
    assert first["Subject"] == "Đã nhận 2 thư của LĐLĐ huyện Tuần Giáo"
    assert first["References"] == "<tin-1@tuangiao.example.org> <tin-2@tuangiao.example.org>"
    for minutes in (20, 40):  # within the hour after it: they wait
        receipts.at = MORNING + timedelta(minutes=minutes)
        send(minutes)
        poll_and_answer(receipts)
    assert len(smtp_server.mailbox.envelopes) == 1
    receipts.at = MORNING + timedelta(minutes=61)
    poll_and_answer(receipts)
    second = smtp_server.mailbox.messages()[1]
    assert second["In-Reply-To"] == "<tin-40@tuangiao.example.org>"
    assert second["References"] == "<tin-20@tuangiao.example.org> <tin-40@tuangiao.example.org>"
    text = body(second)
    assert "“[Tin] Tin số 20”" in text
    assert "“[Tin] Tin số 40”" in text
    assert "• Tin: 4/2" in text
    receipts.at += timedelta(hours=2)
    poll_and_answer(receipts)
    assert len(smtp_server.mailbox.envelopes) == 2


def test_a_receipt_goes_out_once_across_restarts(
    mailbox: Mailbox, smtp_server: SmtpServer, receipts: ClockedApp
) -> None:
    """Each `tinbai poll` is a new process: the queue and the claims live in the database.

    Those run on the real clock, so the mail is dated today, outside the seed's plan.
    """
    add_table(mailbox.config, "classify", "ignore_outside_plans = false")
    today = datetime.now(HANOI)
    mailbox.deliver(
        build_message(
            sender="tuangiao@example.org", message_id="<tin-1@tuangiao.example.org>", date=today
        )
    )
    smtp_server.mailbox.answer = "451 4.3.0 Try again later"
    assert "1 new" in mailbox.tinbai("poll").stdout  # queued; the server turns the receipt away
    assert smtp_server.mailbox.envelopes == []
    smtp_server.mailbox.answer = "250 OK"
    mailbox.tinbai("poll")  # a new process: the receipt still owed goes out ...
    mailbox.tinbai("poll")  # ... once
    [receipt] = smtp_server.mailbox.messages()
    assert receipt["In-Reply-To"] == "<tin-1@tuangiao.example.org>"

    # A tinbai that stopped between claiming a receipt and sending it: never sent twice.
    mailbox.deliver(
        build_message(
            sender="dienbien@example.org", message_id="<tin-2@dienbien.example.org>", date=today
        )
    )
    poll_once(receipts)
    [(sender, [owed])] = due_receipts(receipts.store).items()
    assert sender == "dienbien@example.org"
    stopped = receipts.now() - timedelta(days=1)
    assert claim_receipts(receipts.store, [owed.row], "<1.2.3.receipt@example.org>", stopped)
    mailbox.tinbai("poll")
    assert len(smtp_server.mailbox.envelopes) == 1
    log = mailbox.tinbai("receipts").stdout
    assert "unsure   dienbien@example.org" in log
    assert "sent     tuangiao@example.org" in log


def test_a_first_sync_does_not_answer_old_mail(
    mailbox: Mailbox, smtp_server: SmtpServer, receipts: ClockedApp
) -> None:
    receipts.at = MORNING + timedelta(days=30)
    mailbox.deliver(
        build_message(sender="tuangiao@example.org", subject="[Tin] Tháng trước", date=MORNING),
        build_message(
            sender="dienbien@example.org",
            subject="[Tin] Hôm qua",
            date=receipts.at - timedelta(days=1),
        ),
    )
    poll_and_answer(receipts)
    assert mailbox.totals()["news"] == 2  # both count ...
    assert [e.rcpt_tos for e in smtp_server.mailbox.envelopes] == [["dienbien@example.org"]]


def test_receipts_are_off_by_default(mailbox: Mailbox, smtp_server: SmtpServer) -> None:
    use_smtp(mailbox.config, smtp_server.host, smtp_server.port)
    mailbox.deliver(build_message(sender="tuangiao@example.org"))
    assert "1 new" in mailbox.tinbai("poll").stdout
    assert smtp_server.mailbox.envelopes == []
    assert mailbox.tinbai("receipts").stdout.strip() == "chưa có thư xác nhận nào"


def test_a_polling_process_without_the_digest_sends_the_receipts(
    mailbox: Mailbox, smtp_server: SmtpServer, receipts: ClockedApp
) -> None:
    """`tinbai run --mailbox NAME` polls but sends no digest; its polls still answer units."""
    service = Service(receipts, mailboxes=mailbox_names(receipts.config), digest=False)
    mailbox.deliver(build_message(sender="tuangiao@example.org"))
    try:
        service.poll_job()
    finally:
        service.close()
    [receipt] = smtp_server.mailbox.messages()
    assert receipt["To"] == "tuangiao@example.org"


def test_on_postgresql_the_poll_queues_the_receipt_with_its_message(
    mailbox: Mailbox, smtp_server: SmtpServer, receipts: ClockedApp, postgres_db: str
) -> None:
    """The poller writes a batch in one transaction; the receipt is owed inside it."""
    text = mailbox.config.read_text(encoding="utf-8")
    mailbox.config.write_text(
        text.replace('url = "sqlite:///tinbai.db"', f'url = "{postgres_db}"', 1), encoding="utf-8"
    )
    mailbox.deliver(
        build_message(sender="tuangiao@example.org", message_id="<tin-pg@tuangiao.example.org>")
    )
    poll_and_answer(receipts)
    [receipt] = smtp_server.mailbox.messages()
    assert receipt["In-Reply-To"] == "<tin-pg@tuangiao.example.org>"
    assert "postgresql" in receipts.config.database_url
