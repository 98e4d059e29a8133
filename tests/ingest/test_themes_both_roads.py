"""A letter touches the same themes over IMAP (partial fetches) as from a file.

A tagged letter's document is not needed to count it, but the plan's themes are looked
for in documents too: the poller must fetch it when the config has themes.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from dovecot import Mailbox
from mailkit import Attachment, build_message, make_docx

pytestmark = pytest.mark.integration

DOCX = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")


def pieces(tinbai: Any) -> dict[str, int]:
    report = json.loads(tinbai("report", "--format", "json", "--as-of", "2020-06-30").stdout)
    return {t["id"]: t["pieces"] for t in report["themes"] if t["pieces"]}


def test_a_theme_named_only_in_a_tagged_letters_document_is_found_both_ways(
    mailbox: Mailbox, tmp_path: Path
) -> None:
    raw = build_message(
        subject="[Bài] Bài viết tháng 6",  # the tag decides the kind: no word count needed
        body="Kính gửi Ban Tuyên giáo, đơn vị gửi bài trong tệp đính kèm.",
        attachments=[Attachment("bai.docx", make_docx("Phòng, chống ma túy " * 300), *DOCX)],
    )
    mailbox.deliver(raw)
    mailbox.tinbai("poll")
    folder = tmp_path / "from-file"
    folder.mkdir()
    shutil.copy(mailbox.config, folder / "config.toml")
    (folder / "letter.eml").write_bytes(raw)
    from_file = type(mailbox.tinbai)(folder / "config.toml", mailbox.tinbai.env)
    from_file("ingest-file", folder / "letter.eml")
    assert pieces(mailbox.tinbai) == pieces(from_file) == {"ma-tuy": 1}
