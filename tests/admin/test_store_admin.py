"""The admin tables on real SQLite: migration 0004 both ways, and which unit a `--from` move keeps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import inspect

from store import open_store
from store.db import _alembic_config, current_revision, head_revision, make_engine, migrate
from store.mappings import Periods, load_periods, map_sender, unmap_sender

MAY = datetime(2020, 5, 1, tzinfo=UTC)
JUNE = datetime(2020, 6, 1, tzinfo=UTC)
PERIODS = Periods(
    by_pattern={
        "a@x.example.org": ((MAY, "tuan-giao"), (JUNE, "muong-lay")),
        "@x.example.org": ((MAY, "dien-bien"),),
    },
    exact=frozenset({"a@x.example.org", "b@x.example.org"}),
)


@pytest.mark.parametrize(
    ("address", "received", "unit"),
    [
        ("a@x.example.org", datetime(2020, 4, 30, tzinfo=UTC), "tuan-giao"),
        ("A@X.EXAMPLE.ORG", datetime(2020, 4, 30, tzinfo=UTC), "tuan-giao"),
        (
            "a@x.example.org",
            MAY,
            "muong-lay",
        ),  # `until` is exclusive: from that moment the next unit
        ("a@x.example.org", JUNE, None),  # after the last period: the current mapping
        (
            "b@x.example.org",
            datetime(2020, 4, 1, tzinfo=UTC),
            None,
        ),  # mapped on its own: the domain's past is not its
        (
            "c@x.example.org",
            datetime(2020, 4, 1, tzinfo=UTC),
            "dien-bien",
        ),  # counted through the domain
        ("c@x.example.org", MAY, None),
        ("c@other.example.org", datetime(2020, 4, 1, tzinfo=UTC), None),
    ],
    ids=str,
)
def test_an_earlier_unit_holds_only_before_its_date(address, received, unit):
    assert PERIODS.unit_at(address, received) == unit


def test_unmapping_a_sender_drops_the_earlier_unit_a_from_move_kept(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    april = datetime(2020, 4, 20, tzinfo=UTC)
    at = {"actor": "t", "now": JUNE}
    map_sender(store.session, "a@x.example.org", "tuan-giao", current=None, since=None, **at)
    map_sender(store.session, "a@x.example.org", "muong-lay", current="tuan-giao", since=MAY, **at)
    with store.session() as s:
        assert load_periods(s).unit_at("a@x.example.org", april) == "tuan-giao"

    assert unmap_sender(store.session, "a@x.example.org", **at) == "muong-lay"

    with store.session() as s:
        assert load_periods(s) == Periods({}, frozenset())
    store.engine.dispose()


def test_the_admin_and_poll_health_migrations_go_down_and_up_again(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    try:
        migrate(engine)
        assert current_revision(engine) == head_revision()
        assert {"users", "overrides", "sender_periods"} <= set(inspect(engine).get_table_names())
        migrate_down(engine, "0004_admin")  # 0005 keeps the poll health: dropped, 0004's kept
        tables = set(inspect(engine).get_table_names())
        assert "poll_health" not in tables
        assert {"users", "overrides", "sender_periods"} <= tables
        migrate_down(engine, "0001_initial")
        assert current_revision(engine) == "0001_initial"
        tables = set(inspect(engine).get_table_names())
        assert not tables & {"users", "overrides", "sender_periods"}
        assert "messages" in tables
        migrate(engine)
        assert current_revision(engine) == head_revision()
        assert "poll_health" in set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def migrate_down(engine, revision: str) -> None:
    cfg = _alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)
