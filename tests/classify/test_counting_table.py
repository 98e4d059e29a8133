"""The counts a person would give, for subject lines and message shapes: one row each."""

from __future__ import annotations

import unicodedata
from dataclasses import replace

import pytest
from shapes import document, logo, message, photo, text

from classify import ClassifyContext, classify
from classify.rules import summary
from texts import reason_text

CTX = ClassifyContext(collection_address="tinbai@example.org")
TWO_PHOTOS = (photo(1), photo(2))
SVG = replace(photo(1), content_type="image/svg+xml", sniffed_type=None, filename="logo.svg")
NFD = lambda s: unicodedata.normalize("NFD", s)  # noqa: E731 — how macOS and iOS write Vietnamese


def outcome(msg: object, ctx: ClassifyContext = CTX) -> str:
    result = classify(msg, ctx)  # type: ignore[arg-type]
    if result.status == "counted":
        return reason_text(summary(result.items), "en")
    return f"{result.status}:{result.code}"


# A short note (30 words) and two photos: only the subject's tag changes the count.
SUBJECTS = [
    ("[Tin] Hội nghị tổng kết", "1 news, 2 photos"),
    ("[TIN] Hội nghị tổng kết", "1 news, 2 photos"),
    ("[tin] hội nghị", "1 news, 2 photos"),
    ("Tin: Hội nghị tổng kết", "1 news, 2 photos"),
    ("TIN: Hội nghị", "1 news, 2 photos"),
    ("(Tin) Hội nghị", "1 news, 2 photos"),
    ("【Tin】 Hội nghị", "1 news, 2 photos"),
    ("[Tin tức] Đại hội công đoàn", "1 news, 2 photos"),
    ("[Tin tuc] Dai hoi", "1 news, 2 photos"),
    ("Tin - Đại hội công đoàn cơ sở", "1 news, 2 photos"),
    ("Re: [Tin] Hội nghị", "1 news, 2 photos"),
    ("RE: [Tin] Hội nghị", "1 news, 2 photos"),
    ("Fwd: [Tin] Hội nghị", "1 news, 2 photos"),
    ("Fw: [Tin] Hội nghị", "1 news, 2 photos"),
    ("FW: FW: [Tin] Hội nghị", "1 news, 2 photos"),
    ("TL: [Tin] Hội nghị", "1 news, 2 photos"),
    ("Chuyển tiếp: [Tin] Hội nghị", "1 news, 2 photos"),
    ("Trả lời: Tin: Hội nghị", "1 news, 2 photos"),
    (NFD("Chuyển tiếp: [Tin] Hội nghị"), "1 news, 2 photos"),
    ("[Tin hội nghị] tổng kết", "1 news, 2 photos"),
    ("[Bài] Phong trào thi đua", "1 article, 2 photos"),
    ("[BÀI] Phong trào thi đua", "1 article, 2 photos"),
    ("[Bai] Phong trao thi dua", "1 article, 2 photos"),
    ("[Bài viết] Người lao động giỏi", "1 article, 2 photos"),
    ("[BAI VIET] Nguoi lao dong", "1 article, 2 photos"),
    ("Bài: Phong trào thi đua", "1 article, 2 photos"),
    ("Bài viết: Phong trào", "1 article, 2 photos"),
    ("(Bài) Phong trào", "1 article, 2 photos"),
    ("[Bài báo] Công đoàn ngành Y tế", "1 article, 2 photos"),
    (NFD("[Bài] Phong trào thi đua"), "1 article, 2 photos"),
    (NFD("[Bài viết] Phong trào"), "1 article, 2 photos"),
    ("Re: Fwd: [Bài] Phong trào", "1 article, 2 photos"),
    ("[Ảnh] Hoạt động Tháng Công nhân", "2 photos"),
    ("[ẢNH] Hoạt động", "2 photos"),
    ("[Anh] Hoat dong", "2 photos"),
    ("[anh] hoat dong", "2 photos"),
    ("Ảnh: Hoạt động", "2 photos"),
    ("(Ảnh) Hoạt động", "2 photos"),
    ("[Hình ảnh] Hoạt động", "2 photos"),
    ("[Hình] Hoạt động", "2 photos"),
    (NFD("[Ảnh] Hoạt động"), "2 photos"),
    (NFD("[ẢNH] Hoạt động"), "2 photos"),
    ("[Tin][Ảnh] Hội nghị", "1 news, 2 photos"),
    ("[Tin] [Ảnh] Hội nghị", "1 news, 2 photos"),
    ("[Tin+Ảnh] Hội nghị", "1 news, 2 photos"),
    ("[Tin + Ảnh] Hội nghị", "1 news, 2 photos"),
    ("[Tin, Ảnh] Hội nghị", "1 news, 2 photos"),
    ("[Tin/Ảnh] Hội nghị", "1 news, 2 photos"),
    ("[Tin và ảnh] Hội nghị", "1 news, 2 photos"),
    ("[Tin ảnh] Hội nghị", "1 news, 2 photos"),
    ("[Bài][Ảnh] Người tốt việc tốt", "1 article, 2 photos"),
    ("[Bài+Ảnh] Người tốt", "1 article, 2 photos"),
    ("[Tin][Bài] both tags: the length decides", "1 news, 2 photos"),
    ("Hội nghị tổng kết công tác công đoàn", "2 photos"),
    ("Tinh hình thi đua", "2 photos"),
    ("Bài hát mới của công nhân", "2 photos"),
    ("Anh Nguyễn Văn A được khen thưởng", "2 photos"),
    ("[Korea] Name", "2 photos"),
    ("Re: Hội nghị", "2 photos"),
    ("", "2 photos"),
    ("Tin: ", "1 news, 2 photos"),
    ("[Tin] ", "1 news, 2 photos"),
]


@pytest.mark.parametrize(
    ("subject", "expected"), SUBJECTS, ids=[f"{s or '(empty)'}" for s, _ in SUBJECTS]
)
def test_subject_tag_decides_what_a_short_note_with_two_photos_counts(
    subject: str, expected: str
) -> None:
    assert outcome(message(subject, text(30), TWO_PHOTOS)) == expected


def test_plus_address_is_a_tag() -> None:
    msg = message("Hội nghị", text(30), TWO_PHOTOS, to="tinbai+tin@example.org")
    assert outcome(msg) == "1 news, 2 photos"


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SHAPES = [
    (
        "tin-3-photos-and-a-signature-logo",
        message("[Tin] Hội nghị", text(150), (photo(1), photo(2), photo(3), logo())),
        "1 news, 3 photos",
    ),
    ("untagged-long-body-is-an-article", message("Người lao động giỏi", text(900)), "1 article"),
    ("untagged-medium-body-is-news", message("Hội nghị", text(200)), "1 news"),
    (
        "untagged-short-note-needs-review",
        message("Hội nghị", text(20)),
        "needs-review:needs-review",
    ),
    ("empty-message-is-ignored", message("", ""), "ignored:empty"),
    ("tag-alone-counts-as-the-unit-says", message("[Tin] Hội nghị", ""), "1 news"),
    ("untagged-without-text-or-file-is-empty", message("Hội nghị", ""), "ignored:empty"),
    (
        "tagged-photo-without-photos",
        message("[Ảnh] Hoạt động", text(10)),
        "needs-review:needs-review",
    ),
    (
        "photo-tag-long-caption-is-no-piece",
        message("[Ảnh] Hoạt động", text(300), TWO_PHOTOS),
        "2 photos",
    ),
    (
        "untagged-long-text-and-photos",
        message("Hội nghị", text(200), TWO_PHOTOS),
        "1 news, 2 photos",
    ),
    (
        "docx-with-covering-note",
        message(
            "[Bài] Phong trào",
            "Kính gửi Ban Tuyên giáo, đơn vị gửi bài.",
            (document("bai.docx", 900, ctype=DOCX),),
        ),
        "1 article",
    ),
    (
        "untagged-long-docx-is-article",
        message("Gửi bài", "Kính gửi Ban.", (document("bai.docx", 900),)),
        "1 article",
    ),
    (
        "untagged-short-docx-is-news",
        message("Gửi tin", "Kính gửi Ban.", (document("tin.docx", 250),)),
        "1 news",
    ),
    (
        "tin-tag-long-docx-is-news",
        message("[Tin] Hội nghị", "", (document("tin.docx", 900),)),
        "1 news",
    ),
    (
        "two-documents-two-pieces",
        message("[Tin] hai tin", "", (document("a.docx", 200), document("b.odt", 300))),
        "2 news",
    ),
    (
        "pdf-article",
        message("Bài viết gửi Ban", "", (document("bai.pdf", 1200, ctype="application/pdf"),)),
        "1 article",
    ),
    ("rtf-news", message("[Tin] Đại hội", "", (document("tin.rtf", 300),)), "1 news"),
    ("txt-news", message("Gửi tin", "", (document("tin.txt", 200, ctype="text/plain"),)), "1 news"),
    ("odt-article-by-tag", message("[Bài] ", "", (document("bai.odt", 200),)), "1 article"),
    (
        "doc-unreadable-large-is-article",
        message("Gửi bài", "", (document("bai.doc", None, size=120_000, note="no text reader"),)),
        "1 article",
    ),
    (
        "doc-unreadable-small-is-news",
        message("Gửi tin", "", (document("tin.doc", None, size=25_000),)),
        "1 news",
    ),
    (
        "tiny-txt-footer-is-not-a-piece",
        message("Hội nghị", "", (document("ATT00001.txt", 5, ctype="text/plain"), photo(1))),
        "1 photo",
    ),
    (
        "tagged-docx-beside-an-outlook-footer-is-one-news",
        message(
            "[Tin] Hội nghị",
            "",
            (document("tin.docx", 200), document("ATT00001.txt", 8, ctype="text/plain")),
        ),
        "1 news",
    ),
    (
        "logo-alone-without-text-needs-review",
        message("", "", (logo(),)),
        "needs-review:needs-review",
    ),
    (
        "doc-and-long-body-body-is-a-note",
        message("[Bài] Phong trào", text(900), (document("bai.docx", 900),)),
        "1 article",
    ),
    (
        "documents-and-photos",
        message("[Tin] Hội nghị", "", (document("tin.docx", 300), photo(1), photo(2))),
        "1 news, 2 photos",
    ),
    ("same-photo-twice-in-one-message", message("[Ảnh] a", "", (photo(1), photo(1))), "1 photo"),
    (
        "logo-only-needs-review",
        message("Hội nghị", text(10), (logo(),)),
        "needs-review:needs-review",
    ),
    (
        "small-image-by-bytes-is-not-a-photo",
        message("[Ảnh]", "", (photo(1, size=8_000), photo(2))),
        "1 photo",
    ),
    (
        "small-image-by-pixels-is-not-a-photo",
        message("[Ảnh]", "", (photo(1, width=120, height=90), photo(2))),
        "1 photo",
    ),
    (
        "banner-600x105-is-not-a-photo",
        message("[Ảnh]", "", (photo(1, width=600, height=105), photo(2))),
        "1 photo",
    ),
    (
        "photo-without-known-size-counts-by-bytes",
        message("[Ảnh]", "", (photo(1, width=None, height=None),)),
        "1 photo",
    ),
    (
        "gif-is-not-a-photo",
        message("[Ảnh]", "", (photo(1, ctype="image/gif", name="a.gif"), photo(2))),
        "1 photo",
    ),
    (
        "svg-drawing-is-not-a-photo",
        message("[Ảnh]", "", (SVG, photo(2))),
        "1 photo",
    ),
    ("png-photo", message("[Ảnh]", "", (photo(1, ctype="image/png", name="a.png"),)), "1 photo"),
    (
        "heic-photos",
        message(
            NFD("[Ảnh] Hoạt động"),
            "",
            (
                photo(1, ctype="image/heic", name="IMG_0001.HEIC"),
                photo(2, ctype="image/heic", name="IMG_0002.HEIC"),
            ),
        ),
        "2 photos",
    ),
    ("webp-photo", message("[Ảnh]", "", (photo(1, ctype="image/webp", name="a.webp"),)), "1 photo"),
    ("tiff-photo", message("[Ảnh]", "", (photo(1, ctype="image/tiff", name="a.tif"),)), "1 photo"),
    ("bmp-photo", message("[Ảnh]", "", (photo(1, ctype="image/bmp", name="a.bmp"),)), "1 photo"),
    (
        "photo-in-forwarded-message",
        message("Fwd: [Ảnh]", "", (photo(1, nested_in="message/rfc822"),)),
        "1 photo",
    ),
    (
        "photo-in-winmail-dat",
        message("[Ảnh]", "", (photo(1, nested_in="application/ms-tnef"),)),
        "1 photo",
    ),
    (
        "photos-in-zip",
        message(
            "[Ảnh] ảnh nén",
            "",
            (photo(1, nested_in="application/zip"), photo(2, nested_in="application/zip")),
        ),
        "2 photos",
    ),
    (
        "forward-of-a-long-piece",
        message("Fwd: Bài của đoàn viên", "---------- Forwarded message ---------\n" + text(200)),
        "1 news",
    ),
    (
        "reply-quote-is-not-counted",
        message(
            "Re: Hội nghị", "Cảm ơn.\n\nVào ngày 11/5 Ban Tuyên giáo đã viết:\n" + "> " + text(300)
        ),
        "needs-review:needs-review",
    ),
    (
        "outlook-reply-quote-is-not-counted",
        message("RE: Hội nghị", "Đã nhận.\n-----Original Message-----\n" + text(300)),
        "needs-review:needs-review",
    ),
    (
        "signature-is-not-counted",
        message("Hội nghị", text(20) + "\n-- \n" + text(200)),
        "needs-review:needs-review",
    ),
    (
        "auto-submitted",
        message("Hội nghị", text(200), headers=(("auto-submitted", "auto-replied"),)),
        "ignored:auto-reply",
    ),
    (
        "auto-submitted-no-is-fine",
        message("[Tin] a", text(200), headers=(("auto-submitted", "no"),)),
        "1 news",
    ),
    (
        "x-autoreply",
        message("Hội nghị", text(200), headers=(("x-autoreply", "yes"),)),
        "ignored:auto-reply",
    ),
    (
        "precedence-bulk",
        message("Hội nghị", text(200), headers=(("precedence", "bulk"),)),
        "ignored:auto-reply",
    ),
    ("out-of-office-english", message("Out of Office: Hội nghị", text(200)), "ignored:auto-reply"),
    (
        "automatic-reply-outlook",
        message("Automatic reply: [Tin] Hội nghị", text(200)),
        "ignored:auto-reply",
    ),
    (
        "tra-loi-tu-dong",
        message("Trả lời tự động: [Tin] Hội nghị", text(200)),
        "ignored:auto-reply",
    ),
    ("vang-mat", message("Vắng mặt: Hội nghị", text(200)), "ignored:auto-reply"),
    ("read-receipt", message("Read: [Tin] Hội nghị", text(20)), "ignored:auto-reply"),
    (
        "bounce-multipart-report",
        message(
            "Undeliverable: [Tin]",
            text(200),
            headers=(("content-type", "multipart/report; report-type=delivery-status"),),
        ),
        "ignored:bounce",
    ),
    (
        "bounce-mailer-daemon",
        message(
            "Returned mail", text(200), (photo(1),), sender="MAILER-DAEMON@example.org".lower()
        ),
        "ignored:bounce",
    ),
    (
        "bounce-postmaster",
        message("Delivery failure", text(200), sender="postmaster@example.org"),
        "ignored:bounce",
    ),
    (
        "bounce-failed-recipients",
        message(
            "Mail delivery failed", text(200), headers=(("x-failed-recipients", "x@example.org"),)
        ),
        "ignored:bounce",
    ),
    (
        "spoofed-dmarc-fail",
        message(
            "[Tin] a",
            text(200),
            headers=(
                ("authentication-results", "mx.example.org; dmarc=fail header.from=example.org"),
            ),
        ),
        "needs-review:spoofed",
    ),
    (
        "dmarc-pass-is-fine",
        message(
            "[Tin] a",
            text(200),
            headers=(
                ("authentication-results", "mx.example.org; spf=pass; dkim=pass; dmarc=pass"),
            ),
        ),
        "1 news",
    ),
    (
        "spf-fail-no-dkim",
        message(
            "[Tin] a",
            text(200),
            headers=(("authentication-results", "mx.example.org; spf=fail smtp.mailfrom=x"),),
        ),
        "needs-review:spoofed",
    ),
    (
        "calendar-invitation",
        message("Mời họp", text(200), (document("invite.ics", None, ctype="text/calendar"),)),
        "ignored:invitation",
    ),
]


@pytest.mark.parametrize(
    ("msg", "expected"), [(m, e) for _, m, e in SHAPES], ids=[i for i, _, _ in SHAPES]
)
def test_message_shape_counts_as_a_person_would(msg: object, expected: str) -> None:
    assert outcome(msg) == expected


def test_the_table_has_at_least_a_hundred_rows() -> None:
    assert len(SUBJECTS) + len(SHAPES) >= 100
