"""Every dependency `pyproject.toml` declares is used: imported by our code, or by the one
library that needs it (a claim this test checks in that library's own source)."""

from __future__ import annotations

import ast
import importlib.util
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("classify", "digest", "ingest", "store", "texts", "tinbai")
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

# Distributions whose import name is not their name, lower-cased, with "-" as "_".
MODULE = {
    "argon2-cffi": "argon2",
    "odfpy": "odf",
    "pillow": "PIL",
    "pillow-heif": "pillow_heif",
    "python-docx": "docx",
}
# Declared for a library we use, which imports them itself: distribution → (that library,
# the module it imports).
NEEDED_BY = {
    "compressed-rtf": ("tnefparse", "compressed_rtf"),  # the body of an Outlook rich-text message
    "itsdangerous": ("starlette", "itsdangerous"),  # SessionMiddleware signs the web's cookie
    "psycopg": ("sqlalchemy", "psycopg"),  # the dialect of a postgresql+psycopg:// URL
    "python-multipart": ("starlette", "python_multipart"),  # request.form() of the web admin
}
# The test extra's tools: run by scripts/test, never imported.
TOOLS = {"mypy", "ruff", "types-openpyxl"}


def _name(requirement: str) -> str:
    found = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert found, requirement
    return found.group(0).lower()


def _imported(folders: list[Path]) -> set[str]:
    """The top-level modules imported anywhere under ``folders``, at any depth of the code."""
    names: set[str] = set()
    for folder in folders:
        for path in folder.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
                if isinstance(node, ast.Import):
                    names.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module.split(".")[0])
    return names


def _imports_in_library(library: str, module: str) -> bool:
    spec = importlib.util.find_spec(library)
    assert spec is not None, f"{library} is not installed"
    folders = [Path(p) for p in spec.submodule_search_locations or ()]
    pattern = re.compile(rf"^\s*(?:import|from)\s+{module}\b", re.MULTILINE)
    return any(
        pattern.search(path.read_text(encoding="utf-8", errors="replace"))
        for folder in folders
        for path in folder.rglob("*.py")
    )


def _unused(requirements: list[str], imported: set[str]) -> list[str]:
    unused = []
    for requirement in requirements:
        name = _name(requirement)
        if name in TOOLS:
            continue
        if name in NEEDED_BY:
            library, module = NEEDED_BY[name]
            if not _imports_in_library(library, module):
                unused.append(f"{name}: {library} does not import {module}")
        elif MODULE.get(name, name.replace("-", "_")) not in imported:
            unused.append(f"{name}: nothing imports {MODULE.get(name, name.replace('-', '_'))}")
    return unused


def test_every_runtime_dependency_is_imported_by_tinbai() -> None:
    imported = _imported([ROOT / p for p in PACKAGES])
    requirements = [*PROJECT["dependencies"], *PROJECT["optional-dependencies"]["postgres"]]
    assert _unused(requirements, imported) == []


def test_every_test_dependency_is_imported_by_the_tests_or_is_a_tool() -> None:
    imported = _imported([ROOT / "tests", *(ROOT / p for p in PACKAGES)])
    assert _unused(PROJECT["optional-dependencies"]["test"], imported) == []


def test_the_maps_above_name_only_declared_dependencies() -> None:
    extras = PROJECT["optional-dependencies"].values()
    declared = {_name(r) for r in PROJECT["dependencies"]} | {_name(r) for e in extras for r in e}
    assert set(MODULE) | set(NEEDED_BY) | TOOLS <= declared
