"""`store` is a layer below `tinbai` and beside `digest` and `ingest`: it imports none of them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

STORE = Path(__file__).resolve().parents[2] / "store"
ABOVE_OR_BESIDE = ("tinbai", "digest", "ingest")


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize(
    "path", sorted(STORE.rglob("*.py")), ids=lambda p: str(p.relative_to(STORE))
)
def test_store_imports_nothing_of_tinbai_digest_or_ingest(path: Path):
    wrong = sorted(n for n in _imported(path) if n.split(".")[0] in ABOVE_OR_BESIDE)
    assert wrong == []
