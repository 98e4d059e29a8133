"""Real MIME messages of every shape the counting rules name, for the one-truth test.

Each shape is what a unit really sends (a zip of photos, a phone photo with a large
Exif block, an Outlook reply, winmail.dat, a read receipt …) as bytes, so that the
same message can go over IMAP and from a file and be compared. Order matters: a
reply comes after the message it replies to, a resent photo after the first send.
"""

from __future__ import annotations

import email
import email.policy
import functools
import hashlib
import io
import struct
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from mailkit import (
    HANOI,
    Attachment,
    build_message,
    make_docx,
    make_heic,
    make_jpeg,
    make_png,
    make_zip,
    minimal_pdf,
)

DOCX = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")
WORDS = [
    "công",
    "nhân",
    "lao",
    "động",
    "tỉnh",
    "Điện",
    "Biên",
    "hưởng",
    "ứng",
    "Tháng",
    "Công",
    "nhân",
    "năm",
]


def words(n: int, offset: int = 0) -> str:
    return " ".join(WORDS[(offset + i) % len(WORDS)] for i in range(n))


def with_exif_block(jpeg: bytes, taken: str, size: int = 40_000) -> bytes:
    """The JPEG with a large APP1 block before its frame header, as a phone writes Exif.

    The frame header (and so the pixel size) then lies ``size`` bytes into the file:
    past any fixed head a reader may take. ``taken`` stands for the Exif date and time,
    which tell two shots of one phone apart in their first bytes.
    """
    payload = b"Exif\0\0" + taken.encode() + bytes(range(256)) * (size // 256)
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return jpeg[:2] + segment + jpeg[2:]


def make_tnef(rtf: str) -> bytes:
    """A winmail.dat whose only content is the message body as compressed RTF (Outlook's rich text)."""
    import compressed_rtf  # noqa: PLC0415 — tinbai's own dependency, used here to write

    def attribute(attr_id: int, data: bytes) -> bytes:
        checksum = struct.pack("<H", sum(data) & 0xFFFF)
        return struct.pack("<BII", 1, attr_id, len(data)) + data + checksum

    body = compressed_rtf.compress(rtf.encode("cp1252"), compressed=True)
    props = struct.pack("<IHHII", 1, 0x0102, 0x1009, 1, len(body)) + body
    props += b"\0" * (-len(body) % 4)
    version = attribute(0x00089006, struct.pack("<I", 0x00010000))
    return struct.pack("<IH", 0x223E9F78, 0x0001) + version + attribute(0x00069003, props)


def _mail(subject: str, body: str, *, sender: str = "tuangiao@example.org") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "tinbai@example.org"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime(2020, 5, 11, 9, 0, tzinfo=HANOI))
    key = hashlib.sha256((subject + body).encode()).hexdigest()[:16]
    msg["Message-ID"] = f"<{key}.road@example.org>"
    msg.set_content(body)
    return msg


@functools.cache  # Pillow's noise differs at each call: the same photo sent again is these bytes
def _photos(seeds: range, exif: bool = False) -> tuple[Attachment, ...]:
    def shot(seed: int) -> bytes:
        jpeg = make_jpeg(1024, 768, seed=seed)
        return with_exif_block(jpeg, f"2020:05:11 09:{seed % 60:02}:00") if exif else jpeg

    return tuple(Attachment(f"IMG_{s:04}.jpg", shot(s)) for s in seeds)


def tagged_news_with_photos() -> bytes:
    return build_message(
        subject="[Tin] Hội nghị tổng kết",
        body=words(80),
        attachments=_photos(range(101, 104)),
        message_id="<first.road@example.org>",
    )


def the_same_photos_again() -> bytes:
    return build_message(
        subject="[Ảnh] Hội nghị tổng kết (gửi lại)",
        body="Gửi lại ảnh.",
        attachments=_photos(range(101, 104)),
        message_id="<again.road@example.org>",
    )


def outlook_reply_with_a_few_new_words() -> bytes:
    quoted = "\n".join(f"> {line}" for line in words(80).split(" "))
    body = (
        words(15, 3)
        + "\n\nFrom: Tuần Giáo <tuangiao@example.org>\nSent: Monday\nSubject: [Tin] Hội nghị\n\n"
        + quoted
    )
    return build_message(
        subject="TL: [Tin] Hội nghị tổng kết",
        body=body,
        message_id="<reply.road@example.org>",
        headers=[
            ("In-Reply-To", "<first.road@example.org>"),
            ("References", "<first.road@example.org>"),
            ("Thread-Topic", "[Tin] Hội nghị tổng kết"),
        ],
    )


def phone_photos_with_exif() -> bytes:
    return build_message(
        subject="[Ảnh] Tháng Công nhân",
        body="Ảnh chụp bằng điện thoại.",
        attachments=_photos(range(111, 113), exif=True),
    )


def zip_of_photos() -> bytes:
    data = make_zip({f"anh-{s}.jpg": make_jpeg(800, 600, s) for s in range(121, 124)})
    return build_message(
        subject="[Ảnh] Ảnh hoạt động",
        body="Ảnh trong tệp nén.",
        attachments=[Attachment("anh.zip", data, "application", "zip")],
    )


def zip_of_an_article_and_photos() -> bytes:
    data = make_zip(
        {
            "bai-viet.docx": make_docx(words(700)),
            "anh-1.jpg": make_jpeg(800, 600, 131),
            "__MACOSX/._anh-1.jpg": b"\0\x05\x16\x07" + b"\0" * 200,
        }
    )
    return build_message(
        subject="Gửi bài và ảnh",
        body="Kính gửi Ban Tuyên giáo.",
        attachments=[Attachment("bai.zip", data, "application", "zip")],
    )


def zip_of_a_docx_alone() -> bytes:
    data = make_zip({"tin.docx": make_docx(words(120, 5))})
    return build_message(
        subject="[Tin] Tin hoạt động",
        body="Gửi tin.",
        attachments=[Attachment("tin.zip", data, "application", "zip")],
    )


def html_body_with_pasted_banners() -> bytes:
    msg = _mail("[Tin] Đại hội công đoàn cơ sở", words(60, 2))
    html = (
        f"<p>{words(60, 2)}</p><img src='cid:banner@road'><img src='cid:sig@road'>"
        "<img src='cid:photo@road'>"
    )
    msg.add_alternative(html, subtype="html")
    html_part = msg.get_payload()[1]
    for cid, data in (
        ("banner@road", make_jpeg(1200, 200, 141)),
        ("sig@road", make_png(600, 160)),
        ("photo@road", make_jpeg(1024, 768, 142)),
    ):
        subtype = "png" if data.startswith(b"\x89PNG") else "jpeg"
        html_part.add_related(data, "image", subtype, cid=f"<{cid}>")
    return msg.as_bytes()


def outlook_rich_text_body() -> bytes:
    text = words(327, 4)
    msg = _mail("Hoạt động công đoàn tháng 5", text)
    escaped = "".join(c if ord(c) < 128 else f"\\u{ord(c)}?" for c in text)  # as Outlook writes
    rtf = "{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Arial;}}\\f0 " + escaped + "\\par}"
    msg.add_attachment(make_tnef(rtf), "application", "ms-tnef", filename="winmail.dat")
    return msg.as_bytes()


def read_receipt() -> bytes:
    msg = EmailMessage()
    msg["From"] = "tuangiao@example.org"
    msg["To"] = "tinbai@example.org"
    msg["Subject"] = "Đã đọc: [Tin] Hội nghị"
    msg["Date"] = format_datetime(datetime(2020, 5, 12, 9, 0, tzinfo=HANOI))
    msg["Message-ID"] = "<receipt.road@example.org>"
    msg.set_content("Thư của bạn đã được đọc.")
    notification = EmailMessage()
    notification.set_content(
        "Reporting-UA: tuangiao.example.org\r\nFinal-Recipient: rfc822;tuangiao@example.org\r\n"
        "Original-Message-ID: <first.road@example.org>\r\nDisposition: manual-action/MDN-sent-manually; displayed\r\n"
    )
    msg.make_mixed()
    msg.attach(_part("message", "disposition-notification", notification.get_content().encode()))
    msg.replace_header(
        "Content-Type",
        msg["Content-Type"].replace("multipart/mixed", "multipart/report")
        + "; report-type=disposition-notification",
    )
    return msg.as_bytes()


def _part(maintype: str, subtype: str, data: bytes) -> EmailMessage:
    part = EmailMessage()
    part["Content-Type"] = f"{maintype}/{subtype}"
    part.set_payload(data.decode())
    return part


def empty_message() -> bytes:
    msg = _mail("", "")
    msg.set_content("")
    return msg.as_bytes()


def rtf_document_without_a_name() -> bytes:
    msg = _mail("[Tin] Tin từ Mường Chà", "Gửi tin đính kèm.")
    escaped = "".join(c if ord(c) < 128 else f"\\u{ord(c)}?" for c in words(90, 7))
    msg.add_attachment(("{\\rtf1\\ansi " + escaped + "\\par}").encode(), "application", "x-rtf")
    return msg.as_bytes()


def untagged(n_words: int) -> Callable[[], bytes]:
    def shape() -> bytes:
        return build_message(subject="Hoạt động công đoàn", body=words(n_words, n_words))

    shape.__name__ = f"untagged_{n_words}_words"
    return shape


def tagged_two_documents() -> bytes:
    return build_message(
        subject="[Tin] Hai tin",
        body="Gửi hai tin.",
        attachments=[
            Attachment("tin-1.docx", make_docx(words(90, 1)), *DOCX),
            Attachment("tin-2.docx", make_docx(words(95, 2)), *DOCX),
        ],
    )


def photo_formats() -> bytes:
    from PIL import Image  # noqa: PLC0415 — test-only dependency

    attachments = []
    for i, (fmt, subtype) in enumerate((("PNG", "png"), ("WEBP", "webp"), ("TIFF", "tiff"))):
        out = io.BytesIO()
        Image.effect_noise((900, 700), 50 + i).convert("RGB").save(out, fmt)
        attachments.append(Attachment(f"anh-{i}.{subtype}", out.getvalue(), "image", subtype))
    return build_message(subject="[Ảnh] Nhiều định dạng", body="Ảnh.", attachments=attachments)


def article_docx_with_a_cover_note() -> bytes:
    return build_message(
        subject="[Bài] Người lao động giỏi",
        body="Kính gửi Ban Tuyên giáo, đơn vị gửi bài viết đính kèm. Trân trọng.",
        attachments=[Attachment("bai-viet.docx", make_docx(words(450, 3)), *DOCX)],
    )


def photos_with_a_caption_and_a_signature_logo() -> bytes:
    msg = _mail("[Ảnh] Hoạt động Tháng Công nhân", "Chú thích: " + words(25, 1))
    msg.add_alternative(
        f"<p>Chú thích: {words(25, 1)}</p><p>--<br><img src='cid:logo@road'></p>",
        subtype="html",
    )
    msg.get_payload()[1].add_related(make_png(180, 60), "image", "png", cid="<logo@road>")
    for attachment in _photos(range(151, 156)):
        msg.add_attachment(attachment.data, "image", "jpeg", filename=attachment.filename)
    return msg.as_bytes()


def a_forwarded_message_with_photos() -> bytes:
    inner = build_message(
        sender="doanvien@example.net",
        subject="[Tin] Ảnh đại hội",
        body=words(70, 6),
        attachments=_photos(range(161, 163)),
    )
    msg = _mail("Fwd: [Tin] Ảnh đại hội", "Chuyển tiếp tin của đoàn viên.")
    msg.add_attachment(email.message_from_bytes(inner, policy=email.policy.default))
    return msg.as_bytes()


def heic_photos_from_an_iphone() -> bytes:
    shots = [
        Attachment(f"IMG_{seed}.HEIC", make_heic(seed), "image", "heic") for seed in (171, 172)
    ]
    return build_message(subject="[Ảnh] Ảnh từ iPhone", body="Ảnh.", attachments=shots)


def a_pdf_article_and_a_tracking_pixel() -> bytes:
    msg = _mail("Bài viết về an toàn lao động", "Gửi bài.")
    msg.add_alternative(
        "<p>Gửi bài.</p><img src='cid:pixel@road' width=1 height=1>", subtype="html"
    )
    msg.get_payload()[1].add_related(make_png(1, 1), "image", "png", cid="<pixel@road>")
    msg.add_attachment(minimal_pdf(words(80, 2)), "application", "pdf", filename="bai.pdf")
    return msg.as_bytes()


def tagged_by_plus_address() -> bytes:
    return build_message(to="tinbai+bai@example.org", subject="Phong trào thi đua", body=words(90))


# What each shape counts for, as README.md's counting rules say: status, then the status
# line (what counted) or the reason's start. Both roads must give exactly this.
EXPECTED: dict[str, tuple[str, str]] = {
    "tagged_news_with_photos": ("counted", "1 news, 3 photos"),
    "the_same_photos_again": ("counted", "nothing new: 3 photos already counted before, not again"),
    "outlook_reply_with_a_few_new_words": ("ignored", "revision: "),
    "phone_photos_with_exif": ("counted", "2 photos"),
    "zip_of_photos": ("counted", "3 photos"),
    "zip_of_an_article_and_photos": ("counted", "1 article, 1 photo"),
    "zip_of_a_docx_alone": ("counted", "1 news"),
    "html_body_with_pasted_banners": ("counted", "1 news, 1 photo"),
    "outlook_rich_text_body": ("counted", "1 news"),
    "read_receipt": ("ignored", "auto-reply: "),
    "empty_message": ("ignored", "empty: "),
    "rtf_document_without_a_name": ("counted", "1 news"),
    "untagged_30_words": ("needs-review", "nothing-found: "),
    "untagged_327_words": ("counted", "1 news"),
    "untagged_700_words": ("counted", "1 article"),
    "tagged_two_documents": ("counted", "2 news"),
    "photo_formats": ("counted", "3 photos"),
    "article_docx_with_a_cover_note": ("counted", "1 article"),
    "photos_with_a_caption_and_a_signature_logo": ("counted", "5 photos"),
    "a_forwarded_message_with_photos": ("counted", "1 news, 2 photos"),
    "heic_photos_from_an_iphone": ("counted", "2 photos"),
    "a_pdf_article_and_a_tracking_pixel": ("counted", "1 news"),
    "tagged_by_plus_address": ("counted", "1 article"),
}

SHAPES: tuple[Callable[[], bytes], ...] = (
    tagged_news_with_photos,
    the_same_photos_again,
    outlook_reply_with_a_few_new_words,
    phone_photos_with_exif,
    zip_of_photos,
    zip_of_an_article_and_photos,
    zip_of_a_docx_alone,
    html_body_with_pasted_banners,
    outlook_rich_text_body,
    read_receipt,
    empty_message,
    rtf_document_without_a_name,
    untagged(30),
    untagged(327),
    untagged(700),
    tagged_two_documents,
    photo_formats,
    article_docx_with_a_cover_note,
    photos_with_a_caption_and_a_signature_logo,
    a_forwarded_message_with_photos,
    heic_photos_from_an_iphone,
    a_pdf_article_and_a_tracking_pixel,
    tagged_by_plus_address,
)
