"""`tinbai db copy`: SQLite → PostgreSQL and back, row for row, verified, secrets unprinted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mailkit import Attachment, make_jpeg

from store.copy import row_counts
from store.db import make_engine

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "s3cret-pw"  # the test cluster trusts every login, so any password gets in


def _config_at(tinbai, folder: Path, url: str):
    folder.mkdir()
    config = folder / "config.toml"
    text = tinbai.config.read_text(encoding="utf-8")
    assert 'url = "sqlite:///tinbai.db"' in text
    config.write_text(
        text.replace('url = "sqlite:///tinbai.db"', f'url = "{url}"'), encoding="utf-8"
    )
    return type(tinbai)(config, tinbai.env)


def _report(tinbai) -> dict[str, object]:
    return json.loads(tinbai("report", "--format", "json", "--as-of", "2020-05-15").stdout)


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        return row_counts(engine)
    finally:
        engine.dispose()


@pytest.fixture
def used(tinbai):
    """A SQLite database with the samples counted, a sender mapped and a count set by hand."""
    tinbai("ingest-file", ROOT / "samples")
    tinbai("senders", "add", "nguoigui.moi@example.net", "tuan-giao")
    tinbai("submissions", "reclassify", "1", "--news", "2", "--article", "1", "--photo", "0")
    report = _report(tinbai)
    assert report["manual"]["messages"] == 1
    return tinbai


def test_sqlite_to_postgresql_and_back_keeps_every_row_and_the_report(used, postgres_db, tmp_path):
    source_url = f"sqlite:///{used.config.parent / 'tinbai.db'}"
    target = postgres_db.replace("postgres@", f"postgres:{PASSWORD}@", 1)
    done = used("db", "copy", "--to", target)
    assert PASSWORD not in done.stdout + done.stderr
    line, *rest = done.stdout.strip().splitlines()
    assert rest == []
    assert "postgres:***@" in line
    assert "verified" in line
    counts = _counts(source_url)
    assert counts["messages"] == 8
    assert counts["items"] > 0
    assert counts["overrides"] == 1
    assert counts["senders"] == 1
    assert _counts(postgres_db) == counts

    on_postgres = _config_at(used, tmp_path / "pg", target)
    assert _report(on_postgres) == _report(used)

    back = tmp_path / "back.db"
    on_postgres("db", "copy", "--to", f"sqlite:///{back}")
    assert _counts(f"sqlite:///{back}") == counts
    assert _report(_config_at(used, tmp_path / "back", f"sqlite:///{back}")) == _report(used)


def test_the_copy_takes_new_rows_after_the_copied_ids(used, postgres_db, tmp_path, write_eml):
    used("db", "copy", "--to", postgres_db)
    on_postgres = _config_at(used, tmp_path / "pg", postgres_db)
    on_postgres("senders", "add", "another@example.org", "muong-ang")
    on_postgres(
        "ingest-file",
        write_eml(
            sender="another@example.org",
            subject="[Tin][Ảnh] Sau khi chuyển",
            attachments=[Attachment("a.jpg", make_jpeg(seed=21))],
        ),
    )
    assert _counts(postgres_db)["messages"] == 9


def test_a_non_empty_target_is_refused_in_one_line_without_the_password(used, postgres_db):
    target = postgres_db.replace("postgres@", f"postgres:{PASSWORD}@", 1)
    used("db", "copy", "--to", target)
    before = _counts(postgres_db)
    line = used.fails("db", "copy", "--to", target)
    assert "not empty" in line
    assert PASSWORD not in line
    assert "postgres:***@" in line
    assert _counts(postgres_db) == before


def test_a_copy_into_an_existing_sqlite_database_with_rows_is_refused(used, tmp_path):
    other = tmp_path / "other.db"
    used("db", "copy", "--to", f"sqlite:///{other}")
    assert "not empty" in used.fails("db", "copy", "--to", f"sqlite:///{other}")


def test_an_unreachable_target_is_one_line_without_the_password(used):
    line = used.fails("db", "copy", "--to", f"postgresql+psycopg://tinbai:{PASSWORD}@127.0.0.1:1/x")
    assert "tinbai:***@127.0.0.1:1/x" in line
    assert PASSWORD not in line
