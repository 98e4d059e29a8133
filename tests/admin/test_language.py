"""Vietnamese all the way through: no English phrase of the catalogue on any page, in the
digest or in `tinbai explain`, on data like a quarter's real mail.

The phrases are the English catalogue's own words (texts/en.py): each value's literal
pieces between its ``{fields}``, of three words or more, that no Vietnamese text also holds.
A reason rendered in English, a status line ("1 news, 2 photos"), a note left in English
anywhere would show one of them.
"""

from __future__ import annotations

import email
import html
import re
from collections.abc import Iterator
from email import policy
from pathlib import Path

import pytest
from mailkit import Attachment, make_docx, make_jpeg, make_zip

from texts import catalogue

pytestmark = pytest.mark.integration

EN, VI = catalogue("en"), catalogue("vi")
_FIELD = re.compile(r"\{[^}]*\}")
_WORD = re.compile(r"[A-Za-z]{2,}")


def english_phrases() -> set[str]:
    vietnamese = " ".join(VI.values()).lower()
    phrases = set()
    for key, value in EN.items():
        if value == VI[key] or key.startswith("alert.time"):
            continue
        for raw in _FIELD.split(value):
            piece = raw.strip(" ;:,.()[]–—-\n").lower()
            if len(_WORD.findall(piece)) >= 3 and piece not in vietnamese:
                phrases.add(piece)
    return phrases


PHRASES = english_phrases()


def english_in(text: str) -> list[str]:
    seen = " ".join(text.lower().split())
    return sorted(p for p in PHRASES if " ".join(p.split()) in seen)


def visible(page: str) -> str:
    """A page's words as a person reads them: no markup, no script, entities decoded."""
    page = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_the_phrase_list_is_built_from_the_catalogue() -> None:
    assert len(PHRASES) > 100
    assert "news item in the body" in PHRASES
    assert "already counted before, not again" in PHRASES
    assert english_in("ảnh anh-1.jpg (800×600 px) — news item in the body; x") == [
        "news item in the body"
    ]


SENDER = "tuangiao@example.org"
LONG = (
    "Công đoàn huyện Tuần Giáo tổ chức hội nghị biểu dương công nhân lao động giỏi. " * 60
).strip()


def _quarter() -> list[dict[str, object]]:
    """A week of what units send: every kind of reason the rules and the store give."""
    photos = [Attachment(f"anh-{i}.jpg", make_jpeg(seed=40 + i)) for i in range(2)]
    logo = Attachment("logo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 200, "image", "png")
    docx = Attachment(
        "bai-viet.docx",
        make_docx(LONG),
        "application",
        "vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    nested = make_zip({"trong.zip": make_zip({"a.jpg": make_jpeg(seed=60)})})
    return [
        {"subject": "[Tin] Hội nghị người lao động", "attachments": [*photos, logo]},
        {"subject": "[Ảnh] Gửi lại ảnh hội nghị", "attachments": photos},  # counted before
        {"subject": "Phong trào thi đua", "body": LONG},  # untagged, long: an article
        {"subject": "[Bài] Người lao động giỏi", "attachments": [docx]},
        {
            "subject": "[Tin] Ảnh nén",
            "attachments": [Attachment("anh.zip", nested, "application", "zip")],
        },
        {"subject": "Hỏi thăm", "body": "Ban cho hỏi lịch họp tuần sau."},  # nothing to count
        {"subject": "Trả lời tự động: Vắng mặt", "headers": [("Auto-Submitted", "auto-replied")]},
        {"sender": "MAILER-DAEMON@example.org", "subject": "Undelivered Mail Returned to Sender"},
        {"sender": "la@example.net", "subject": "[Tin] Đơn vị mới", "attachments": photos[:1]},
    ]


@pytest.fixture(scope="module")
def quarter(start_site, tmp_path_factory) -> Iterator[object]:
    with start_site(tmp_path_factory.mktemp("vi")) as site:
        site.tinbai("senders", "add", SENDER, "tuan-giao")
        site.ingest(*({"sender": SENDER, **m} for m in _quarter()))
        yield site


def _ids(site) -> list[int]:
    import json  # noqa: PLC0415

    rows = json.loads(site.tinbai("submissions", "list", "--format", "json").stdout)
    return sorted(int(r["id"]) for r in rows)


def test_every_page_of_the_web_admin_is_vietnamese(quarter) -> None:
    site = quarter
    ids = _ids(site)
    assert len(ids) == len(_quarter())
    found: dict[str, list[str]] = {}
    with site.server.client() as anonymous:
        found["/login"] = english_in(visible(anonymous.get("/login").text))
    with site.server.login(*site.users["admin"]) as client:
        first = f"/submissions/{ids[0]}"
        token = site.server.csrf_of(client.get(first).text)
        done = client.post(
            f"{first}/reclassify",
            data={"csrf_token": token, "news": "1", "article": "0", "photo": "2", "reason": "sửa"},
        )
        assert done.status_code == 303
        pages = ["/", "/senders", "/unknown", "/submissions", "/audit", "/no-such-page"]
        pages += [f"/submissions/{i}" for i in ids]
        for path in pages:
            got = client.get(path)
            assert got.status_code in (200, 404), path
            found[path] = english_in(visible(got.text))
        message = visible(client.get(f"/submissions/{ids[0]}").text)
    assert {path: words for path, words in found.items() if words} == {}
    # The pages did show reasons, in Vietnamese: the test reads what it means to.
    assert "tiêu đề có nhãn [Tin]" in message
    assert "ảnh anh-0.jpg" in message


def test_the_digest_is_vietnamese(quarter, tmp_path: Path) -> None:
    site = quarter
    eml, page = tmp_path / "digest.eml", tmp_path / "digest.html"
    site.tinbai("digest", "--preview", eml, "--as-of", "2020-05-17")
    site.tinbai("digest", "--preview", page, "--as-of", "2020-05-17")
    message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    plain = message.get_body(("plain",))
    assert plain is not None
    text = plain.get_content()
    shown = visible(page.read_text(encoding="utf-8"))
    assert english_in(text) == []
    assert english_in(shown) == []
    assert english_in(str(message["Subject"])) == []
    # The messages to review are listed, each with its reason in Vietnamese.
    assert "không tìm thấy gì để tính" in text
    assert "không mở được tệp nén" in shown


def test_explain_is_vietnamese_for_every_message(quarter) -> None:
    site = quarter
    found = {i: english_in(site.tinbai("explain", str(i)).stdout) for i in _ids(site)}
    assert {i: words for i, words in found.items() if words} == {}
    shown = site.tinbai("explain", str(_ids(site)[1])).stdout
    assert "đã được tính trước đây, không tính lại" in shown


def test_english_stays_available(quarter) -> None:
    site = quarter
    config = site.tinbai.config
    original = config.read_text(encoding="utf-8")
    config.write_text(original.replace('language = "vi"', 'language = "en"', 1), encoding="utf-8")
    try:
        shown = site.tinbai("explain", str(_ids(site)[0])).stdout
    finally:
        config.write_text(original, encoding="utf-8")
    assert "news item in the body; the subject is tagged [Tin]" in shown
    assert english_in(shown)
