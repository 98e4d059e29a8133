"""The dashboard is kept between requests and is never stale (issue 13).

The server keeps the plan's progress, the dashboard's body and its charts while the
store's generation (migration 0016: database triggers) stands. These tests write by
every road a deployment has — `tinbai ingest-file` and `tinbai senders add --from` in
another process, a correction and a mapping through the web, a script writing SQL
straight into the database — and check that the very next page shows the change,
the same figures `tinbai report` computes from scratch.
"""

from __future__ import annotations

import json
import re
import sqlite3
import warnings
from datetime import datetime

import pytest
from admin.conftest import SHIPPED_CONFIG, InProcessTinbai
from mailkit import HANOI

from store.db import make_engine
from store.repo import Store
from tinbai import admin
from tinbai.app import App
from tinbai.web.site import create_app

with warnings.catch_warnings():  # starlette asks for httpx2; httpx serves
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

AS_OF = "2020-05-17"
IN_PLAN = datetime(2020, 5, 12, 9, 0, tzinfo=HANOI)


def unit_row(html: str, unit: str) -> list[str]:
    """The dashboard's cells for one unit, as text: ``["2/2 (100 %)", "0", "1"]``."""
    row = re.search(rf'<tr class="unit" data-id="{unit}">(.*?)</tr>', html, re.S)
    assert row, f"no row for {unit}"
    cells = re.findall(r'<td class="num[^"]*">(.*?)</td>', row.group(1), re.S)
    return [" ".join(re.sub(r"<[^>]+>", "", c).split()) for c in cells]


def reported(tinbai: InProcessTinbai, unit: str) -> dict[str, int]:
    """What `tinbai report` (a fresh computation in its own App) counts for ``unit``."""
    report = json.loads(tinbai("report", "--format", "json", "--as-of", AS_OF).stdout)
    return next(u["counts"] for u in report["units"] if u["id"] == unit)


def shown(html: str, unit: str) -> dict[str, int]:
    cells = unit_row(html, unit)
    numbers = [int(re.match(r"\d+", c).group()) if c[:1].isdigit() else 0 for c in cells]  # type: ignore[union-attr]
    return dict(zip(("news", "article", "photo"), numbers, strict=True))


def news(sender: str, subject: str, date: datetime = IN_PLAN) -> dict[str, object]:
    return {"sender": sender, "subject": f"[Tin] {subject}", "date": date}


def test_every_road_of_writing_shows_on_the_next_page(fresh_site):
    site = fresh_site
    with site.server.login(*site.users["admin"]) as client:

        def page() -> str:
            return client.get("/", params={"as_of": AS_OF}).text

        def chart() -> bytes:
            return client.get(
                "/chart.png", params={"as_of": AS_OF, "scope": "unit:tuan-giao"}
            ).content

        first = page()
        assert page() == first  # kept: the same page again
        assert shown(first, "tuan-giao") == reported(site.tinbai, "tuan-giao")
        chart_before = chart()

        # Another process stores mail (as a poller would).
        site.ingest(news("tuangiao@example.org", "Hội nghị cán bộ"))
        after_ingest = page()
        assert shown(after_ingest, "tuan-giao")["news"] == shown(first, "tuan-giao")["news"] + 1
        assert shown(after_ingest, "tuan-giao") == reported(site.tinbai, "tuan-giao")
        assert chart() != chart_before

        # A correction through the web.
        message = site.message_id("[Tin] Hội nghị cán bộ")
        token = site.server.csrf_of(client.get(f"/submissions/{message}").text)
        form = {"csrf_token": token, "news": "3", "article": "1", "photo": "0", "reason": "ba tin"}
        assert client.post(f"/submissions/{message}/reclassify", data=form).status_code == 303
        corrected = shown(page(), "tuan-giao")
        assert corrected == reported(site.tinbai, "tuan-giao")
        assert corrected["news"] == shown(after_ingest, "tuan-giao")["news"] + 2

        # An unknown sender's mail, then its mapping through the web.
        site.ingest(news("la.mat@example.net", "Tin từ địa chỉ mới"))
        assert "la.mat@example.net" not in page()  # the unit table shows units only
        token = site.server.csrf_of(client.get("/senders").text)
        form = {"csrf_token": token, "sender": "la.mat@example.net", "unit": "nam-po"}
        assert client.post("/senders/assign", data=form).status_code == 303
        assert shown(page(), "nam-po")["news"] == 1 == reported(site.tinbai, "nam-po")["news"]

        # Another process moves that sender from a date after its mail: the mail stays,
        # and the period written for it is a write like any other.
        site.tinbai("senders", "add", "la.mat@example.net", "muong-nhe", "--from", "2020-05-15")
        site.ingest(news("la.mat@example.net", "Tin sau ngày chuyển", IN_PLAN.replace(day=16)))
        html = page()
        assert shown(html, "nam-po") == reported(site.tinbai, "nam-po")
        assert shown(html, "nam-po")["news"] == 1
        assert shown(html, "muong-nhe")["news"] == 1 == reported(site.tinbai, "muong-nhe")["news"]

        # A script writing straight into the database, behind tinbai's back.
        db = site.folder / "tinbai.db"
        with sqlite3.connect(db) as c:
            c.execute("DELETE FROM overrides WHERE message_pk = ?", (message,))
        assert shown(page(), "tuan-giao") == shown(after_ingest, "tuan-giao")


def test_the_progress_is_computed_once_while_nothing_is_written(config_file, tmp_path, monkeypatch):
    """In process: two pages, a chart and a login refused compute the progress once."""
    tinbai = InProcessTinbai(config_file, {"COLUMNS": "200", "NEW_PASSWORD": "admin-secret-1"})
    tinbai("users", "add", "an", "--role", "admin", "--password-env", "NEW_PASSWORD")
    computed: list[str] = []
    real = admin.progress

    def counting(app, as_of=None, plan_id=None):  # type: ignore[no-untyped-def]
        computed.append(str(as_of))
        return real(app, as_of, plan_id)

    monkeypatch.setattr(admin, "progress", counting)
    app = App(config_file)
    with TestClient(create_app(app, secret="s" * 32), base_url="http://127.0.0.1") as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
        assert token
        form = {"csrf_token": token.group(1), "username": "an", "password": "wrong", "next": "/"}
        assert client.post("/login", data=form).status_code == 401  # a login_failures row
        good = form | {"password": "admin-secret-1"}
        assert client.post("/login", data=good, follow_redirects=False).status_code == 303
        for _ in range(3):
            assert client.get("/", params={"as_of": AS_OF}).status_code == 200
        assert client.get("/chart.png", params={"as_of": AS_OF}).status_code == 200
        assert computed == [AS_OF]
        assert client.get("/", params={"as_of": "2020-05-18"}).status_code == 200
        assert computed == [AS_OF, "2020-05-18"]
        tinbai("ingest-file", SHIPPED_CONFIG.parent / "samples" / "02-tuan-giao-tin.eml")
        client.get("/", params={"as_of": AS_OF})
        assert computed == [AS_OF, "2020-05-18", AS_OF]
    app.close()


# The tables the progress is computed from, said here independently of the migration.
WATCHED = "digests items message_themes messages overrides sender_periods senders".split()  # noqa: SIM905


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    url = (
        f"sqlite:///{tmp_path / 'g.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_db")
    )
    from store.db import migrate  # noqa: PLC0415

    engine = make_engine(url)
    migrate(engine)
    yield Store(engine)
    engine.dispose()


def test_the_generation_grows_with_each_write_to_what_a_report_reads(store):
    """Each watched table bumps it; on PostgreSQL once per transaction, however many rows."""
    import sqlalchemy as sa  # noqa: PLC0415

    now = datetime(2020, 5, 12, 2, 0)  # naive UTC, as tinbai stores it
    message = (
        "INSERT INTO messages (id, dedup_key, digest, sender, sender_name, recipients, subject,"
        " received_at, size, status, reason, source, trace, defects, ingested_at)"
        " VALUES (:id, :key, 'd', 'a@example.org', '', '', '', :now, 0, 'counted', '',"
        " 'file', '[]', '', :now)"
    )
    writes = {
        "messages": [sa.text(message).bindparams(id=i, key=f"k{i}", now=now) for i in range(1, 31)],
        "items": [
            sa.text("INSERT INTO items (message_pk, kind, count, reason) VALUES (1, 'news', 1, '')")
        ],
        "senders": [
            sa.text(
                "INSERT INTO senders (pattern, unit_id, created_at)"
                " VALUES ('a@example.org', 'u', :now)"
            ).bindparams(now=now)
        ],
        "messages (update)": [sa.text("UPDATE messages SET status = 'ignored'")],
        "messages (delete)": [sa.text("DELETE FROM messages WHERE id > 20")],
    }
    seen = [store.generation()]
    for what, statements in writes.items():
        with store.engine.begin() as c:
            for statement in statements:
                c.execute(statement)
        seen.append(store.generation())
        grown = seen[-1] - seen[-2]
        assert grown >= 1, what
        if store.engine.dialect.name == "postgresql":
            assert grown == 1, f"{what}: {grown} bumps for one transaction"
    with store.engine.begin() as c:  # a poll's bookkeeping and a refused login: no bump
        c.execute(
            sa.text("INSERT INTO login_failures (at, address, name) VALUES (:t, '1', 'x')"),
            {"t": now},
        )
        c.execute(sa.text("SELECT COUNT(*) FROM messages"))
    assert store.generation() == seen[-1]
    with store.engine.connect() as c:
        triggered = (
            "SELECT DISTINCT event_object_table FROM information_schema.triggers"
            " WHERE trigger_name = 'tinbai_generation'"
            if store.engine.dialect.name == "postgresql"
            else "SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger'"
            " AND name LIKE 'tinbai_generation_%'"
        )
        assert sorted(r[0] for r in c.execute(sa.text(triggered))) == sorted(WATCHED)
