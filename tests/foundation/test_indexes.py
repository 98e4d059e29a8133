"""Every query the report, the digest and the admin pages run reads a big table by an index.

A database seeded at `scale_data.Scale.small()` (20,000 messages, 60,000 items: enough
for either planner to prefer an index where one serves), its statistics gathered
(ANALYZE / VACUUM ANALYZE). The statements are captured from the engine as they run,
then explained with their own parameters: SQLite's `EXPLAIN QUERY PLAN` must not
`SCAN` the messages or items table without an index, PostgreSQL's `EXPLAIN` must hold
no `Seq Scan` on them.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from scale_data import Scale, seed, write_config
from sqlalchemy import event, text

from store.users import add_user
from tinbai.app import App
from tinbai.digest_job import build_digest
from tinbai.report import plan_progress
from tinbai.web.site import create_app

with warnings.catch_warnings():  # starlette asks for httpx2; httpx is what the project has
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

BIG = ("messages", "items")
SIZE = Scale.small()


def _captured(app: App, day: date) -> list[tuple[str, Any]]:
    """(statement, parameters) of every SELECT the report, the digest and four admin pages run."""
    seen: list[tuple[str, Any]] = []

    def keep(*event_args: Any) -> None:  # conn, cursor, statement, parameters, context, many
        statement, parameters, many = event_args[2], event_args[3], event_args[5]
        if statement.lstrip().upper().startswith("SELECT") and not many:
            seen.append((statement, parameters))

    plan = app.plan("p7", day)
    add_user(
        app.store.session, "chief", "index-test-password", "admin", actor="test", now=app.now()
    )
    web = create_app(app, secret="index-test-secret-" + "x" * 32)
    event.listen(app.store.engine, "before_cursor_execute", keep)
    try:
        plan_progress(app, plan, day)
        build_digest(app, plan, day)
        with TestClient(web, base_url="http://127.0.0.1") as client:
            token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
            assert token
            form = {
                "csrf_token": token.group(1),
                "username": "chief",
                "password": "index-test-password",
            }
            assert client.post("/login", data=form, follow_redirects=False).status_code == 303
            for path in ("/", "/unknown", "/submissions", "/submissions/1"):
                assert client.get(path).status_code == 200, path
    finally:
        event.remove(app.store.engine, "before_cursor_execute", keep)
    return seen


def _full_scans(app: App, queries: list[tuple[str, Any]]) -> list[str]:
    bad = []
    with app.store.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        sqlite = conn.dialect.name == "sqlite"
        unique = {(s, repr(p)): (s, p) for s, p in queries}
        for statement, params in unique.values():
            cursor = raw.cursor()
            cursor.execute(("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ") + statement, params)
            plan = "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())
            cursor.close()
            for table in BIG:
                if sqlite:
                    scans = re.findall(rf"SCAN {table}\b(?! USING)", plan)
                else:
                    scans = re.findall(rf"Seq Scan on {table}\b", plan)
                if scans:
                    bad.append(f"{statement}\n{plan}")
    return bad


@pytest.fixture
def seeded(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[App]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'scale.db'}"
    else:
        url = request.getfixturevalue("postgres_db")
    config = write_config(tmp_path, SIZE, url)
    seed(url, SIZE)
    app = App(config)
    app.now = lambda: datetime(2025, 12, 31, 12, tzinfo=UTC)  # type: ignore[method-assign]
    try:
        yield app
    finally:
        app.close()


@pytest.mark.parametrize("seeded", ["sqlite", "postgresql"], indirect=True)
def test_report_digest_and_admin_pages_read_by_index(seeded: App) -> None:
    day = date(2025, 12, 31)
    queries = _captured(seeded, day)
    assert len(queries) > 10  # the report, the digest and the pages did run their queries
    bad = _full_scans(seeded, queries)
    assert not bad, "full scans of a big table:\n\n" + "\n\n".join(bad)


def test_the_seeded_database_is_big_enough(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'scale.db'}"
    seed(url, SIZE)
    app = App(write_config(tmp_path, SIZE, url))
    with app.store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM items")).scalar() == SIZE.items
    app.close()
