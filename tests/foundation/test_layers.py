"""The packages' imports point one way: down, as README.md's "How the code is laid out" draws.

    tinbai                      the composition root: CLI, config, service, web
      │
    ingest   store   digest     the layers: each imports only the packages below it
      │        │        │
    classify   texts            the bottom: pure rules and values; the words a person reads

A lower package that imports a higher one cannot be used or tested alone, and the
copies that such a shortcut invites drift. The test reads every import statement
(top level and inside functions alike), so a lazy import cannot hide an upward arrow.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# What each package of ours may import, besides itself and anything outside the project.
ALLOWED: dict[str, frozenset[str]] = {
    "texts": frozenset(),
    "classify": frozenset(),
    "ingest": frozenset({"classify", "texts"}),
    "store": frozenset({"classify", "texts"}),
    "digest": frozenset({"classify", "texts"}),
    "tinbai": frozenset({"classify", "texts", "ingest", "store", "digest"}),
}
OURS = frozenset(ALLOWED)


def _imported_packages(path: Path) -> set[tuple[int, str]]:
    """(line, top-level package) of every absolute import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[tuple[int, str]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {(node.lineno, alias.name.split(".")[0]) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add((node.lineno, node.module.split(".")[0]))
    return found


def _upward_imports(package: str) -> list[str]:
    allowed = ALLOWED[package] | {package}
    wrong = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for line, imported in sorted(_imported_packages(path)):
            if imported in OURS and imported not in allowed:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    return wrong


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_point_down_only(package: str) -> None:
    assert (ROOT / package).is_dir(), f"{package}/ is missing: update the layer table here"
    assert _upward_imports(package) == []


def test_every_package_of_the_project_has_a_place_in_the_layers() -> None:
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert packages - {"tests"} == set(ALLOWED)


def test_the_check_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    module = tmp_path / "lazy.py"
    module.write_text("def f():\n    from tinbai.config import Config\n    import store.repo\n")
    assert _imported_packages(module) == {(2, "tinbai"), (3, "store")}
