"""The plan's themes through the CLI: report JSON and table, explain, and retagging old mail."""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from mailkit import HANOI, Attachment, make_docx, make_jpeg

from store.db import make_engine, migrate

DOCX = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")


def _submissions(write_eml):
    """Mail of May 2020: themes in a subject without accents, in a .docx, and from a stranger."""
    return [
        write_eml(
            sender="tuangiao@example.org",
            subject="[Tin] Tuyen truyen phong chong MA TUY trong cong nhan",
            attachments=[Attachment("anh.jpg", make_jpeg(seed=1))],
            date=datetime(2020, 5, 4, 9, 0, tzinfo=HANOI),
        ),
        write_eml(
            sender="tuyengiao@example.org",
            subject="[Bài] Gửi bài viết tháng 5",
            body="Kính gửi Ban Tuyên giáo – Nữ công, xin gửi bài trong tệp đính kèm.",
            attachments=[
                Attachment(
                    "bai.docx",
                    make_docx("Kỷ niệm 130 năm Ngày sinh Chủ tịch Hồ Chí Minh " * 40),
                    *DOCX,
                )
            ],
            date=datetime(2020, 5, 6, 9, 0, tzinfo=HANOI),
        ),
        write_eml(  # an unknown sender counts for no one: not for a theme either
            sender="stranger@example.net",
            subject="[Tin] Phòng, chống dịch Covid-19",
            date=datetime(2020, 5, 7, 9, 0, tzinfo=HANOI),
        ),
    ]


def _themes(report: dict) -> dict[str, dict]:
    return {t["id"]: t for t in report["themes"]}


def test_report_json_lists_every_theme_with_its_pieces_and_the_near_dates(tinbai, write_eml):
    tinbai("ingest-file", *_submissions(write_eml))
    report = json.loads(tinbai("report", "--format", "json", "--as-of", "2020-05-08").stdout)
    themes = _themes(report)
    assert len(themes) == 14, "every theme of the plan, those with nothing included"
    drugs = themes["ma-tuy"]
    assert drugs["name"] == "Phòng, chống ma túy"
    assert drugs["pieces"] == 2
    assert drugs["counts"] == {"news": 1, "article": 0, "photo": 1}
    assert drugs["units"] == ["tuan-giao"]
    assert themes["bac-ho"]["pieces"] == 1  # found in the .docx only
    assert themes["bac-ho"]["counts"]["article"] == 1
    assert themes["covid-19"]["pieces"] == 0  # the stranger's mail counts for no one
    assert themes["phu-nu-tre-em-gia-dinh"]["pieces"] == 0  # "Nữ công" is a department
    # The week 2–8 May: Điện Biên Phủ (7/5) just passed; Hồ Chí Minh's birthday (19/5) ahead.
    calendar = [(c["date"], c["when"], c["days"], c["pieces"]) for c in report["calendar"]]
    assert calendar == [("2020-05-07", "passed", 1, 0), ("2020-05-19", "upcoming", 11, 1)]
    # Existing keys keep their meaning (DESIGN.md contract).
    assert report["totals"]["news"]["count"] == 1
    assert report["totals"]["article"]["count"] == 1


def test_report_table_flags_themes_with_nothing_yet(tinbai, write_eml):
    tinbai("ingest-file", *_submissions(write_eml))
    out = tinbai("report", "--as-of", "2020-05-08").stdout
    assert "Chủ đề tuyên truyền" in out
    drugs = next(line for line in out.splitlines() if "Phòng, chống ma túy" in line)
    assert drugs.split()[-4:] == ["1", "·", "1", "2"]
    covid = next(line for line in out.splitlines() if "Phòng, chống dịch Covid-19" in line)
    assert covid.rstrip().endswith("chưa có")


def test_explain_names_the_themes_a_message_touches(tinbai, write_eml):
    tinbai("ingest-file", *_submissions(write_eml)[:1])
    out = tinbai("explain", "1").stdout
    line = next(x for x in out.splitlines() if x.strip().startswith("chủ đề:"))
    assert "Phòng, chống ma túy (ma-tuy)" in line


def test_mail_stored_before_the_themes_is_tagged_by_retag(tinbai, write_eml, config_file):
    shipped = config_file.read_text(encoding="utf-8")
    config_file.write_text(shipped[: shipped.index("# --- The plan's themes")], encoding="utf-8")
    tinbai("ingest-file", *_submissions(write_eml))
    refused = tinbai("themes", "retag", check=False)
    assert refused.returncode == 2  # a config error, as for every command
    assert "[[plans.themes]]" in refused.stderr
    assert "Traceback" not in refused.stderr

    config_file.write_text(shipped, encoding="utf-8")  # the admin adds the themes
    before = json.loads(tinbai("report", "--format", "json", "--as-of", "2020-05-08").stdout)
    assert _themes(before)["ma-tuy"]["pieces"] == 0
    # Tagged: the drugs subject, and the stranger's Covid subject (kept for when it is mapped).
    assert "đã gắn thêm 2 chủ đề cho 2 thư" in tinbai("themes", "retag").stdout
    after = json.loads(tinbai("report", "--format", "json", "--as-of", "2020-05-08").stdout)
    assert _themes(after)["ma-tuy"]["pieces"] == 2
    assert _themes(after)["covid-19"]["pieces"] == 0
    tinbai("senders", "add", "stranger@example.net", "y-te")
    mapped = json.loads(tinbai("report", "--format", "json", "--as-of", "2020-05-08").stdout)
    assert _themes(mapped)["covid-19"]["units"] == ["y-te"]
    # The .docx's text is not kept: only what the subject and the body's start say is found.
    assert _themes(after)["bac-ho"]["pieces"] == 0
    assert "đã gắn thêm 0 chủ đề cho 0 thư" in tinbai("themes", "retag").stdout  # once


def test_a_database_from_before_migration_0009_is_upgraded_and_its_mail_retagged(
    tinbai, config_file
):
    """Mail stored by a tinbai without themes (schema 0008) counts for its themes after
    the upgrade, once `tinbai themes retag` has read what the store kept of it."""
    engine = make_engine(f"sqlite:///{config_file.parent / 'tinbai.db'}")
    migrate(engine, "0008_reason_codes")
    when = datetime(2020, 5, 4, 2, 0)
    with engine.begin() as c:
        c.execute(
            sa.text(
                "insert into messages (id, dedup_key, digest, sender, sender_name, recipients,"
                " subject, received_at, size, status, reason, source, trace, defects,"
                " ingested_at) values (1, 'k1', '', 'tuangiao@example.org', '', '',"
                " '[Tin] Phòng chống ma túy', :at, 0, 'counted', '{}', 'file', '[]', '', :at)"
            ),
            {"at": when},
        )
        c.execute(
            sa.text(
                "insert into items (message_pk, kind, count, reason) values (1, 'news', 1, '{}')"
            )
        )
    engine.dispose()
    before = json.loads(tinbai("report", "--format", "json", "--as-of", "2020-05-08").stdout)
    assert before["totals"]["news"]["count"] == 1  # upgraded, and the old count kept
    assert _themes(before)["ma-tuy"]["pieces"] == 0
    tinbai("themes", "retag")
    after = json.loads(tinbai("report", "--format", "json", "--as-of", "2020-05-08").stdout)
    assert _themes(after)["ma-tuy"]["pieces"] == 1
