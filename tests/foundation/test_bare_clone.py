"""A plain `git clone`, with nothing beside it, collects every test and skips what needs `../shared`.

The clone is of the repository's HEAD (what is committed), into a temporary folder that
has no `shared/` next to it; pytest runs there with this venv's python, whose `pythonpath`
puts the clone's own packages first.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from corpus import CORPUS, REASON, REQUIRE

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(),
    reason="needs git and a git checkout of tinbai",
)


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("bare") / "tinbai"
    subprocess.run(
        ["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(where)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert not (where.parent / "shared").exists()
    return where


def _pytest(clone: Path, *args: str, require: bool = False) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TINBAI_", "PYTEST_"))}
    env["COLUMNS"] = "1000"  # the short summary's lines whole, not cut at 80 characters
    if require:
        env[REQUIRE] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_a_bare_clone_collects_every_test(clone: Path) -> None:
    done = _pytest(clone, "--collect-only", "-q")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "error" not in done.stdout.splitlines()[-1], done.stdout[-3000:]
    assert "tests/ingest/test_headers.py::test_the_corpus_is_there" in done.stdout


def test_a_bare_clone_skips_the_corpus_tests_and_says_why(clone: Path) -> None:
    done = _pytest(clone, "-q", "-rs", "tests/ingest/test_headers.py")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "2 skipped" in done.stdout, done.stdout[-3000:]
    absent = clone.parent / "shared" / "corpus"
    assert REASON.replace(str(CORPUS), str(absent)) in done.stdout, done.stdout[-3000:]


def test_where_the_corpus_is_required_its_absence_fails(clone: Path) -> None:
    done = _pytest(clone, "-q", "tests/ingest/test_headers.py", require=True)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    assert "2 errors" in done.stdout, done.stdout[-3000:]  # at the fixture, before the test
    assert f"and {REQUIRE} is set" in done.stdout
