"""The hostile-input corpus: messages an attacker (or an unlucky mail client) sends.

Each case is a builder (bytes of one message) with the outcome tinbai must give it;
`test_hostile.py` runs them through parse + classify and through `tinbai ingest-file`.
Issue 12 extends the list. To measure a case from the command line (RELIABILITY.md):
``python tests/classify/hostile.py OUTDIR`` writes every case as OUTDIR/<id>.eml.
"""

from __future__ import annotations

import base64
import io
import random
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

from mailkit import HANOI, Attachment, build_message, make_jpeg  # noqa: E402

from classify.message import Kind  # noqa: E402

SENDER = "tuangiao@example.org"  # mapped to tuan-giao by the shipped config
_WORDS = "Công đoàn huyện Tuần Giáo tổ chức hội nghị biểu dương công nhân lao động giỏi năm nay"
_DATE = datetime(2020, 5, 11, 9, 0, tzinfo=HANOI)
EIGHTY_WORDS = " ".join((_WORDS.split() * 10)[:80])
SIXTY_WORDS = " ".join((_WORDS.split() * 10)[:60])


@dataclass(frozen=True)
class Case:
    id: str
    build: Callable[[], bytes]
    status: str  # counted | ignored | needs-review | failed
    reason: str  # a fragment the stored reason must contain
    sender: str | None = SENDER  # the address the message is stored under
    counts: dict[Kind, int] | None = None  # what it counts for, when counted


def blank_lines(n: int = 20_000) -> bytes:
    """80 words and then thousands of empty lines: Outlook's empty paragraphs."""
    return build_message(subject="Hội nghị công nhân", body=EIGHTY_WORDS + "\n" * n)


def _html_message(markup: str, subject: str = "Hội nghị công nhân") -> bytes:
    msg = EmailMessage()
    msg["From"] = SENDER
    msg["To"] = "tinbai@example.org"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(_DATE)
    msg["Message-ID"] = f"<html-{len(markup)}@example.org>"
    msg.set_content(markup, subtype="html")
    return msg.as_bytes()


def nested_divs(n: int = 20_000) -> bytes:
    return _html_message("<div>" * n + EIGHTY_WORDS + "</div>" * n)


def unclosed_tags(n: int = 20_000) -> bytes:
    """Every kind of tag html_to_text strips, opened and never closed."""
    return _html_message(EIGHTY_WORDS + "<style <head <script </div <br <p " * n)


def address_as_display_name() -> bytes:
    return build_message(
        sender=f"{SENDER} <a@malicious.example.org>",
        subject="[Tin] Hội nghị",
        headers=[
            (
                "Authentication-Results",
                "mx.example.org; dmarc=pass header.from=malicious.example.org",
            )
        ],
    )


def results_for_another_domain() -> bytes:
    return build_message(
        subject="[Tin] Hội nghị",
        headers=[
            (
                "Authentication-Results",
                "mx.example.org; spf=pass smtp.mailfrom=malicious.example.org;"
                " dmarc=pass header.from=malicious.example.org",
            )
        ],
    )


def deep_mime(depth: int = 2_000) -> bytes:
    lines = [
        f"From: {SENDER}",
        "To: tinbai@example.org",
        "Subject: [Tin] Hội nghị lồng nhau",
        f"Date: {format_datetime(_DATE)}",
        f"Message-ID: <deep-{depth}@example.org>",
        "MIME-Version: 1.0",
    ]
    for i in range(depth):
        lines += [f'Content-Type: multipart/mixed; boundary="b{i}"', "", f"--b{i}"]
    lines += ["Content-Type: text/plain; charset=utf-8", "", SIXTY_WORDS]
    lines += [f"--b{i}--" for i in reversed(range(depth))]
    return "\r\n".join(lines).encode() + b"\r\n"


def huge_display_name(size: int = 5_000_000) -> bytes:
    return build_message(sender=f'"{"A" * size}" <{SENDER}>', subject="[Tin] Hội nghị")


def _zip(*members: tuple[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            z.writestr(name, data)
    return out.getvalue()


def zip_bomb_member() -> bytes:
    archive = _zip(("anh.jpg", make_jpeg(seed=71)), ("bom.txt", b"0" * 10_000_000))
    return build_message(
        subject="[Ảnh] Hội thao",
        attachments=[Attachment("anh.zip", archive, "application", "zip")],
    )


def zip_in_a_zip() -> bytes:
    inner = _zip(("anh.jpg", make_jpeg(seed=72)))
    archive = _zip(("trong.zip", inner), ("anh2.jpg", make_jpeg(seed=73)))
    return build_message(
        subject="[Ảnh] Hội thao",
        attachments=[Attachment("ngoai.zip", archive, "application", "zip")],
    )


def many_documents(n: int = 1_000) -> bytes:
    files = [
        Attachment(f"tin-{i}.txt", f"{i} {SIXTY_WORDS}".encode(), "text", "plain") for i in range(n)
    ]
    return build_message(subject="[Tin] Tin tháng năm", attachments=files)


def _raw_message(subject: str, parts: list[bytes], tag: str) -> bytes:
    """A multipart/mixed message assembled as bytes: the big cases build in milliseconds."""
    head = (
        f"From: {SENDER}\r\nTo: tinbai@example.org\r\nSubject: {subject}\r\n"
        f"Date: {format_datetime(_DATE)}\r\nMessage-ID: <{tag}@example.org>\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
    ).encode()
    body = b"".join(b"--b\r\n" + part for part in parts)
    return head + body + b"--b--\r\n"


def _text_part(text: str) -> bytes:
    return b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + text.encode() + b"\r\n"


def _base64_part(content_type: str, filename: str, data: bytes) -> bytes:
    header = (
        f"Content-Type: {content_type}\r\nContent-Transfer-Encoding: base64\r\n"
        f'Content-Disposition: attachment; filename="{filename}"\r\n\r\n'
    )
    return header.encode() + base64.encodebytes(data).replace(b"\n", b"\r\n")


def _deflated(chunk: bytes, times: int, wbits: int = -15) -> tuple[bytes, int, int]:
    """``chunk * times`` deflated without ever holding it whole: (packed, crc32, size)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    packed, crc, block = [], 0, chunk * max(1, 1_000_000 // len(chunk))
    left = len(chunk) * times
    while left:
        piece = block[:left]
        packed.append(packer.compress(piece))
        crc = zlib.crc32(piece, crc)
        left -= len(piece)
    packed.append(packer.flush())
    return b"".join(packed), crc, len(chunk) * times


def _repeated_zip(names: list[str], data: bytes, times: int = 1) -> bytes:
    """A .zip whose members all hold ``data * times``, deflated once (zipfile would deflate each)."""
    packed, crc, size = _deflated(data, times)
    files, directory = bytearray(), bytearray()
    for name in names:
        encoded, offset = name.encode(), len(files)
        sizes = (crc, len(packed), size, len(encoded), 0)
        files += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, *sizes)
        files += encoded + packed
        directory += struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, *sizes, 0, 0, 0, 0, offset
        )
        directory += encoded
    n = len(names)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, n, n, len(directory), len(files), 0)
    return bytes(files + directory + end)


def _compressible_text(size: int) -> bytes:
    """Text that deflates about 160×: under the zip-bomb ratio, so every member looks honest."""
    rng = random.Random(17)  # noqa: S311 — test data, not secrets
    words = _WORDS.split()
    line = " ".join(rng.choice(words) for _ in range(400)).encode() + b"\n"
    return (line * (size // len(line) + 1))[:size]


def zip_inflating(members: int = 60, member_bytes: int = 22_000_000) -> bytes:
    """A small mail whose .zip of honest-looking .txt files inflates to gigabytes in all."""
    archive = _repeated_zip(
        [f"tin-{i}.txt" for i in range(members)], _compressible_text(member_bytes)
    )
    return _raw_message(
        "[Tin] Tin tháng năm",
        [_text_part(SIXTY_WORDS), _base64_part("application/zip", "tin.zip", archive)],
        f"zip-{members}",
    )


def many_parts(n: int = 50_000) -> bytes:
    """Tens of thousands of tiny parts: only the first MAX_PARTS are ever read."""
    part = b'Content-Type: text/plain; name="x.txt"\r\nContent-Disposition: attachment\r\n\r\nx\r\n'
    return _raw_message("[Tin] Hội nghị", [_text_part(SIXTY_WORDS), *[part] * n], f"parts-{n}")


def big_photo(size: int = 40_000_000, seed: int = 74) -> bytes:
    """A real photo followed by tens of megabytes (a camera's raw tail): one base64 part."""
    photo = make_jpeg(seed=seed)
    return _raw_message(
        "[Ảnh] Hội thao",
        [
            _text_part("Ảnh hội thao."),
            _base64_part("image/jpeg", "hoi-thao.jpg", photo + bytes(size - len(photo))),
        ],
        f"photo-{size}",
    )


def big_text_file(size: int = 36_000_000) -> bytes:
    """A .txt attachment larger than the document limit: never decoded whole."""
    return _raw_message(
        "[Tin] Hội nghị",
        [_text_part("Gửi tin."), _base64_part("text/plain", "tin.txt", _compressible_text(size))],
        f"txt-{size}",
    )


# ---- issue 12, part 5: the rest of the list ----


def encoded_words(n: int = 16_000) -> bytes:
    """A subject and a display name of thousands of RFC 2047 encoded words."""
    word = "=?utf-8?b?" + base64.b64encode("Tuần".encode()).decode() + "?="
    head = (
        f"From: {' '.join([word] * (n // 2))} <{SENDER}>\r\nTo: tinbai@example.org\r\n"
        f"Subject: [Tin] {' '.join([word] * (n // 2))}\r\nDate: {format_datetime(_DATE)}\r\n"
        "Message-ID: <words@example.org>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    )
    return head.encode() + SIXTY_WORDS.encode() + b"\r\n"


def missing_boundaries() -> bytes:
    """A multipart whose boundary never appears, inside one whose closing line is missing."""
    head = (
        f"From: {SENDER}\r\nTo: tinbai@example.org\r\nSubject: [Tin] Hội nghị\r\n"
        f"Date: {format_datetime(_DATE)}\r\nMessage-ID: <boundaries@example.org>\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="outer"\r\n\r\n'
    )
    body = (
        "--outer\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{SIXTY_WORDS}\r\n--outer\r\n"
        'Content-Type: multipart/alternative; boundary="never-used"\r\n\r\n'
        "no boundary line follows\r\n--outer\r\nContent-Type: multipart/related\r\n\r\n"
        "a multipart without a boundary parameter\r\n"
    )
    return (head + body).encode()


def base64_garbage() -> bytes:
    """A photo part whose base64 is noise, and a .txt part of bytes no alphabet holds."""
    rng = random.Random(12)  # noqa: S311 — test data
    noise = bytes(rng.randrange(33, 127) for _ in range(300_000)).replace(b"-", b"*")
    lines = b"\r\n".join(noise[i : i + 76] for i in range(0, len(noise), 76))
    part = (
        b"Content-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\n"
        b'Content-Disposition: attachment; filename="anh.jpg"\r\n\r\n' + lines + b"\r\n"
    )
    odd = (
        b"Content-Type: text/plain; name=tin.txt\r\nContent-Transfer-Encoding: base64\r\n"
        b"Content-Disposition: attachment\r\n\r\n====\x00\xff\xfe====A\r\n"
    )
    return _raw_message("[Tin] Hội nghị", [_text_part(SIXTY_WORDS), part, odd], "garbage")


def bare_line_ends() -> bytes:
    """Lines ended by a lone CR, a lone LF and CRLF, mixed, in headers and body."""
    return (
        f"From: {SENDER}\rTo: tinbai@example.org\nSubject: [Tin] Hội nghị\r\n"
        f"Date: {format_datetime(_DATE)}\rMessage-ID: <crlf@example.org>\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        + SIXTY_WORDS.replace(" ", "\r", 10).replace(" ", "\n", 10)
        + "\r\n"
    ).encode()


def eight_bit_headers() -> bytes:
    """Raw UTF-8 and windows-1258 bytes in headers, no encoded words."""
    return (
        "From: Tuần Giáo <tuangiao@example.org>\r\nTo: tinbai@example.org\r\n".encode()
        + b"Subject: [Tin] H\xf4i ngh\xd2 \xff\xfe\r\n"
        + f"Date: {format_datetime(_DATE)}\r\nMessage-ID: <8bit@example.org>\r\n".encode()
        + b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        + SIXTY_WORDS.encode()
        + b"\r\n"
    )


def zip_many_members(n: int = 10_000) -> bytes:
    """A .zip of ten thousand small .txt files beside a text: opened, never counted as 10,000."""
    archive = _repeated_zip([f"tin-{i}.txt" for i in range(n)], f"{SIXTY_WORDS}\n".encode())
    return _raw_message(
        "[Tin] Tin tháng năm",
        [_text_part(SIXTY_WORDS), _base64_part("application/zip", "tin.zip", archive)],
        f"zip-{n}-members",
    )


def docx_bomb(subject: str = "Bài tháng năm", tag: str = "docx-bomb") -> bytes:
    """A .docx whose document.xml declares and inflates to 100 MB (about 1,000×)."""
    archive = _repeated_zip(["word/document.xml"], b"<w:p/>", 17_000_000)
    return _raw_message(
        subject,
        [
            _text_part("Gửi bài."),
            _base64_part(
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "bai.docx",
                archive,
            ),
        ],
        tag,
    )


def pdf_bomb(subject: str = "Bài tháng năm", tag: str = "pdf-bomb") -> bytes:
    """A one-page PDF whose content stream inflates (FlateDecode) 1,000× to 100 MB."""
    stream = _deflated(b"BT /F1 12 Tf (x) Tj ET\n", 4_500_000, wbits=15)[0]
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return _raw_message(
        subject,
        [_text_part("Gửi bài."), _base64_part("application/pdf", "bai.pdf", bytes(out))],
        tag,
    )


def from_header(value: str, tag: str) -> bytes:
    """A tagged news message with this From header, and a trusted-looking pass for it."""
    return (
        f"From: {value}\r\nTo: tinbai@example.org\r\nSubject: [Tin] Hội nghị\r\n"
        f"Date: {format_datetime(_DATE)}\r\nMessage-ID: <{tag}@example.org>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{SIXTY_WORDS}\r\n"
    ).encode()


CASES: tuple[Case, ...] = (
    Case("blank-lines-20k", blank_lines, "counted", "1 news", counts={"news": 1}),
    Case("nested-div-20k", nested_divs, "counted", "1 news", counts={"news": 1}),
    Case("nested-div-200k", lambda: nested_divs(200_000), "counted", "1 news", counts={"news": 1}),
    # The stray tag names are words to html_to_text: 120,000 of them make an article.
    Case("unclosed-tags-20k", unclosed_tags, "counted", "1 article", counts={"article": 1}),
    Case(
        "address-as-display-name",
        address_as_display_name,
        "counted",
        "1 news",
        sender="a@malicious.example.org",
        counts={"news": 1},
    ),
    Case(
        "authentication-results-for-another-domain",
        results_for_another_domain,
        "needs-review",
        "header.from=malicious.example.org",
    ),
    Case("mime-2000-deep", deep_mime, "needs-review", "more than 100 multipart or message"),
    Case("mime-900-deep", lambda: deep_mime(900), "needs-review", "more than 100 multipart"),
    Case("mime-60-deep", lambda: deep_mime(60), "needs-review", "nested deeper than 12 levels"),
    Case(
        "display-name-5mb",
        huge_display_name,
        "counted",
        "1 news",
        counts={"news": 1},
    ),
    Case(
        "zip-bomb-member",
        zip_bomb_member,
        "counted",
        "1 photo",
        counts={"photo": 1},
    ),
    Case("zip-in-a-zip", zip_in_a_zip, "needs-review", "an archive inside an archive"),
    Case("txt-attachments-100", lambda: many_documents(100), "needs-review", "100 news"),
    Case(
        "txt-attachments-1000",
        many_documents,
        "needs-review",
        "(more than 400 parts; the rest is skipped); what was read would count 399 news",
    ),
    Case("zip-60x22mb", zip_inflating, "needs-review", "MB in all: not opened further"),
    Case(
        "zip-200x22mb",
        lambda: zip_inflating(200),
        "needs-review",
        "MB in all: not opened further",
    ),
    Case("parts-50k", many_parts, "needs-review", "more than 400 parts; the rest is skipped"),
    Case("photo-40mb", big_photo, "counted", "1 photo", counts={"photo": 1}),
    Case("txt-36mb", big_text_file, "counted", "1 news", counts={"news": 1}),
    # issue 12, part 5
    Case("parts-100k", lambda: many_parts(100_000), "needs-review", "more than 400 parts"),
    Case("encoded-words-16k", encoded_words, "counted", "1 news", counts={"news": 1}),
    Case("missing-boundaries", missing_boundaries, "counted", "1 news", counts={"news": 1}),
    # The noise decodes (leniently, as the stdlib does) to 56 bytes: too small for a photo.
    Case("base64-garbage", base64_garbage, "counted", "1 news", counts={"news": 1}),
    Case("bare-cr-lf", bare_line_ends, "counted", "1 news", counts={"news": 1}),
    Case("eight-bit-headers", eight_bit_headers, "counted", "1 news", counts={"news": 1}),
    Case(
        "attachment-50mb",
        lambda: big_photo(50_000_000, seed=75),
        "counted",
        "1 photo",
        counts={"photo": 1},
    ),
    Case("zip-10000-members", zip_many_members, "needs-review", "holds 10000 files, more than"),
    Case("docx-bomb", docx_bomb, "needs-review", "a decompression bomb, not read"),
    Case("pdf-bomb", pdf_bomb, "needs-review", "a decompression bomb, not read"),
    # Tagged, the document's words are not needed: the poller never fetches it, and the
    # file road does not hold its unread words against it either (classify ParseLimit).
    Case(
        "docx-bomb-tagged",
        lambda: docx_bomb("[Bài] Bài tháng năm", "docx-bomb-tagged"),
        "counted",
        "1 article",
        counts={"article": 1},
    ),
    Case(
        "pdf-bomb-tagged",
        lambda: pdf_bomb("[Bài] Bài tháng năm", "pdf-bomb-tagged"),
        "counted",
        "1 article",
        counts={"article": 1},
    ),
    # CVE-2019-16056: parseaddr read `a@malicious.example.org@example.org` as a@malicious.example.org.
    Case(
        "from-two-at-signs",
        lambda: from_header("a@malicious.example.org@example.org", "two-at"),
        "needs-review",
        "can be read more than one way",
        sender=None,
    ),
    Case(
        "from-quoted-at-sign",
        lambda: from_header('"a@malicious.example.org"@example.org', "quoted-at"),
        "needs-review",
        "has two '@'",
        sender='"a@malicious.example.org"@example.org',
    ),
    # CVE-2023-27043: a special character before `<` made parseaddr take the wrong part.
    *(
        Case(
            f"from-cve-2023-27043-{i}",
            lambda c=c, i=i: from_header(f"{SENDER}{c}<a@malicious.example.org>", f"cve-{i}"),
            "needs-review",
            "can be read more than one way",
            sender=SENDER if c == "(" else "a@malicious.example.org",
        )
        for i, c in enumerate("()<[]")
    ),
    Case(
        "from-two-mailboxes",
        lambda: from_header(f"{SENDER}, a@malicious.example.org", "two-mailboxes"),
        "needs-review",
        "several addresses",
    ),
)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for case in CASES:
        (out / f"{case.id}.eml").write_bytes(case.build())


if __name__ == "__main__":
    main(Path(sys.argv[1]))
