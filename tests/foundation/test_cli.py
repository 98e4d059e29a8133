"""The `tinbai` command end to end, through a subprocess, on the shipped config."""

from __future__ import annotations

import csv
import io
import json
import mailbox

from mailkit import Attachment, build_message, make_jpeg

AS_OF = ("--as-of", "2020-05-15")


def _report(tinbai):
    return json.loads(tinbai("report", "--format", "json", *AS_OF).stdout)


def _unit(data, unit_id):
    return next(u for u in data["units"] if u["id"] == unit_id)


def test_report_json_is_the_seed_plan(tinbai):
    data = _report(tinbai)
    assert data["plan"] == {
        "id": "2020-q2",
        "title": "Kế hoạch tuyên truyền quý II năm 2020",
        "start": "2020-04-01",
        "end": "2020-06-30",
    }
    assert data["as_of"] == "2020-05-15"
    assert {k: v["quota"] for k, v in data["totals"].items()} == {
        "news": 58,
        "article": 17,
        "photo": 60,
    }
    assert {k: v["count"] for k, v in data["totals"].items()} == {
        "news": 0,
        "article": 0,
        "photo": 0,
    }
    assert [g["id"] for g in data["groups"]] == [
        "leadership",
        "departments",
        "district",
        "sector",
        "grassroots",
        "volunteers",
    ]
    district = next(g for g in data["groups"] if g["id"] == "district")
    assert district["quota"] == {"news": 20, "article": 5, "photo": None}
    assert district["member_minimum"] == {"news": 2, "article": None, "photo": None}
    sector = next(g for g in data["groups"] if g["id"] == "sector")
    assert sector["member_minimum"] == {"news": 2, "article": 1, "photo": None}
    assert _unit(data, "tuyen-giao")["quota"] == {"news": 10, "article": 1, "photo": None}
    assert _unit(data, "cong-tac-vien")["quota"] == {"news": None, "article": None, "photo": None}
    assert len(data["units"]) >= 21
    for entry in (*data["groups"], *data["units"]):
        assert set(entry["counts"]) == set(entry["quota"]) == {"news", "article", "photo"}
    assert data["unmapped"] == []


def test_tagged_news_with_two_jpegs_counts_for_the_mapped_unit_once(tinbai, write_eml):
    tinbai("senders", "add", "a@example.org", "tuan-giao")
    eml = write_eml(
        sender="a@example.org",
        subject="[Tin] Hội nghị công nhân",
        attachments=[
            Attachment("a.jpg", make_jpeg(seed=1)),
            Attachment("b.jpg", make_jpeg(seed=2)),
        ],
    )
    first = tinbai("ingest-file", eml)
    assert "1 new message(s): 1 news, 0 article(s), 2 photo(s)" in first.stdout
    before = _report(tinbai)
    again = tinbai("ingest-file", eml)
    assert "already stored" in again.stdout
    assert "0 new message(s)" in again.stdout
    after = _report(tinbai)
    assert _unit(after, "tuan-giao")["counts"] == {"news": 1, "article": 0, "photo": 2}
    assert after == before
    district = next(g for g in after["groups"] if g["id"] == "district")
    assert district["counts"] == {"news": 1, "article": 0, "photo": 2}
    assert after["totals"]["photo"]["count"] == 2


def test_unknown_sender_counts_for_no_one_until_mapped_then_everything_counts(tinbai, write_eml):
    for seed in (5, 6):
        tinbai(
            "ingest-file",
            write_eml(
                sender="Chị Lan <lan@xa.example.org>",
                subject="[Ảnh] Hội thao",
                attachments=[Attachment("p.jpg", make_jpeg(seed=seed))],
            ),
        )
    data = _report(tinbai)
    assert data["totals"]["photo"]["count"] == 0
    assert data["unmapped"] == [{"address": "lan@xa.example.org", "messages": 2}]
    assert "Chị Lan" in tinbai("unmapped", *AS_OF).stdout
    tinbai("senders", "add", "@xa.example.org", "muong-nhe")
    data = _report(tinbai)
    assert _unit(data, "muong-nhe")["counts"]["photo"] == 2
    assert data["totals"]["photo"]["count"] == 2
    assert data["unmapped"] == []


def test_an_exact_address_wins_over_its_domain(tinbai, write_eml):
    tinbai("senders", "add", "@huyen.example.org", "muong-cha")
    tinbai("senders", "add", "ctv@huyen.example.org", "cong-tac-vien")
    tinbai("ingest-file", write_eml(sender="ctv@huyen.example.org", subject="[Tin] Một tin"))
    data = _report(tinbai)
    assert _unit(data, "cong-tac-vien")["counts"]["news"] == 1
    assert _unit(data, "muong-cha")["counts"]["news"] == 0


def test_mail_outside_the_plan_period_is_not_counted(tinbai, write_eml):
    from datetime import datetime  # noqa: PLC0415
    from zoneinfo import ZoneInfo  # noqa: PLC0415

    hanoi = ZoneInfo("Asia/Ho_Chi_Minh")
    tinbai(
        "ingest-file",
        write_eml(
            sender="tuangiao@example.org",
            subject="[Tin] Quý I",
            date=datetime(2020, 3, 31, 23, 30, tzinfo=hanoi),
        ),
    )
    tinbai(
        "ingest-file",
        write_eml(
            sender="tuangiao@example.org",
            subject="[Tin] Quý II",
            date=datetime(2020, 4, 1, 0, 30, tzinfo=hanoi),
        ),
    )
    tinbai(
        "ingest-file",
        write_eml(
            sender="tuangiao@example.org",
            subject="[Tin] Sau ngày báo cáo",
            date=datetime(2020, 5, 16, 8, 0, tzinfo=hanoi),
        ),
    )
    assert _unit(_report(tinbai), "tuan-giao")["counts"]["news"] == 1


def test_ingest_an_mbox(tinbai, tmp_path):
    path = tmp_path / "export.mbox"
    box = mailbox.mbox(path)
    for i in range(3):
        box.add(build_message(sender="muonglay@example.org", subject=f"[Tin] Tin số {i}"))
    box.close()
    out = tinbai("ingest-file", path).stdout
    assert "3 new message(s): 3 news" in out
    assert _unit(_report(tinbai), "muong-lay")["counts"]["news"] == 3


def test_a_malformed_message_is_kept_and_the_rest_still_counts(tinbai, tmp_path, write_eml):
    broken = tmp_path / "broken.eml"
    broken.write_bytes(
        b'From: tuangiao@example.org\r\nDate: Mon, 11 May 2020 09:00:00 +0700\r\nSubject: [Tin] \xff\xfe\r\nContent-Type: multipart/mixed; boundary="x"\r\n\r\n--x\r\nContent-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!notbase64\r\n'
    )
    good = write_eml(sender="tuangiao@example.org", subject="[Tin] Bình thường")
    done = tinbai("ingest-file", broken, good)
    assert "2 new message(s)" in done.stdout
    assert "Traceback" not in done.stderr
    assert _unit(_report(tinbai), "tuan-giao")["counts"]["news"] == 2


def test_missing_file_is_one_line_and_exit_1(tinbai, tmp_path):
    done = tinbai("ingest-file", tmp_path / "nope.eml", check=False)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"tinbai: {tmp_path / 'nope.eml'}: no such file — check the path"
    ]


def test_misspelt_config_key_is_one_line_exit_2(tinbai):
    tinbai.config.write_text(
        tinbai.config.read_text(encoding="utf-8").replace('host = "imap', 'hots = "imap'),
        encoding="utf-8",
    )
    line = tinbai.fails("report", code=2)
    assert "mailbox.hots: unknown key (did you mean 'host'?)" in line


def test_rows_that_do_not_add_up_warn_in_one_line_and_still_report(tinbai):
    tinbai.config.write_text(
        tinbai.config.read_text(encoding="utf-8").replace("news = 20\n", "news = 19\n"),
        encoding="utf-8",
    )
    done = tinbai("report", "--format", "json", *AS_OF)
    assert (
        done.stderr.strip()
        == "tinbai: WARNING: plan 2020-q2: the rows add up to 57 news but the stated total is 58 (+1) — fix a row or `totals.news`"
    )
    assert json.loads(done.stdout)["totals"]["news"]["quota"] == 58


def test_report_table_and_csv(tinbai, write_eml):
    tinbai("ingest-file", write_eml(sender="giaoduc@example.org", subject="[Bài] Nhà giáo"))
    table = tinbai("report", *AS_OF).stdout
    assert "Toàn kế hoạch" in table
    assert "Công đoàn ngành Giáo dục" in table
    rows = list(csv.DictReader(io.StringIO(tinbai("report", "--format", "csv", *AS_OF).stdout)))
    plan = rows[0]
    assert (plan["level"], plan["news_quota"], plan["article_count"]) == ("plan", "58", "1")
    giao_duc = next(r for r in rows if r["id"] == "giao-duc")
    assert giao_duc["article_count"] == "1"
    sector = next(r for r in rows if r["id"] == "sector")
    assert (sector["news_member_minimum"], sector["article_member_minimum"]) == ("2", "1")


def test_units_and_senders_commands(tinbai):
    units = json.loads(tinbai("units", "--format", "json").stdout)
    assert {
        "id": "nam-po",
        "name": "LĐLĐ huyện Nậm Pồ",
        "group": "district",
        "senders": ["nampo@example.org"],
    } in units
    bad = tinbai("senders", "add", "x@example.org", "tuan-gaio", check=False)
    assert bad.returncode == 2
    assert "did you mean 'tuan-giao'?" in bad.stderr
    assert tinbai("senders", "add", "not-an-address", "tuan-giao", check=False).returncode == 2
    tinbai("senders", "add", "x@example.org", "tuan-giao")
    again = tinbai("senders", "add", "X@example.org", "tuan-giao")
    assert "nothing changed" in again.stdout
    listed = json.loads(tinbai("senders", "list", "--format", "json").stdout)
    assert {"sender": "x@example.org", "unit": "tuan-giao", "source": "database"} in listed
    assert {"sender": "nampo@example.org", "unit": "nam-po", "source": "config"} in listed
    assert "no longer sends for tuan-giao" in tinbai("senders", "remove", "x@example.org").stdout
    seeded = tinbai("senders", "remove", "nampo@example.org", check=False)
    assert seeded.returncode == 1
    assert "remove it from `senders` there" in seeded.stderr


def test_commands_that_need_no_server_work_without_secrets(tinbai, write_eml):
    assert "TINBAI_IMAP_PASSWORD" not in tinbai.env
    tinbai("ingest-file", write_eml())
    tinbai("report")
    tinbai("senders", "list")
    tinbai("unmapped")


def test_db_upgrade_is_idempotent(tinbai):
    assert "migrated" in tinbai("db", "upgrade").stdout
    assert "nothing to do" in tinbai("db", "upgrade").stdout
