"""`tinbai senders …` and `tinbai unmapped` through the real CLI, on real SQLite."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

from mailkit import HANOI

from store.mappings import map_sender
from texts import text
from tinbai.app import App

AS_OF = ("--as-of", "2020-06-30")


def unit_counts(tinbai, unit_id: str) -> dict[str, int]:
    data = json.loads(tinbai("report", "--format", "json", *AS_OF).stdout)
    return next(u for u in data["units"] if u["id"] == unit_id)["counts"]


def audit(tinbai) -> list[dict[str, str]]:
    return json.loads(tinbai("audit", "--format", "json", "--limit", "1000").stdout)


def test_mapping_an_unknown_sender_counts_its_earlier_mail(tinbai, mail, news):
    mail(news("new.clerk@example.net", photos=1))
    assert unit_counts(tinbai, "tuan-giao") == {"news": 0, "article": 0, "photo": 0}

    done = tinbai("senders", "add", "New.Clerk@example.net", "tuan-giao")

    assert "new.clerk@example.net now sends for tuan-giao" in done.stdout
    assert unit_counts(tinbai, "tuan-giao") == {"news": 1, "article": 0, "photo": 1}
    entry = audit(tinbai)[0]
    assert (entry["action"], entry["target"], entry["old"], entry["new"]) == (
        "sender-map",
        "new.clerk@example.net",
        None,
        "tuan-giao",
    )
    assert entry["actor"].startswith("cli")


def test_moving_a_sender_moves_its_history(tinbai, mail, news):
    mail(news("clerk@example.net"))
    tinbai("senders", "add", "clerk@example.net", "tuan-giao")
    done = tinbai("senders", "add", "clerk@example.net", "muong-lay")
    assert "moved from tuan-giao to muong-lay" in done.stdout
    assert unit_counts(tinbai, "tuan-giao")["news"] == 0
    assert unit_counts(tinbai, "muong-lay")["news"] == 1


def test_move_with_from_keeps_earlier_mail_with_the_old_unit(tinbai, mail, news):
    april = news("clerk@example.net", subject="[Tin] Tháng Công nhân")
    april["date"] = datetime(2020, 4, 20, 9, 0, tzinfo=HANOI)
    may = news("clerk@example.net", subject="[Tin] Đại hội Công đoàn")
    may["date"] = datetime(2020, 5, 20, 9, 0, tzinfo=HANOI)
    mail(april, may)
    tinbai("senders", "add", "clerk@example.net", "tuan-giao")

    done = tinbai("senders", "add", "clerk@example.net", "muong-lay", "--from", "2020-05-01")

    assert "mail before 2020-05-01 stays with tuan-giao" in done.stdout
    assert unit_counts(tinbai, "tuan-giao")["news"] == 1
    assert unit_counts(tinbai, "muong-lay")["news"] == 1
    assert audit(tinbai)[0]["new"] == "muong-lay (mail from 2020-05-01 on)"
    listed = json.loads(
        tinbai("submissions", "list", "--unit", "tuan-giao", "--format", "json").stdout
    )
    assert [s["subject"] for s in listed] == ["[Tin] Tháng Công nhân"]

    tinbai("senders", "add", "clerk@example.net", "dien-bien")  # no --from: all of it moves
    assert unit_counts(tinbai, "tuan-giao")["news"] == 0
    assert unit_counts(tinbai, "dien-bien")["news"] == 2


def test_a_domain_mapping_counts_every_address_under_it(tinbai, mail, news):
    mail(news("a@muongcha.example.org"), news("b@muongcha.example.org", subject="[Tin] Hội thi"))
    tinbai("senders", "add", "@MuongCha.Example.ORG", "muong-cha")
    assert unit_counts(tinbai, "muong-cha")["news"] == 2


def test_adding_twice_changes_nothing_and_says_so(tinbai):
    tinbai("senders", "add", "a@example.net", "tuan-giao")
    again = tinbai("senders", "add", "a@example.net", "tuan-giao")
    assert "nothing changed" in again.stdout
    assert len(audit(tinbai)) == 1


def test_adding_an_address_its_domain_already_maps_there_writes_nothing(tinbai):
    tinbai("senders", "add", "@muongcha.example.org", "muong-cha")
    done = tinbai("senders", "add", "a@muongcha.example.org", "muong-cha")
    assert "already sends for muong-cha" in done.stdout
    rows = json.loads(
        tinbai("senders", "list", "--search", "muongcha.example", "--format", "json").stdout
    )
    assert [r["sender"] for r in rows] == ["@muongcha.example.org"]


def test_add_refuses_an_unknown_unit_with_a_suggestion(tinbai):
    done = tinbai("senders", "add", "a@example.net", "tuan-gaio", check=False)
    assert done.returncode == 2
    assert "did you mean 'tuan-giao'" in done.stderr
    assert "Traceback" not in done.stderr


def test_add_refuses_a_bad_date(tinbai):
    done = tinbai("senders", "add", "a@example.net", "tuan-giao", "--from", "1/5/2020", check=False)
    assert done.returncode == 2
    assert "is not a date like 2020-05-15" in done.stderr


def test_remove_unmaps_and_is_audited(tinbai):
    tinbai("senders", "add", "a@example.net", "tuan-giao")
    assert "no longer sends for tuan-giao" in tinbai("senders", "remove", "a@example.net").stdout
    entry = audit(tinbai)[0]
    assert (entry["action"], entry["old"], entry["new"]) == ("sender-unmap", "tuan-giao", None)
    assert "was not mapped" in tinbai("senders", "remove", "a@example.net").stdout


def test_removing_a_sender_moved_with_from_leaves_none_of_its_mail_counted(tinbai, mail, news):
    # `senders add --from` keeps April's mail with tuan-giao; `senders remove` must
    # drop that too, or April still counts for tuan-giao while the report lists the
    # sender as unmapped (and a web removal did the same).
    april = news("clerk@example.net", subject="[Tin] Tháng Công nhân")
    april["date"] = datetime(2020, 4, 20, 9, 0, tzinfo=HANOI)
    may = news("clerk@example.net", subject="[Tin] Đại hội Công đoàn")
    may["date"] = datetime(2020, 5, 20, 9, 0, tzinfo=HANOI)
    mail(april, may)
    tinbai("senders", "add", "clerk@example.net", "tuan-giao")
    tinbai("senders", "add", "clerk@example.net", "muong-lay", "--from", "2020-05-01")

    done = tinbai("senders", "remove", "clerk@example.net")

    assert "clerk@example.net no longer sends for muong-lay" in done.stdout
    report = json.loads(tinbai("report", "--format", "json", *AS_OF).stdout)
    assert {u["id"]: u["counts"]["news"] for u in report["units"]}["tuan-giao"] == 0
    assert report["totals"]["news"]["count"] == 0
    assert report["unmapped"] == [{"address": "clerk@example.net", "messages": 2}]
    listed = json.loads(
        tinbai("submissions", "list", "--unit", "tuan-giao", "--format", "json").stdout
    )
    assert listed == []
    entry = audit(tinbai)[0]
    assert (entry["action"], entry["old"], entry["new"]) == ("sender-unmap", "muong-lay", None)


def test_list_searches_database_and_config_mappings(tinbai):
    tinbai("senders", "add", "clerk@example.net", "muong-lay")
    rows = json.loads(tinbai("senders", "list", "--search", "muong-lay", "--format", "json").stdout)
    assert {"sender": "clerk@example.net", "unit": "muong-lay", "source": "database"} in rows
    assert all(r["unit"] == "muong-lay" for r in rows)
    assert any(r["source"] == "config" for r in rows)


def senders_csv(rows: list[tuple[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["sender", "unit"])
    writer.writerows(rows)
    return out.getvalue()


DISTRICTS = ["tuan-giao", "muong-lay", "dien-bien", "muong-cha", "nam-po"]


def test_import_of_200_senders_with_one_bad_row_imports_none_and_names_the_row(tinbai, tmp_path):
    rows = [(f"clerk{i}@example.net", DISTRICTS[i % 5]) for i in range(200)]
    rows[136] = ("clerk136@example.net", "tuan-gaio")  # a typing slip on data row 137: line 138
    path = tmp_path / "senders.csv"
    path.write_text(senders_csv(rows), encoding="utf-8")

    done = tinbai("senders", "import", path, check=False)

    assert done.returncode == 1
    assert "row 138: unknown unit 'tuan-gaio' (did you mean 'tuan-giao'?)" in done.stderr
    assert "nothing was imported" in done.stderr
    assert done.stderr.count("\n") == 1, "one line, no traceback"
    assert (
        json.loads(tinbai("senders", "list", "--search", "example.net", "--format", "json").stdout)
        == []
    )
    assert audit(tinbai) == []


def test_import_of_200_senders_maps_them_all_and_again_changes_nothing(tinbai, tmp_path):
    rows = [(f"clerk{i}@example.net", DISTRICTS[i % 5]) for i in range(200)]
    path = tmp_path / "senders.csv"
    path.write_text(
        "\ufeff" + senders_csv(rows).replace(",", ";"), encoding="utf-8"
    )  # Excel: BOM and ';'

    done = tinbai("senders", "import", path)
    assert "200 sender(s) added, 0 moved, 0 unchanged" in done.stdout
    listed = json.loads(
        tinbai("senders", "list", "--search", "example.net", "--format", "json").stdout
    )
    assert len(listed) == 200
    assert {"sender": "clerk7@example.net", "unit": "dien-bien", "source": "database"} in listed

    assert "0 sender(s) added, 0 moved, 200 unchanged" in tinbai("senders", "import", path).stdout
    assert len(audit(tinbai)) == 200


def test_import_names_every_kind_of_bad_row(tinbai, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "sender,unit\nnot-an-address,tuan-giao\na@example.net,tuan-giao\na@example.net,muong-lay\nb@example.net\n",
        encoding="utf-8",
    )
    err = tinbai("senders", "import", path, check=False).stderr
    assert "row 2: 'not-an-address' is neither an address" in err
    assert "row 4: a@example.net is mapped to tuan-giao on row 3 already" in err
    assert "row 5: 1 column(s)" in err


def test_import_without_a_header_says_what_to_add(tinbai, tmp_path):
    path = tmp_path / "noheader.csv"
    path.write_text("a@example.net,tuan-giao\n", encoding="utf-8")
    done = tinbai("senders", "import", path, check=False)
    assert done.returncode == 1
    assert "the first row must name the columns sender, unit" in done.stderr


def test_export_then_import_round_trips(tinbai, tmp_path):
    tinbai("senders", "add", "clerk@example.net", "muong-lay")
    tinbai("senders", "add", "@nampo.example.org", "nam-po")
    exported = tinbai("senders", "export").stdout
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert {
        "sender": "clerk@example.net",
        "unit": "muong-lay",
        "unit_name": "LĐLĐ thị xã Mường Lay",
        "source": "database",
    } in rows
    assert any(r["source"] == "config" for r in rows)

    path = tmp_path / "out.csv"
    tinbai("senders", "export", path)
    assert path.read_text(encoding="utf-8") == exported
    assert "0 moved" in tinbai("senders", "import", path).stdout


def test_unmapped_shows_name_count_dates_and_subjects(tinbai, mail, news):
    first = news("Trần Văn A <stranger@example.net>", subject="[Tin] Hội nghị tháng 4")
    first["date"] = datetime(2020, 4, 3, 8, 0, tzinfo=HANOI)
    second = news("Trần Văn A <stranger@example.net>", subject="[Bài] Phong trào thi đua")
    second["date"] = datetime(2020, 5, 9, 8, 0, tzinfo=HANOI)
    mail(first, second)

    data = json.loads(tinbai("unmapped", "--format", "json", *AS_OF).stdout)

    assert len(data) == 1
    row = data[0]
    assert (row["address"], row["name"], row["messages"]) == (
        "stranger@example.net",
        "Trần Văn A",
        2,
    )
    assert row["first_seen"].startswith("2020-04-03T01:00")  # stored in UTC
    assert row["last_seen"].startswith("2020-05-09T01:00")
    assert row["subjects"] == ["[Bài] Phong trào thi đua", "[Tin] Hội nghị tháng 4"]
    table = tinbai("unmapped", *AS_OF).stdout
    assert "stranger@example.net" in table
    assert "Phong trào thi đua" in table

    assert row["suggested_unit"] is None
    tinbai("senders", "add", "stranger@example.net", "kiem-tra")
    assert tinbai("unmapped", *AS_OF).stdout.strip() == text("cli.no_unknown", "vi")


def test_unmapped_suggests_the_unit_colleagues_at_the_same_domain_send_for(tinbai, mail, news):
    tinbai("senders", "add", "chutich@muongcha.example.org", "muong-cha")
    mail(news("vanphong@muongcha.example.org"))
    data = json.loads(tinbai("unmapped", "--format", "json", *AS_OF).stdout)
    assert [(u["address"], u["suggested_unit"]) for u in data] == [
        ("vanphong@muongcha.example.org", "muong-cha")
    ]


def test_unmapped_lists_the_busiest_first_and_says_how_many_more(tinbai, mail, news):
    busy = news("ban@many.example.net", subject="[Tin] Thứ nhất")
    mail(busy, news("ban@many.example.net", subject="[Tin] Thứ hai"), news("ai@many.example.net"))
    mail(news("co@many.example.net", subject="[Tin] Thứ ba"))

    table = tinbai("unmapped", "--limit", "1", *AS_OF).stdout
    assert "ban@many.example.net" in table
    assert "ai@many.example.net" not in table
    assert "co@many.example.net" not in table
    assert text("cli.unmapped_more", "vi", shown=1, total=3) in table

    every = tinbai("unmapped", "--limit", "0", *AS_OF).stdout
    assert all(f"{who}@many.example.net" in every for who in ("ban", "ai", "co"))
    assert "trong 3" not in every
    data = json.loads(tinbai("unmapped", "--format", "json", *AS_OF).stdout)
    assert [u["address"] for u in data] == [
        "ban@many.example.net",  # two messages
        "ai@many.example.net",  # then by address
        "co@many.example.net",
    ]


def test_import_refuses_an_address_a_spreadsheet_would_run_as_a_formula(tinbai, tmp_path):
    path = tmp_path / "hostile.csv"
    path.write_text(
        "sender,unit\n"
        "ok@example.net,tuan-giao\n"
        "=1+1@example.net,tuan-giao\n"
        "'+cmd@example.net,tuan-giao\n"  # the spreadsheet's escape does not make it an address
        "'@nampo.example.org,nam-po\n",  # …but a domain escaped so is fine
        encoding="utf-8",
    )
    done = tinbai("senders", "import", path, check=False)
    assert done.returncode == 1
    line, *more = done.stderr.splitlines()
    assert more == []
    assert "row 3: '=1+1@example.net' starts with '='" in line
    assert "row 4: '+cmd@example.net' starts with '+'" in line
    assert "row 5" not in line
    assert "nothing was imported" in line
    assert audit(tinbai) == []
    refused = tinbai("senders", "add", "--", "-x@example.net", "tuan-giao", check=False)
    assert refused.returncode == 2
    assert "which a spreadsheet runs as a formula" in refused.stderr


def test_export_escapes_every_cell_a_spreadsheet_would_run_as_a_formula(tinbai, config_file):
    # A mapping stored before import refused such addresses, and a domain pattern.
    app = App(config_path=config_file)
    try:
        map_sender(
            app.store.session,
            "=hyperlink@evil.example.net",
            "muong-lay",
            current=None,
            since=None,
            actor="old",
            now=app.now(),
        )
    finally:
        app.close()
    tinbai("senders", "add", "@nampo.example.org", "nam-po")

    rows = list(csv.reader(io.StringIO(tinbai("senders", "export").stdout)))

    assert not {cell[:1] for row in rows for cell in row} & {"=", "+", "-", "@", "\t", "\r"}
    assert [
        "'=hyperlink@evil.example.net",
        "muong-lay",
        "LĐLĐ thị xã Mường Lay",
        "database",
    ] in rows
    assert ["'@nampo.example.org", "nam-po", "LĐLĐ huyện Nậm Pồ", "database"] in rows
