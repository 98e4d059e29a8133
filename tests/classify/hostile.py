"""The hostile-input corpus: messages an attacker (or an unlucky mail client) sends.

Each case is a builder (bytes of one message) with the outcome tinbai must give it;
`test_hostile.py` runs them through parse + classify and through `tinbai ingest-file`.
Issue 12 extends the list. To measure a case from the command line (RELIABILITY.md):
``python tests/classify/hostile.py OUTDIR`` writes every case as OUTDIR/<id>.eml.
"""

from __future__ import annotations

import io
import sys
import zipfile
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
        "ignored",
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
)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for case in CASES:
        (out / f"{case.id}.eml").write_bytes(case.build())


if __name__ == "__main__":
    main(Path(sys.argv[1]))
