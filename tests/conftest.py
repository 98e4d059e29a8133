"""Fixtures shared by every test: a config in a temporary folder, the CLI, a mail factory.

Servers (Dovecot, SMTP, Chromium) have their fixtures in the conftest of the
folder whose tests use them; PostgreSQL's (`pgcluster.py`) are here, for every folder.
"""

from __future__ import annotations

import base64
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from corpus import corpus_dir
from digestkit import SMTP_PASSWORD
from dovecot import PASSWORD as IMAP_PASSWORD
from mailkit import build_message
from pgcluster import postgres_db, postgres_url  # noqa: F401 — fixtures for every folder

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_CONFIG = ROOT / "config.toml"

# The credentials the suite uses against its own servers (tests/dovecot.py, the SMTP test
# server of tests/digest/digestkit.py, the web users of tests/admin/conftest.py). The
# whole suite runs with logging at DEBUG (`log_level` in pyproject.toml), and none of them
# may show up in what a test printed or logged (`pytest_runtest_makereport` below) or in
# what a `tinbai` command printed (`Tinbai.__call__`): issue 12, item 8.
TEST_SECRETS = (IMAP_PASSWORD, SMTP_PASSWORD, "admin-secret-1", "editor-secret-1")


def _secret_forms(secret: str) -> tuple[str, ...]:
    """The secret as written, and in base64 as SMTP AUTH LOGIN would carry it."""
    return (secret, base64.b64encode(secret.encode()).decode())


def leaked_secrets(text: str) -> list[str]:
    """Which of the suite's secrets ``text`` carries, in any of their forms."""
    return [s for s in TEST_SECRETS if any(f in text for f in _secret_forms(s))]


def pytest_configure(config: pytest.Config) -> None:
    """Everything at DEBUG but imaplib's protocol trace, which `test_secrets.py` reads itself.

    Read, that trace makes imaplib format every literal of every FETCH (see
    `test_imaplib_formats_its_debug_text_only_when_someone_reads_it`): a mailbox's photos
    as text in memory, in every IMAP test. Production logs it only at `-vv`.
    """
    logging.getLogger("imapclient.imaplib").setLevel(logging.INFO)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """A test whose captured output or DEBUG log carries a test secret fails, whatever else."""
    outcome = yield
    report = outcome.get_result()
    if not report.passed:
        return
    for title, text in report.sections:
        if not title.endswith(report.when):  # an earlier phase's, already checked
            continue
        leaked = leaked_secrets(text)
        if leaked:
            report.outcome = "failed"
            report.longrepr = f"{title}: a test secret ({len(leaked)}) was printed or logged"
            return


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
        for name, text in (("stdout", done.stdout), ("stderr", done.stderr)):
            assert not leaked_secrets(text), f"tinbai {args[:2]} printed a secret on {name}"
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
