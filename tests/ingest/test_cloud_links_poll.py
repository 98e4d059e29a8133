"""Cloud links through a real Dovecot: the poller's partial fetch finds them as a file would."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import pytest
from dovecot import Mailbox
from mailkit import HANOI, Attachment, build_message, make_jpeg

pytestmark = pytest.mark.integration

DRIVE = "https://drive.google.com/drive/folders/1AbCdEfGh?usp=sharing"
ONEDRIVE = "https://1drv.ms/f/s!AkZ9x3Q"


def html_only(subject: str, markup: str) -> bytes:
    """Mail as some phone clients send it: an HTML body and no text/plain alternative."""
    msg = EmailMessage()
    msg["From"] = "dienbienphu@example.org"
    msg["To"] = "tinbai@example.org"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime(2020, 5, 12, 9, 0, tzinfo=HANOI))
    msg["Message-ID"] = make_msgid(domain="example.org")
    msg.set_content(markup, subtype="html")
    return msg.as_bytes()


def test_links_instead_of_photos_go_to_review_with_the_links_listed(mailbox: Mailbox) -> None:
    mailbox.deliver(
        html_only(
            "[Ảnh] Hội nghị công nhân",
            f'<p>Ảnh nặng nên gửi qua <a href="{DRIVE.replace("&", "&amp;")}">thư mục ảnh</a>.</p>',
        ),
        build_message(
            subject="[Tin] Hội thao công nhân",
            body=f"Gửi Ban tin hội thao. Ảnh ở đây: {ONEDRIVE}",
            attachments=[Attachment("a.jpg", make_jpeg(seed=5))],
        ),
        build_message(subject="[Tin] Tháng Công nhân", body="Gửi Ban tin, không có liên kết."),
    )
    stats = mailbox.poll()
    assert stats.new == 3
    report = mailbox.report()
    # Only the message without links counts; the other two wait for the editor.
    assert mailbox.totals() == {"news": 1, "article": 0, "photo": 0}
    review = {r["subject"]: r for r in report["needs_review"]}
    assert set(review) == {"[Ảnh] Hội nghị công nhân", "[Tin] Hội thao công nhân"}
    html_one = review["[Ảnh] Hội nghị công nhân"]
    assert html_one["reason_code"] == "cloud-links.found"
    assert DRIVE in html_one["reason"]  # the href of an HTML-only body, kept by the parser
    assert ONEDRIVE in review["[Tin] Hội thao công nhân"]["reason"]
