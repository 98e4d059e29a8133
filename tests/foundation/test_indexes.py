"""Every query the report, the digest and the admin pages run reads a big table by an index.

A database seeded at `scale_data.Scale.small()` (20,000 messages, 60,000 items: enough
for either planner to prefer an index where one serves), its statistics gathered
(ANALYZE / VACUUM ANALYZE). The statements are captured from the engine as they run,
then explained with their own parameters. A table that grows with the mail and that the
seed fills (messages, items, message_locations) may only be *searched*: SQLite's
`EXPLAIN QUERY PLAN` must not `SCAN` it at all (neither the table nor an index of it
read from end to end, "SCAN messages USING COVERING INDEX …" being a full scan too),
PostgreSQL's `EXPLAIN` must hold no `Seq Scan` on it and no `Index Scan`/`Index Only
Scan` of it without an `Index Cond`. An index read in order that a LIMIT stops (the
newest page of submissions) is not a full scan, except for one unit's submissions, checked
`strict`ly: a unit whose mail is old would have the whole table read before the LIMIT is
met, so that query must *search* messages by sender — on PostgreSQL an index's `Index
Cond` must bound its first column (a condition on a later one reads the whole index).

The test is shown to bite: `test_a_missing_index_is_caught` drops each of the
indexes of migration 0015 in turn and expects a full scan to be reported.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from scale_data import Scale, copy_sqlite, seed, write_config
from sqlalchemy import event, text

from store.users import add_user
from tinbai.app import App
from tinbai.digest_job import build_digest
from tinbai.report import plan_progress
from tinbai.web.site import create_app

with warnings.catch_warnings():  # starlette asks for httpx2; httpx is what the project has
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

BIG = ("messages", "items", "message_locations")  # the tables the seed fills
SIZE = Scale.small()
DAY = date(2025, 12, 31)  # the last plan's last day
Captured = list[tuple[str, Any]]
PAGES = ("/", "/unknown", "/submissions", "/submissions/1", "/submissions?unit=u00001")
# /submissions?unit=u00001: the newest mail of the unit's one address (its seed)
ONE_UNIT = re.compile(
    r"FROM messages\s+WHERE messages\.sender IN \((?:[^()]|\([^()]*\))*\) ORDER BY .* LIMIT"
)


def _captured(app: App, day: date) -> Captured:
    """(statement, parameters) of every SELECT the report, the digest and the PAGES run."""
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
            for path in PAGES:
                assert client.get(path).status_code == 200, path
    finally:
        event.remove(app.store.engine, "before_cursor_execute", keep)
    return seen


def _full_scans_sqlite(statement: str, rows: Sequence[Any], *, strict: bool = False) -> list[str]:
    """The plan's SCANs of a big table; an ordered index read a LIMIT stops is no scan
    (unless ``strict``).

    A sum or count over the plan's window (a GROUP BY reading a range of received_at,
    or items per message) must also read each big table from a covering index: a row
    looked up for every entry of the window is what made the report slow.
    """
    plan = [str(row[-1]) for row in rows]
    stops = (
        not strict and " LIMIT " in statement.upper() and not any("FOR ORDER BY" in d for d in plan)
    )
    grouped = " GROUP BY " in statement.upper().replace("\n", " ")
    return [
        d
        for d in plan
        for table in BIG
        if (re.match(rf"SCAN {table}\b", d) and not (stops and " INDEX " in d))
        or re.match(rf"(SEARCH|SCAN) {table} USING AUTOMATIC", d)  # built by reading it all
        or (
            grouped
            and re.match(rf"SEARCH {table} USING INDEX", d)  # not covering
            and re.search(r"\((received_at>|message_pk=)", d) is not None
        )
    ]


def _full_scans_postgresql(
    node: dict[str, Any], limited: bool = False, *, strict: Mapping[str, str] | None = None
) -> list[str]:
    """Seq Scans of a big table, and index scans of one with no Index Cond, outside a Limit.

    ``strict`` (each index of a big table → its first column): inside a Limit too, and
    an index read must have an Index Cond on its first column.
    """
    bad = []
    kind, table = node.get("Node Type", ""), node.get("Relation Name", "")
    limited = limited or (strict is None and kind == "Limit")
    if table in BIG:
        if kind == "Seq Scan":
            bad.append(f"Seq Scan on {table}")
        elif kind in ("Index Scan", "Index Only Scan") and "Index Cond" not in node and not limited:
            bad.append(f"{kind} of {node.get('Index Name')} on {table} without a condition")
    index = node.get("Index Name", "")
    first = None if strict is None else strict.get(index)
    if first is not None and not re.search(rf"\b{first}\b", node.get("Index Cond", "")):
        bad.append(f"{kind} of {index} without a condition on {first}")
    for child in node.get("Plans", []):
        bad += _full_scans_postgresql(child, limited, strict=strict)
    return bad


_FIRST_COLUMNS = """
SELECT ix.relname, col.attname
FROM pg_index i
JOIN pg_class ix ON ix.oid = i.indexrelid
JOIN pg_class tab ON tab.oid = i.indrelid
JOIN pg_attribute col ON col.attrelid = i.indrelid AND col.attnum = i.indkey[0]
WHERE tab.relname = ANY(%s)
"""


def _full_scans(app: App, queries: list[tuple[str, Any]], *, strict: bool = False) -> list[str]:
    bad = []
    with app.store.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        sqlite = conn.dialect.name == "sqlite"
        first_columns = None
        if strict and not sqlite:
            cursor = raw.cursor()
            cursor.execute(_FIRST_COLUMNS, (list(BIG),))
            first_columns = dict(cursor.fetchall())
            cursor.close()
        unique = {(s, repr(p)): (s, p) for s, p in queries}
        for statement, params in unique.values():
            cursor = raw.cursor()
            if sqlite:
                cursor.execute("EXPLAIN QUERY PLAN " + statement, params)
                rows = cursor.fetchall()
                scans = _full_scans_sqlite(statement, rows, strict=strict)
                plan = "\n".join(str(row[-1]) for row in rows)
            else:
                cursor.execute("EXPLAIN (FORMAT JSON) " + statement, params)
                (found,) = cursor.fetchall()
                tree = json.loads(found[0]) if isinstance(found[0], str) else found[0]
                scans = _full_scans_postgresql(tree[0]["Plan"], strict=first_columns)
                plan = json.dumps(tree[0]["Plan"], indent=1)[:3000]
            cursor.close()
            if scans:
                bad.append(f"{statement}\n{params!r}\n" + "\n".join(scans) + f"\n{plan}")
    return bad


@pytest.fixture(scope="module")
def sqlite_seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One seeded SQLite file for the module; each test works on a copy of it."""
    db = tmp_path_factory.mktemp("scale") / "scale.db"
    seed(f"sqlite:///{db}", SIZE)
    return db


def _app(folder: Path, url: str) -> App:
    app = App(write_config(folder, SIZE, url))
    app.now = lambda: datetime(2025, 12, 31, 12, tzinfo=UTC)  # type: ignore[method-assign]
    return app


@pytest.fixture
def seeded(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[App]:
    if request.param == "sqlite":
        copy_sqlite(request.getfixturevalue("sqlite_seed"), tmp_path / "scale.db")
        url = f"sqlite:///{tmp_path / 'scale.db'}"
    else:
        url = request.getfixturevalue("postgres_db")
        seed(url, SIZE)
    app = _app(tmp_path, url)
    try:
        yield app
    finally:
        app.close()


@pytest.fixture(scope="module")
def sqlite_queries(sqlite_seed: Path, tmp_path_factory: pytest.TempPathFactory) -> Captured:
    """What the report, the digest and the pages ask of the seeded SQLite database."""
    folder = tmp_path_factory.mktemp("queries")
    copy_sqlite(sqlite_seed, folder / "scale.db")
    app = _app(folder, f"sqlite:///{folder / 'scale.db'}")
    try:
        return _captured(app, DAY)
    finally:
        app.close()


@pytest.mark.parametrize("seeded", ["sqlite", "postgresql"], indirect=True)
def test_report_digest_and_admin_pages_read_by_index(
    seeded: App, request: pytest.FixtureRequest
) -> None:
    if seeded.store.engine.dialect.name == "sqlite":
        queries = request.getfixturevalue("sqlite_queries")
    else:
        queries = _captured(seeded, DAY)
    assert len(queries) > 10  # the report, the digest and the pages did run their queries
    bad = _full_scans(seeded, queries)
    assert not bad, "full scans of a big table:\n\n" + "\n\n".join(bad)
    bad = _full_scans(seeded, _one_unit(queries), strict=True)
    assert not bad, "one unit's submissions not searched by sender:\n\n" + "\n\n".join(bad)


def _one_unit(queries: Captured) -> Captured:
    """What /submissions?unit=u00001 asked for its one address's mail."""
    found = [(s, p) for s, p in queries if ONE_UNIT.search(s.replace("\n", " "))]
    assert len(found) == 1, found
    return found


@pytest.mark.parametrize(
    ("dropped", "expected"),
    [
        (("ix_messages_received_status_sender",), "SCAN messages"),
        (("ix_items_message_kind_count",), "SEARCH items USING INDEX ix_items_message_pk"),
        (("ix_items_message_kind_count", "ix_items_message_pk"), "SCAN items"),
        (  # the strangers' names read from the whole window, row by row
            ("ix_messages_sender_received", "ix_messages_sender"),
            "SEARCH messages USING INDEX ix_messages_received_status_sender",
        ),
    ],
)
def test_a_missing_index_is_caught(
    sqlite_seed: Path,
    sqlite_queries: Captured,
    tmp_path: Path,
    dropped: tuple[str, ...],
    expected: str,
) -> None:
    """Without the index(es) a query reads by, the check above reports a full scan."""
    copy_sqlite(sqlite_seed, tmp_path / "scale.db")
    app = _app(tmp_path, f"sqlite:///{tmp_path / 'scale.db'}")
    try:
        with app.store.engine.begin() as conn:
            for index in dropped:
                conn.execute(text(f"DROP INDEX {index}"))
        bad = _full_scans(app, sqlite_queries)
    finally:
        app.close()
    assert any(expected in b for b in bad), bad


@pytest.mark.parametrize("seeded", ["sqlite", "postgresql"], indirect=True)
def test_one_units_page_without_the_sender_index_is_caught(
    seeded: App, request: pytest.FixtureRequest
) -> None:
    """Without an index on the sender, both databases read the messages newest first until
    a unit's page is full (all of them for a unit whose mail is old): the strict check
    reports it, where a LIMIT would have excused it."""
    if seeded.store.engine.dialect.name == "sqlite":
        queries = request.getfixturevalue("sqlite_queries")  # not yet explained on this copy
        expected = "SCAN messages USING INDEX ix_messages_received_status_sender"
    else:
        queries = _captured(seeded, DAY)
        expected = "of ix_messages_received_status_sender without a condition on received_at"
    one_unit = _one_unit(queries)
    with seeded.store.engine.begin() as conn:
        for index in ("ix_messages_sender_received", "ix_messages_sender"):
            conn.execute(text(f"DROP INDEX {index}"))
    bad = _full_scans(seeded, one_unit, strict=True)
    assert any(expected in b for b in bad), bad
    assert _full_scans(seeded, one_unit) == []


def test_the_seeded_database_is_big_enough(sqlite_seed: Path) -> None:
    app = App(write_config(sqlite_seed.parent, SIZE, f"sqlite:///{sqlite_seed}"))
    with app.store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM items")).scalar() == SIZE.items
    app.close()
