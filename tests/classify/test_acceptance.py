"""The issue's acceptance cases, end to end: real MIME, the real CLI, a real SQLite store."""

from __future__ import annotations

import base64
import json
import unicodedata
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from mailkit import HANOI, Attachment, make_docx, make_heic, make_jpeg, make_png
from shapes import to_cp1258

DOCX = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")


def unit_counts(tinbai: Callable[..., object], unit: str) -> dict[str, int]:
    done = tinbai("report", "--format", "json", "--as-of", "2020-05-15")
    data = json.loads(done.stdout)  # type: ignore[attr-defined]
    counts: dict[str, int] = next(u for u in data["units"] if u["id"] == unit)["counts"]
    return counts


NEWS_TEXT = (
    "Sáng 11/5, Liên đoàn Lao động huyện Tuần Giáo tổ chức Hội nghị tổng kết"
    " Tháng Công nhân năm 2020. "
    "Tham dự có đại diện lãnh đạo huyện và hơn 100 đoàn viên công đoàn tiêu biểu."
)


def test_tin_with_three_photos_and_a_logo_is_one_news_and_three_photos_and_a_resend_adds_no_photo(
    tinbai: Callable[..., object], write_eml: Callable[..., Path]
) -> None:
    tinbai("senders", "add", "tuangiao@example.org", "tuan-giao")
    photos = [Attachment(f"IMG_{i}.jpg", make_jpeg(seed=i)) for i in (1, 2, 3)]
    logo = Attachment("image001.png", make_png(180, 60), subtype="png", inline=True)
    first = write_eml(
        subject="[Tin] Hội nghị tổng kết", body=NEWS_TEXT, attachments=[*photos, logo]
    )
    tinbai("ingest-file", first)
    assert unit_counts(tinbai, "tuan-giao") == {"news": 1, "article": 0, "photo": 3}

    resent = write_eml(
        subject="[Ảnh] Hội nghị tổng kết (gửi lại)", body="Gửi lại ảnh.", attachments=photos
    )
    tinbai("ingest-file", resent)
    assert unit_counts(tinbai, "tuan-giao") == {"news": 1, "article": 0, "photo": 3}


def test_windows_1258_bai_subject_with_a_docx_is_one_article(
    tinbai: Callable[..., object], tmp_path: Path
) -> None:
    tinbai("senders", "add", "yte@example.org", "y-te")
    subject = "[Bài] Ngành Y tế chung tay phòng chống dịch"
    # Outlook on a Vietnamese Windows writes the subject in windows-1258, with combining tones.
    encoded = base64.b64encode(to_cp1258(subject)).decode()
    msg = EmailMessage()
    msg["From"] = "Công đoàn ngành Y tế <yte@example.org>"
    msg["To"] = "tinbai@example.org"
    msg["Date"] = format_datetime(datetime(2020, 5, 12, 8, 0, tzinfo=HANOI))
    msg["Message-ID"] = "<bai-1258@example.org>"
    msg.set_content("Kính gửi Ban Tuyên giáo, đơn vị gửi bài viết đính kèm.")
    body = [
        "Trong những ngày qua, đội ngũ y bác sĩ tỉnh Điện Biên đã ngày đêm chống dịch. " * 12
    ] * 5
    msg.add_attachment(
        make_docx(*body), maintype=DOCX[0], subtype=DOCX[1], filename="bai-viet.docx"
    )
    raw = msg.as_bytes().replace(b"Subject:", b"X-Old:", 0)
    raw = b"Subject: =?windows-1258?B?" + encoded.encode() + b"?=\r\n" + raw
    path = tmp_path / "bai.eml"
    path.write_bytes(raw)
    tinbai("ingest-file", path)
    assert unit_counts(tinbai, "y-te") == {"news": 0, "article": 1, "photo": 0}
    explained = tinbai("explain", "<bai-1258@example.org>").stdout  # type: ignore[attr-defined]
    assert "tiêu đề:     [Bài] Ngành Y tế chung tay phòng chống dịch" in explained
    assert "+ documents: " not in explained  # the documents rule found nothing to skip …
    assert "1 bài: bài: tệp văn bản bai-viet.docx; tiêu đề có nhãn [Bài]" in explained


def test_iphone_message_with_two_heic_files_and_an_nfd_anh_subject_is_two_photos(
    tinbai: Callable[..., object], write_eml: Callable[..., Path]
) -> None:
    tinbai("senders", "add", "muongcha@example.org", "muong-cha")
    subject = unicodedata.normalize("NFD", "[Ảnh] Hoạt động Tháng Công nhân")
    heics = [Attachment(f"IMG_000{i}.HEIC", make_heic(i), subtype="heic") for i in (1, 2)]
    eml = write_eml(
        sender="muongcha@example.org",
        subject=subject,
        body="Gửi từ iPhone của tôi",
        attachments=heics,
    )
    tinbai("ingest-file", eml)
    assert unit_counts(tinbai, "muong-cha") == {"news": 0, "article": 0, "photo": 2}


def test_an_auto_reply_and_a_bounce_count_nothing_and_say_why(
    tinbai: Callable[..., object], write_eml: Callable[..., Path]
) -> None:
    tinbai("senders", "add", "tuangiao@example.org", "tuan-giao")
    tinbai("senders", "add", "@example.org", "tuan-giao")
    auto = write_eml(
        subject="Trả lời tự động: [Tin] Hội nghị",
        body=NEWS_TEXT * 5,
        message_id="<auto@example.org>",
        headers=[("Auto-Submitted", "auto-replied")],
    )
    bounce = write_eml(
        sender="MAILER-DAEMON@example.org",
        subject="Undelivered Mail Returned to Sender",
        body="This is the mail system at host example.org. " * 20,
        message_id="<bounce@example.org>",
        attachments=[Attachment("IMG_1.jpg", make_jpeg(seed=7))],
    )
    out = tinbai("ingest-file", auto, bounce).stdout  # type: ignore[attr-defined]
    assert "bỏ qua: thư tự động (Auto-Submitted: auto-replied)" in out
    assert "bỏ qua: do mailer-daemon gửi" in out
    assert unit_counts(tinbai, "tuan-giao") == {"news": 0, "article": 0, "photo": 0}
    explained = tinbai("explain", "auto@example.org").stdout  # type: ignore[attr-defined]
    assert (
        "trạng thái:  bỏ qua (Thư trả lời tự động) — thư tự động (Auto-Submitted: auto-replied)"
        in explained
    )
    assert "+ auto-reply: thư tự động (Auto-Submitted: auto-replied)" in explained
    assert "- bounce" in explained


def test_explain_lists_every_rule_that_ran_for_a_counted_message(
    tinbai: Callable[..., object], write_eml: Callable[..., Path]
) -> None:
    eml = write_eml(
        subject="[Tin] Hội nghị",
        body=NEWS_TEXT,
        message_id="<counted@example.org>",
        attachments=[Attachment("IMG_1.jpg", make_jpeg(seed=11))],
    )
    tinbai("ingest-file", eml)
    out = tinbai("explain", "1").stdout  # type: ignore[attr-defined]
    for rule in (
        "bounce",
        "auto-reply",
        "spoofed",
        "not-addressed",
        "outside-period",
        "photos",
        "documents",
        "archives",
        "revision",
        "body-piece",
        "nothing-found",
    ):
        assert f" {rule}" in out
    assert "+ photos" in out
    assert "  đã đọc:      nhãn [Tin]; " in out
    assert "IMG_1.jpg [image/jpeg, " in out
    assert "1 ảnh: ảnh IMG_1.jpg (1200×800 px" in out
    assert "1 tin: tin trong nội dung thư; tiêu đề có nhãn [Tin]" in out


def test_explain_of_an_unknown_message_is_one_line_and_exit_1(
    tinbai: Callable[..., object],
) -> None:
    done = tinbai("explain", "<nope@example.org>", check=False)
    assert done.returncode == 1  # type: ignore[attr-defined]
    assert done.stderr.strip().count("\n") == 0  # type: ignore[attr-defined]
    assert "no stored message" in done.stderr  # type: ignore[attr-defined]


def test_a_short_reply_to_a_stored_submission_is_a_revision_through_the_store(
    tinbai: Callable[..., object], write_eml: Callable[..., Path]
) -> None:
    first = write_eml(subject="[Tin] Hội nghị", body=NEWS_TEXT, message_id="<first@example.org>")
    reply = write_eml(
        subject="Re: [Tin] Hội nghị",
        body="Xin sửa lại: hơn 120 đoàn viên.\n\nVào 11/5 Ban đã viết:\n> " + NEWS_TEXT,
        message_id="<reply@example.org>",
        headers=[("In-Reply-To", "<first@example.org>"), ("References", "<first@example.org>")],
    )
    out = tinbai("ingest-file", first, reply).stdout  # type: ignore[attr-defined]
    assert "bỏ qua: thư trả lời <first@example.org> chỉ có 7 từ mới, không có tệp mới" in out
