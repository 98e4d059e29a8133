"""A letter counts the same over IMAP (partial fetches) as from a file (`tinbai ingest-file`).

Each test delivers one letter to a real Dovecot and polls it, then feeds the same bytes
to `tinbai ingest-file` on a copy of the config with a database of its own, and
compares the two reports.
"""

from __future__ import annotations

import base64
import json
import shutil
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import pytest
from dovecot import Mailbox
from mailkit import HANOI, Attachment, build_message
from sqlalchemy import select

from store.models import Message
from tinbai.app import App

pytestmark = pytest.mark.integration

AS_OF = "2020-06-30"


def rtf(words: int) -> bytes:
    return b"{\\rtf1\\ansi\\ansicpg1252 " + b"lao dong " * (words // 2) + b"}"


def totals(tinbai: Any) -> dict[str, int]:
    report = json.loads(tinbai("report", "--format", "json", "--as-of", AS_OF).stdout)
    return {kind: value["count"] for kind, value in report["totals"].items()}


def counted_both_ways(mailbox: Mailbox, tmp_path: Path, raw: bytes) -> tuple[dict[str, int], ...]:
    mailbox.deliver(raw)
    mailbox.tinbai("poll")
    over_imap = totals(mailbox.tinbai)

    folder = tmp_path / "from-file"
    folder.mkdir()
    shutil.copy(mailbox.config, folder / "config.toml")
    letter = folder / "letter.eml"
    letter.write_bytes(raw)
    from_file = type(mailbox.tinbai)(folder / "config.toml", mailbox.tinbai.env)
    from_file("ingest-file", letter)
    return over_imap, totals(from_file)


def test_poller_fetches_the_text_a_custom_tag_word_needs(mailbox: Mailbox, tmp_path: Path) -> None:
    # "Tin" is no tag word here: the classifier needs the document's words to tell its kind.
    with mailbox.config.open("a", encoding="utf-8") as f:
        f.write('\n[classify.tags]\nnews = ["bản tin"]\narticle = ["bài viết"]\nphoto = ["ảnh"]\n')
    raw = build_message(
        subject="[Tin] Tháng Công nhân",
        body="Kính gửi Ban.",
        attachments=[Attachment("bai.rtf", rtf(700), "application", "rtf")],
    )

    over_imap, from_file = counted_both_ways(mailbox, tmp_path, raw)

    assert from_file == {"news": 0, "article": 1, "photo": 0}  # 700 words: an article
    assert over_imap == from_file


def test_an_unnamed_x_rtf_part_counts_the_same_over_imap_as_from_a_file(
    mailbox: Mailbox, tmp_path: Path
) -> None:
    msg = EmailMessage()
    msg["From"] = "tuangiao@example.org"
    msg["To"] = "tinbai@example.org"
    msg["Subject"] = "Gửi Ban Tuyên giáo"
    msg["Date"] = format_datetime(datetime(2020, 5, 11, 9, 0, tzinfo=HANOI))
    msg["Message-ID"] = make_msgid(domain="example.org")
    msg.set_content("Kính gửi Ban.")
    msg.add_attachment(rtf(700), maintype="application", subtype="x-rtf")  # no file name

    over_imap, from_file = counted_both_ways(mailbox, tmp_path, msg.as_bytes())

    assert from_file == {"news": 0, "article": 1, "photo": 0}
    assert over_imap == from_file


def _b(text: str) -> str:
    return f"=?UTF-8?B?{base64.b64encode(text.encode()).decode()}?="


def test_a_name_split_across_encoded_words_is_stored_whole_on_both_roads(
    mailbox: Mailbox, tmp_path: Path
) -> None:
    # RFC 2047 §6.2: the space between adjacent encoded words is not part of the name.
    raw = (
        f"From: {_b('LĐLĐ huyện Tu')}\r\n {_b('ần Giáo')} <tuangiao@example.org>\r\n"
        "To: tinbai@example.org\r\nSubject: [Tin] Hội nghị\r\n"
        "Date: Mon, 11 May 2020 09:00:00 +0700\r\nMessage-ID: <split-name@example.org>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nKính gửi Ban Tuyên giáo.\r\n"
    ).encode()
    counted_both_ways(mailbox, tmp_path, raw)
    names = []
    for config in (mailbox.config, tmp_path / "from-file" / "config.toml"):
        app = App(config_path=config)
        try:
            with app.store.session() as s:
                names.append(s.scalars(select(Message.sender_name)).all())
        finally:
            app.close()
    assert names == [["LĐLĐ huyện Tuần Giáo"]] * 2
