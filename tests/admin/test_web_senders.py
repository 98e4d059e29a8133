"""The senders page over HTTP against the real server: add with a date, remove, CSV in and out."""

from __future__ import annotations

import csv
import io
import json


def mapped(site, needle: str) -> list[dict[str, str]]:
    return json.loads(site.tinbai("senders", "list", "--search", needle, "--format", "json").stdout)


def flash(client) -> str:
    html = client.get("/senders").text
    return (
        html.split('<p class="flash', 1)[1].split("</p>", 1)[0] if '<p class="flash' in html else ""
    )


def test_admin_adds_moves_with_a_date_and_removes_a_sender(site):
    with site.server.login(*site.users["admin"]) as client:
        token = site.server.csrf_of(client.get("/senders").text)
        form = {"csrf_token": token, "sender": "Web.Case@Example.net", "unit": "tuan-giao"}
        assert client.post("/senders/assign", data=form).headers["location"] == "/senders"
        assert "Đã gán web.case@example.net cho LĐLĐ huyện Tuần Giáo." in flash(client)

        client.post("/senders/assign", data=form | {"unit": "muong-lay", "from": "2020-05-01"})
        assert "thư trước ngày 01/05/2020 vẫn tính cho LĐLĐ huyện Tuần Giáo" in flash(client)
        assert mapped(site, "web.case@") == [
            {"sender": "web.case@example.net", "unit": "muong-lay", "source": "database"}
        ]

        client.post("/senders/assign", data=form | {"sender": "not an address"})
        assert "neither an address" in flash(client)
        client.post("/senders/assign", data=form | {"unit": "nowhere"})
        assert "no unit &#39;nowhere&#39;" in flash(client)

        client.post("/senders/remove", data={"csrf_token": token, "sender": "web.case@example.net"})
        assert "Đã bỏ gán web.case@example.net" in flash(client)
        assert mapped(site, "web.case@") == []
    entries = json.loads(site.tinbai("audit", "--target", "web.case@", "--format", "json").stdout)
    assert [(e["actor"], e["action"]) for e in entries] == [
        ("web:an", "sender-unmap"),
        ("web:an", "sender-map"),
        ("web:an", "sender-map"),
    ]


def _csv(rows: list[tuple[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["sender", "unit"])
    writer.writerows(rows)
    return out.getvalue().encode()


def test_csv_import_in_the_browser_is_all_or_nothing_and_export_reads_back(site):
    rows = [(f"web{i}@csv-case.example.org", "nam-po") for i in range(200)]
    bad = [*rows[:57], ("web57@csv-case.example.org", "nam-poo"), *rows[58:]]
    with site.server.login(*site.users["admin"]) as client:
        token = site.server.csrf_of(client.get("/senders").text)
        files = {"file": ("don-vi.csv", _csv(bad), "text/csv")}
        client.post("/senders/import", data={"csrf_token": token}, files=files)
        message = flash(client)
        assert "don-vi.csv: row 59: unknown unit &#39;nam-poo&#39;" in message
        assert "nothing was imported" in message
        assert mapped(site, "csv-case.example.org") == []

        files = {"file": ("don-vi.csv", _csv(rows), "text/csv")}
        client.post("/senders/import", data={"csrf_token": token}, files=files)
        assert "Đã nhập: 200 thêm mới, 0 chuyển đơn vị, 0 không đổi." in flash(client)
        assert len(mapped(site, "csv-case.example.org")) == 200

        exported = client.get("/senders.csv")
        assert exported.headers["content-type"] == "text/csv; charset=utf-8"
        assert "web7@csv-case.example.org,nam-po,LĐLĐ huyện Nậm Pồ,database" in exported.text
        files = {"file": ("export.csv", exported.content, "text/csv")}
        client.post("/senders/import", data={"csrf_token": token}, files=files)
        assert "0 thêm mới, 0 chuyển đơn vị" in flash(client)

        client.post("/senders/import", data={"csrf_token": token})
        assert "Hãy chọn một tệp CSV." in flash(client)
        files = {
            "file": (
                "latin1.csv",
                "sender,unit\nđ@x.example.org,nam-po\n".encode("cp1258"),
                "text/csv",
            )
        }
        client.post("/senders/import", data={"csrf_token": token}, files=files)
        assert "not UTF-8 text" in flash(client)


def test_csv_import_in_the_browser_refuses_a_formula_and_export_escapes_domains(site):
    rows = [
        ("web-ok@formula-case.example.org", "nam-po"),
        ("=1+1@formula-case.example.org", "nam-po"),
    ]
    with site.server.login(*site.users["admin"]) as client:
        token = site.server.csrf_of(client.get("/senders").text)
        files = {"file": ("don-vi.csv", _csv(rows), "text/csv")}
        client.post("/senders/import", data={"csrf_token": token}, files=files)
        message = flash(client)
        assert (
            "don-vi.csv: row 3: &#39;=1+1@formula-case.example.org&#39; starts with &#39;=&#39;"
            in message
        )
        assert "nothing was imported" in message
        assert mapped(site, "formula-case.example.org") == []

        form = {"csrf_token": token, "sender": "@formula-case.example.org", "unit": "nam-po"}
        client.post("/senders/assign", data=form)
        exported = list(csv.reader(io.StringIO(client.get("/senders.csv").text)))
        assert ["'@formula-case.example.org", "nam-po", "LĐLĐ huyện Nậm Pồ", "database"] in exported
        assert not {cell[:1] for row in exported for cell in row} & {"=", "+", "-", "@"}
