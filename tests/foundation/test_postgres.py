"""The same store and report on a real PostgreSQL server (database.url)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from mailkit import Attachment, build_message, make_jpeg

from classify import classify
from ingest.parse import parse_message
from store import open_store
from store.db import head_revision

NOW = datetime(2020, 5, 15, tzinfo=UTC)


def test_migrations_and_idempotent_records_on_postgres(postgres_db):
    store = open_store(postgres_db)
    with store.engine.connect() as c:
        assert c.scalar(sa.text("select version_num from alembic_version")) == head_revision()
    raw = build_message(
        attachments=[Attachment("a.jpg", make_jpeg(seed=11))], message_id="<pg@example.org>"
    )
    parsed = parse_message(raw)
    first = store.record(parsed, classify(parsed), source="file", now=NOW)
    second = store.record(parsed, classify(parsed), source="file", now=NOW)
    assert (first.created, second.created) == (True, False)
    assert first.count("photo") == 1
    store.engine.dispose()


def test_report_through_the_cli_on_postgres(tinbai, postgres_db, write_eml):
    text = tinbai.config.read_text(encoding="utf-8")
    tinbai.config.write_text(
        text.replace('url = "sqlite:///tinbai.db"', f'url = "{postgres_db}"'), encoding="utf-8"
    )
    tinbai(
        "ingest-file",
        write_eml(
            sender="muongang@example.org",
            subject="[Tin][Ảnh] Ngày hội",
            attachments=[Attachment("a.jpg", make_jpeg(seed=12))],
        ),
    )
    data = json.loads(tinbai("report", "--format", "json", "--as-of", "2020-05-15").stdout)
    unit = next(u for u in data["units"] if u["id"] == "muong-ang")
    assert unit["counts"] == {"news": 1, "article": 0, "photo": 1}
    assert not (tinbai.config.parent / "tinbai.db").exists()
