"""The store on a real SQLite file, migrated by Alembic."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from mailkit import Attachment, build_message, make_jpeg

from classify import classify
from classify.message import Classification
from classify.message import Item as ClassifiedItem
from classify.reasons import Reason
from ingest.parse import parse_message
from store import open_store
from store.db import _alembic_config, head_revision
from store.mappings import map_sender, unmap_sender
from store.models import Base
from store.reasons import decode
from texts import reason_text

NOW = datetime(2020, 5, 15, tzinfo=UTC)


def test_migrations_create_the_schema_on_an_empty_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    store = open_store(url)
    inspector = sa.inspect(store.engine)
    tables = set(inspector.get_table_names())
    assert {
        "senders",
        "messages",
        "items",
        "message_locations",
        "folder_states",
        "digests",
        "audit_log",
    } <= tables
    with store.engine.connect() as c:
        assert c.scalar(sa.text("select version_num from alembic_version")) == head_revision()
        assert c.scalar(sa.text("pragma journal_mode")) == "wal"
        assert c.scalar(sa.text("pragma foreign_keys")) == 1
    message_keys = {
        tuple(u["column_names"]) for u in inspector.get_unique_constraints("message_locations")
    }
    assert ("account", "folder", "uidvalidity", "uid") in message_keys


def test_the_migrations_build_the_schema_the_models_describe(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with store.engine.connect() as conn:
        drift = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert drift == []


def test_opening_twice_does_not_migrate_again(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    open_store(url).engine.dispose()
    store = open_store(url)
    assert store.message_count() == 0


def _record(store, raw):
    parsed = parse_message(raw)
    return store.record(parsed, classify(parsed), source="file", now=NOW)


def test_the_same_message_twice_changes_nothing(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    raw = build_message(
        attachments=[Attachment("a.jpg", make_jpeg(seed=3))], message_id="<same@example.org>"
    )
    first, second = _record(store, raw), _record(store, raw)
    assert first.created
    assert not second.created
    assert first.message_pk == second.message_pk
    assert store.message_count() == 1


def test_a_reused_message_id_with_other_content_is_kept(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    one = _record(store, build_message(subject="[Tin] Một", message_id="<reused@example.org>"))
    two = _record(store, build_message(subject="[Tin] Hai", message_id="<reused@example.org>"))
    assert one.created
    assert two.created
    assert two.note == Reason("store.reused-id", {"id": "<reused@example.org>"})
    assert store.message_count() == 2


def test_the_same_letter_from_a_file_and_from_imap_is_stored_once(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    raw = build_message(subject="[Tin] Một", message_id="<both@example.org>")
    first = _record(store, raw)
    # Over IMAP the digest is of headers and structure, not of the bytes: it differs.
    polled = replace(parse_message(raw), digest="0" * 64)
    again = store.record(polled, classify(polled), source="imap", now=NOW)
    other = replace(polled, subject="[Tin] Hai")  # same Message-ID, another letter
    reused = store.record(other, classify(other), source="imap", now=NOW)
    assert first.created
    assert (again.created, again.message_pk) == (False, first.message_pk)
    assert reused.created
    assert "reused" in reason_text(reused.note, "en")
    assert store.message_count() == 2


def test_the_same_photo_in_a_later_message_is_not_counted_again(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    photo = Attachment("a.jpg", make_jpeg(seed=4))
    first = _record(store, build_message(subject="[Ảnh] Một", attachments=[photo]))
    again = _record(store, build_message(subject="[Ảnh] Gửi lại", attachments=[photo]))
    assert first.count("photo") == 1
    assert again.count("photo") == 0


def test_senders_map_and_unmap_with_an_audit_trail(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    first = map_sender(
        store.session, "A@Example.org", "tuan-giao", current=None, since=None, actor="t", now=NOW
    )
    assert (first.pattern, first.old, first.new) == ("a@example.org", None, "tuan-giao")
    moved = map_sender(
        store.session,
        "a@example.org",
        "muong-lay",
        current="tuan-giao",
        since=None,
        actor="t",
        now=NOW,
    )
    assert moved.old == "tuan-giao"
    assert store.senders() == [("a@example.org", "muong-lay")]
    assert unmap_sender(store.session, "a@example.org", actor="t", now=NOW) == "muong-lay"
    assert unmap_sender(store.session, "a@example.org", actor="t", now=NOW) is None
    with store.engine.connect() as c:
        rows = c.execute(sa.text("select action, old, new from audit_log order by id")).all()
    assert rows == [
        ("sender-map", None, "tuan-giao"),
        ("sender-map", "tuan-giao", "muong-lay"),
        ("sender-unmap", "muong-lay", None),
    ]


def test_the_head_revision_read_from_the_files_is_alembics():
    assert head_revision() == ScriptDirectory.from_config(_alembic_config()).get_current_head()


def test_starting_the_cli_on_an_up_to_date_database_does_not_import_alembic(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    open_store(url).engine.dispose()
    code = (
        "import sys; import tinbai.cli as c; c._register(); from store import open_store;"
        f" open_store({url!r}); assert 'alembic' not in sys.modules, 'alembic imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_same_photo_twice_in_one_message_counts_once_and_points_at_the_first(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    parsed = parse_message(build_message(subject="[Ảnh] Hai lần", message_id="<twice@example.org>"))
    a_photo = Reason(
        "item.photo-unsized", {"part": Reason("part.number", {"path": "2"}), "bytes": 1}
    )
    photo = ClassifiedItem("photo", 1, a_photo, fingerprint="f" * 16, part="2")
    again = ClassifiedItem("photo", 1, a_photo, fingerprint="f" * 16, part="3")
    outcome = store.record(
        parsed, Classification("counted", (photo, again)), source="file", now=NOW
    )
    assert outcome.counted == (("photo", 1), ("photo", 0))
    with store.engine.connect() as c:
        rows = c.execute(
            sa.text("select id, count, duplicate_of, reason from items order by id")
        ).all()
    assert rows[1].duplicate_of == rows[0].id
    assert "not counted again" in reason_text(decode(rows[1].reason), "en")
