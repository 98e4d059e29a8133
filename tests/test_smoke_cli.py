"""The CLI end to end through a subprocess, on the shipped config."""

from __future__ import annotations

import json

from mailkit import Attachment, make_jpeg


def test_report_json_lists_the_seed_plan(tinbai):
    data = json.loads(tinbai("report", "--format", "json", "--as-of", "2020-05-15").stdout)
    assert data["totals"]["news"]["quota"] == 58


def test_tagged_news_with_two_jpegs_counts_once(tinbai, write_eml):
    tinbai("senders", "add", "a@example.org", "tuan-giao")
    eml = write_eml(
        sender="a@example.org",
        subject="[Tin] Hội nghị công nhân",
        attachments=[Attachment("a.jpg", make_jpeg(seed=1)), Attachment("b.jpg", make_jpeg(seed=2))],
    )
    tinbai("ingest-file", eml)
    again = tinbai("ingest-file", eml)
    assert "already stored" in again.stdout
    data = json.loads(tinbai("report", "--format", "json", "--as-of", "2020-05-15").stdout)
    unit = next(u for u in data["units"] if u["id"] == "tuan-giao")
    assert unit["counts"] == {"news": 1, "article": 0, "photo": 2}
