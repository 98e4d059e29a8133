"""Parsing real MIME into parts: containers opened, sizes read, text decoded, nothing raised."""

from __future__ import annotations

import base64
import io
import unicodedata
from email.message import EmailMessage
from pathlib import Path

import pytest
from mailkit import make_docx, make_jpeg, make_png, make_zip, minimal_pdf
from shapes import to_cp1258

from classify import classify
from classify.rules import summary
from ingest.documents import extract_text
from ingest.imagesize import Source, image_size
from ingest.parse import file_parts, parse_message
from ingest.sniff import sniff_image
from texts import reason_text

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ARTICLE = "Người lao động tỉnh Điện Biên hưởng ứng Tháng Công nhân năm 2020. " * 80  # 960 words


def mail(subject: str = "[Ảnh] Hoạt động", body: str = "Gửi Ban.") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "tuangiao@example.org"
    msg["To"] = "tinbai@example.org"
    msg["Subject"] = subject
    msg["Message-ID"] = "<p@example.org>"
    msg.set_content(body)
    return msg


def counts(raw: bytes) -> str:
    result = classify(parse_message(raw))
    return (
        reason_text(summary(result.items), "en")
        if result.status == "counted"
        else f"{result.status}: {reason_text(result.reason, 'en')}"
    )


def test_a_zip_of_photos_and_a_document_counts_what_is_inside() -> None:
    msg = mail("Ảnh và bài hội nghị")
    archive = make_zip(
        {
            "anh/IMG_1.jpg": make_jpeg(seed=1),
            "anh/IMG_2.jpg": make_jpeg(seed=2),
            "bai.docx": make_docx(ARTICLE),
        }
    )
    msg.add_attachment(archive, maintype="application", subtype="zip", filename="hoi-nghi.zip")
    parsed = parse_message(msg.as_bytes())
    inside = [p for p in parsed.parts if p.nested_in == "application/zip"]
    assert [p.filename for p in inside] == ["IMG_1.jpg", "IMG_2.jpg", "bai.docx"]
    assert counts(msg.as_bytes()) == "1 article, 2 photos"


def test_a_zip_bomb_document_is_skipped_and_said_so() -> None:
    msg = mail("[Bài] nén")
    bomb = make_zip({"bai.docx": b"\0" * 20_000_000, "IMG_1.jpg": make_jpeg(seed=3)})
    msg.add_attachment(bomb, maintype="application", subtype="zip", filename="bai.zip")
    parsed = parse_message(msg.as_bytes())
    container = next(p for p in parsed.parts if p.filename == "bai.zip")
    assert "zip bomb" in container.note
    assert [p.filename for p in parsed.parts if p.nested_in] == ["IMG_1.jpg"]


def test_a_broken_zip_goes_to_review_with_its_reason() -> None:
    msg = mail("[Ảnh] nén")
    msg.add_attachment(
        b"PK\x03\x04 not really a zip", maintype="application", subtype="zip", filename="anh.zip"
    )
    result = classify(parse_message(msg.as_bytes()))
    assert result.status == "needs-review"
    assert "anh.zip" in reason_text(result.reason, "en")
    assert "count it by hand" in reason_text(result.reason, "en")


def test_photos_in_winmail_dat_count(corpus: Path) -> None:
    parsed = parse_message((corpus / "mimekit__rich-text.eml").read_bytes())
    photos = [p for p in parsed.parts if p.nested_in == "application/ms-tnef" and p.fingerprint]
    assert [(p.filename, p.width, p.height) for p in photos] == [
        ("kitten-playing-with-a-christmas-tree.jpg", 1402, 935)
    ]
    assert "What a Christmas to remember" in parsed.text  # the RTF body, decompressed


def test_a_jpg_sent_as_octet_stream_is_a_photo() -> None:
    msg = mail()
    msg.add_attachment(
        make_jpeg(seed=4), maintype="application", subtype="octet-stream", filename="IMG_9.JPG"
    )
    assert counts(msg.as_bytes()) == "1 photo"


def test_a_photo_with_a_wrong_extension_is_still_a_photo_by_its_bytes() -> None:
    msg = mail()
    msg.add_attachment(
        make_jpeg(seed=5), maintype="application", subtype="octet-stream", filename="anh"
    )
    assert counts(msg.as_bytes()) == "1 photo"


def test_a_large_image_pasted_into_an_html_body_counts_and_the_signature_logo_does_not() -> None:
    msg = mail("[Tin] Hội nghị", "Hội nghị tổng kết.")
    msg.add_alternative(
        '<p>Hội nghị tổng kết.</p><img src="cid:photo1"><img src="cid:logo">', subtype="html"
    )
    html = msg.get_payload()[1]
    html.add_related(make_jpeg(seed=6), maintype="image", subtype="jpeg", cid="<photo1>")
    html.add_related(make_png(160, 50), maintype="image", subtype="png", cid="<logo>")
    assert counts(msg.as_bytes()) == "1 news, 1 photo"


def test_plain_and_html_alternatives_are_one_text_not_two() -> None:
    msg = mail("Hội nghị", "một hai ba bốn năm")
    msg.add_alternative("<p>một hai ba bốn năm</p>", subtype="html")
    assert parse_message(msg.as_bytes()).text.split() == ["một", "hai", "ba", "bốn", "năm"]


def test_an_html_only_body_is_read_as_text() -> None:
    msg = mail("Hội nghị")
    msg.set_content(
        "<html><head><style>p{}</style></head><body><p>Xin chào</p><p>Điện&nbsp;Biên</p></body></html>",
        subtype="html",
    )
    assert parse_message(msg.as_bytes()).text.split() == ["Xin", "chào", "Điện", "Biên"]


def test_a_windows_path_in_a_filename_is_dropped(corpus: Path) -> None:
    raw = (corpus / "zbateson__m1005.eml").read_bytes()
    names = [p.filename for p in parse_message(raw).parts if p.filename]
    assert all("\\" not in n and "/" not in n for n in names)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\x01\x02",
        b"Subject: =?utf-8?b?invalid?=\r\n\r\n",
        b"From: \xff\xfe@\xff\r\nSubject: \xc3\r\n\r\nx",
    ],
    ids=["empty", "binary", "bad-encoded-word", "raw-8bit-headers"],
)
def test_garbage_parses_to_something_storable(raw: bytes) -> None:
    parsed = parse_message(raw)
    for value in (parsed.subject, parsed.text, str(parsed.sender or "")):
        value.encode("utf-8")  # no lone surrogates: SQLite and PostgreSQL would refuse them


def test_the_subject_is_stored_in_nfc() -> None:
    msg = mail(unicodedata.normalize("NFD", "[Ảnh] Hoạt động"))
    assert parse_message(msg.as_bytes()).subject == "[Ảnh] Hoạt động"


def test_file_parts_for_the_poller_match_what_a_file_gives() -> None:
    data = make_jpeg(seed=8)
    msg = mail()
    msg.add_attachment(data, maintype="image", subtype="jpeg", filename="IMG_8.jpg")
    from_file = next(p for p in parse_message(msg.as_bytes()).parts if p.filename == "IMG_8.jpg")
    parts, _ = file_parts("2", content_type="image/jpeg", filename="IMG_8.jpg", data=data[:8192])
    assert parts[0].fingerprint == from_file.fingerprint
    assert (parts[0].width, parts[0].height) == (from_file.width, from_file.height) == (1200, 800)


# ---------------------------------------------------------------- image heads and documents


def _pillow(fmt: str, size: tuple[int, int]) -> bytes:
    from PIL import Image  # noqa: PLC0415

    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 30)).save(out, fmt)
    return out.getvalue()


@pytest.mark.parametrize(
    ("fmt", "mime"),
    [
        ("PNG", "image/png"),
        ("GIF", "image/gif"),
        ("JPEG", "image/jpeg"),
        ("WEBP", "image/webp"),
        ("BMP", "image/bmp"),
        ("TIFF", "image/tiff"),
    ],
)
def test_image_type_and_size_come_from_the_bytes(fmt: str, mime: str) -> None:
    data = _pillow(fmt, (640, 427))
    assert sniff_image(data[:64]) == mime
    assert image_size(Source.of(data)) == (640, 427)


def _with_exif(jpeg: bytes, size: int = 20_000) -> bytes:
    return jpeg[:2] + b"\xff\xe1" + (size + 2).to_bytes(2, "big") + b"\0" * size + jpeg[2:]


def test_a_jpeg_whose_size_lies_past_a_large_exif_block_is_found_by_following_the_segments() -> (
    None
):
    data = _with_exif(make_jpeg(1024, 768, seed=9))
    asked: list[tuple[int, int]] = []

    def fetch(offset: int, length: int) -> bytes:
        asked.append((offset, length))
        return data[offset : offset + length]

    source = Source(data[:8192], fetch, len(data))
    assert image_size(source) == (1024, 768)
    assert asked == [(20_006, 4096)]  # one read, just past the Exif block


def test_a_jpeg_cut_before_its_frame_header_has_no_size_rather_than_a_wrong_one() -> None:
    assert image_size(Source.of(_with_exif(make_jpeg(seed=9))[:8192])) is None


def test_text_is_read_from_docx_rtf_and_windows_1258_txt() -> None:
    assert extract_text(make_docx("Đại hội Công đoàn"), "docx").text == "Đại hội Công đoàn"
    cp1258 = to_cp1258("Đại hội")
    escaped = "".join(f"\\'{b:02x}" if b > 0x7F else chr(b) for b in cp1258)
    rtf = ("{\\rtf1\\ansi\\ansicpg1258 " + escaped + "}").encode("ascii")
    text = extract_text(rtf, "rtf").text
    assert text is not None
    assert unicodedata.normalize("NFC", text) == "Đại hội"
    assert extract_text("Tin công đoàn".encode("cp1258", errors="replace"), "txt").text is not None


def test_an_unreadable_document_says_why() -> None:
    result = extract_text(b"%PDF-1.4 garbage", "pdf")
    assert result.text is None
    assert "could not be read" in result.note
    assert (
        extract_text(b"\xd0\xcf\x11\xe0 legacy word", "doc").note == "no text reader for .doc files"
    )


def test_an_image_pasted_as_a_data_uri_in_html_counts() -> None:
    photo = base64.b64encode(make_jpeg(seed=12)).decode()
    pixel = base64.b64encode(make_png(1, 1)).decode()
    msg = mail("[Ảnh] Hội nghị")
    msg.set_content(
        f'<p>Ảnh</p><img src="data:image/jpeg;base64,{photo}"><img src="data:image/png;base64,{pixel}">',
        subtype="html",
    )
    assert counts(msg.as_bytes()) == "1 photo"


def test_encoded_words_folded_mid_word_join_without_a_space() -> None:
    raw = (
        b"From: a@example.org\r\nSubject: [Tin] =?utf-8?b?SOG7mWkgbmdo4buLIG5nxrDhu51pIGxhbyDEkeG7mW5nIG4=?=\r\n"
        b" =?utf-8?q?=C4=83m?= 2020\r\n\r\nx\r\n"
    )
    assert parse_message(raw).subject == "[Tin] Hội nghị người lao động năm 2020"


def test_a_docx_declared_as_a_zip_is_still_a_document() -> None:
    msg = mail("Gửi bài", "Kính gửi Ban.")
    msg.add_attachment(
        make_docx(ARTICLE), maintype="application", subtype="zip", filename="bai.docx"
    )
    assert counts(msg.as_bytes()) == "1 article"


def test_text_is_read_from_odt_and_a_pdf() -> None:
    from odf.opendocument import OpenDocumentText  # noqa: PLC0415
    from odf.text import P  # noqa: PLC0415

    document = OpenDocumentText()
    document.text.addElement(P(text="Công đoàn ngành Giáo dục"))
    out = io.BytesIO()
    document.save(out)
    assert extract_text(out.getvalue(), "odt").text == "Công đoàn ngành Giáo dục"
    assert (extract_text(minimal_pdf("Hello union"), "pdf").text or "").strip() == "Hello union"
