"""The shared corpus of real messages, or a skip that says why (a failure where it is required).

The corpus is not part of the repository: it lies beside it, in `../shared/corpus`, where
CI puts it. A bare `git clone` has none, and its tests that read the corpus skip with
`REASON`. `.ci/run` sets `TINBAI_REQUIRE_CORPUS=1`, and there a missing corpus fails each
of those tests instead, so CI never passes without walking it.

Tests ask for the `corpus` fixture (`tests/conftest.py`); a test parametrized over the
corpus's files takes `corpus_params()`, which keeps one placeholder case when the corpus is
absent, so that the test is reported (skipped, or failed) rather than silently dropped.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
REQUIRE = "TINBAI_REQUIRE_CORPUS"
REASON = f"the shared corpus of real messages is not beside the repository ({CORPUS})"
MISSING = Path("<no corpus>")


def required() -> bool:
    return os.environ.get(REQUIRE, "") not in ("", "0")


def corpus_dir() -> Path:
    """The corpus folder; else skip the calling test, or fail it where the corpus is required."""
    if CORPUS.is_dir():
        return CORPUS
    if required():
        pytest.fail(f"{REASON}, and {REQUIRE} is set", pytrace=False)
    pytest.skip(REASON)


def corpus_files(pattern: str = "*.eml") -> list[Path]:
    """The corpus's files matching ``pattern``, sorted; none when the corpus is absent."""
    return sorted(CORPUS.glob(pattern)) if CORPUS.is_dir() else []


def corpus_params(pattern: str = "*.eml") -> list[Path]:
    """``corpus_files``, or one placeholder that the `corpus` fixture then skips (or fails)."""
    return corpus_files(pattern) or [MISSING]
