"""Fixtures shared by every test: a config in a temporary folder, the CLI, a mail factory.

Servers (Dovecot, SMTP, Chromium) have their fixtures in the conftest of the
folder whose tests use them; PostgreSQL's (`pgcluster.py`) are here, for every folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from corpus import corpus_dir
from mailkit import build_message
from pgcluster import postgres_db, postgres_url  # noqa: F401 — fixtures for every folder

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_CONFIG = ROOT / "config.toml"


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared corpus folder; a test that asks for it skips without it (see `corpus.py`)."""
    return corpus_dir()


@pytest.fixture(scope="session")
def hostile_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every case of the hostile corpus (`tests/classify/hostile.py`) as ``<id>.eml``, by id.

    Built once a session (about 6 s of CPU and 300 MB on disk) for every test that reads
    them: in a child under hard limits, through `tinbai ingest-file`, and over IMAP.
    """
    folder = tmp_path_factory.mktemp("hostile")
    if str(ROOT / "tests" / "classify") not in sys.path:
        sys.path.insert(0, str(ROOT / "tests" / "classify"))
    from hostile import CASES  # noqa: PLC0415 — a helper of tests/classify, not a package

    files = {}
    for case in CASES:
        files[case.id] = folder / f"{case.id}.eml"
        files[case.id].write_bytes(case.build())
    return files


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    """The shipped config, copied next to a fresh database in a temporary folder."""
    path = tmp_path / "config.toml"
    shutil.copy(SHIPPED_CONFIG, path)
    return path


@dataclass
class Tinbai:
    """Runs the real `tinbai` command in a subprocess, as a user would."""

    config: Path
    env: dict[str, str]

    def __call__(
        self, *args: str | os.PathLike[str], check: bool = True, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "tinbai", "--config", str(self.config), *map(str, args)]
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            env=self.env,
            input=input,
            timeout=120,
            check=False,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"tinbai {' '.join(map(str, args))} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
            )
        return done

    def fails(self, *args: str | os.PathLike[str], code: int = 1) -> str:
        """Run a command that must fail as a user sees it: exit ``code``, one line, no traceback."""
        done = self(*args, check=False)
        assert done.returncode == code, done.stdout + done.stderr
        assert "Traceback" not in done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, done.stderr
        assert not done.stdout.strip(), done.stdout  # the one line is all the user sees
        return lines[0]


@pytest.fixture
def english(config_file: Path) -> Path:
    """The shipped config with `language = "en"`, for a test that reads tinbai's English words."""
    text = config_file.read_text(encoding="utf-8")
    assert 'language = "vi"' in text
    config_file.write_text(text.replace('language = "vi"', 'language = "en"', 1), encoding="utf-8")
    return config_file


@pytest.fixture
def tinbai(config_file: Path) -> Tinbai:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TINBAI_")}
    env["COLUMNS"] = "200"
    return Tinbai(config_file, env)


@pytest.fixture
def write_eml(tmp_path: Path) -> Callable[..., Path]:
    """Write a built message to a .eml file and return its path."""
    counter = iter(range(1_000_000))

    def write(**kwargs: object) -> Path:
        path = tmp_path / f"msg-{next(counter)}.eml"
        path.write_bytes(build_message(**kwargs))  # type: ignore[arg-type]
        return path

    return write
