"""The invariants of tests/invariants.py catch what they promise to (so a green run means something)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from crashkit import messages, truth
from invariants import check_acted_committed, check_store


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """12 crashkit messages (one auto-reply, one resent photo) ingested by the real CLI."""
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415

    folder = tmp_path_factory.mktemp("inv")
    config = folder / "config.toml"
    shutil.copy(Path(__file__).resolve().parents[2] / "config.toml", config)
    files = []
    for i, raw in enumerate(messages(12)):
        files.append(folder / f"{i}.eml")
        files[-1].write_bytes(raw)
    subprocess.run(
        [sys.executable, "-m", "tinbai", "--config", str(config), "ingest-file", *map(str, files)],
        check=True,
        capture_output=True,
    )
    return folder / "tinbai.db"


def _copy(stored: Path, tmp_path: Path) -> tuple[str, Path]:
    db = tmp_path / "t.db"
    shutil.copy(stored, db)
    return f"sqlite:///{db}", db


def test_an_untouched_database_passes(stored: Path, tmp_path: Path) -> None:
    url, _ = _copy(stored, tmp_path)
    check_store(url, truth(12))


TAMPER: dict[str, tuple[str, str]] = {
    "a-message-lost": ("DELETE FROM messages WHERE message_id = '<crash-5@example.org>'", "I1"),
    "a-reason-lost": ("UPDATE messages SET reason = '' WHERE status = 'ignored'", "I1"),
    "a-photo-counted-twice": (
        "UPDATE items SET count = 1, duplicate_of = NULL WHERE kind = 'photo' AND count = 0",
        "I2",
    ),
    "a-news-added": (
        "UPDATE items SET count = 2 WHERE id = (SELECT MIN(id) FROM items WHERE kind = 'news')",
        "I3",
    ),
}


@pytest.mark.parametrize("case", sorted(TAMPER))
def test_a_tampered_database_fails_the_invariant_it_breaks(
    stored: Path, tmp_path: Path, case: str
) -> None:
    url, db = _copy(stored, tmp_path)
    sql, invariant = TAMPER[case]
    with sqlite3.connect(db) as c:
        assert c.execute(sql).rowcount >= 1

    with pytest.raises(AssertionError, match=invariant):
        check_store(url, truth(12))


def test_a_flag_without_its_row_fails_i5(stored: Path, tmp_path: Path) -> None:
    url, _ = _copy(stored, tmp_path)
    check_acted_committed(url, {"<crash-1@example.org>"})
    with pytest.raises(AssertionError, match="I5"):
        check_acted_committed(url, {"<crash-1@example.org>", "<crash-40@example.org>"})
