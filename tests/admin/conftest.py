"""Fixtures for the admin: the CLI, users, mail, the real web server and Chromium.

`tinbai` here runs the real `main()` in this process (click's isolation for the
streams), which is ten times faster than a subprocess per command on a busy
machine; `test_cli_admin.py` still runs the console command once in a
subprocess. The server is `tinbai serve --port 0` in a subprocess (the command
a user runs) on 127.0.0.1; the browser is Debian's chromium driven by Playwright.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from browser import CHROMIUM, CHROMIUM_ARGS
from click.testing import CliRunner
from mailkit import Attachment, build_message, make_jpeg
from webserver import Server, csrf_of, running_server  # noqa: F401

from tinbai.cli import main

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_CONFIG = ROOT / "config.toml"
SCREENSHOTS = ROOT / "tests" / "screenshots" / "admin"

ADMIN, EDITOR = ("an", "admin-secret-1"), ("binh", "editor-secret-1")


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


@dataclass
class InProcessTinbai:
    """`tinbai --config CONFIG ARGS…` through the real entry point, in this process."""

    config: Path
    env: dict[str, str]

    def __call__(
        self, *args: str | os.PathLike[str], check: bool = True, input: str | None = None
    ) -> Ran:
        argv = ["tinbai", "--config", str(self.config), *map(str, args)]
        root = logging.getLogger()
        handlers, level = list(root.handlers), root.level
        with CliRunner().isolation(input=input, env=self.env) as (out, err, _):
            saved, sys.argv = sys.argv, argv
            try:
                main()
                code = 0
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else 1
            finally:
                sys.argv = saved
                root.handlers[:], root.level = (
                    handlers,
                    level,
                )  # basicConfig bound the isolated stderr
            done = Ran(code, out.getvalue().decode(), err.getvalue().decode())
        if check and done.returncode != 0:
            raise AssertionError(
                f"tinbai {' '.join(map(str, args))} exited {done.returncode}\n"
                f"{done.stdout}\n{done.stderr}"
            )
        return done


@pytest.fixture
def tinbai(config_file: Path) -> InProcessTinbai:
    return InProcessTinbai(config_file, {"COLUMNS": "200"})


def make_users(tinbai: InProcessTinbai) -> dict[str, tuple[str, str]]:
    """An admin and an editor, created through `tinbai users add --password-env`."""
    for (name, password), role in ((ADMIN, "admin"), (EDITOR, "editor")):
        tinbai.env["NEW_PASSWORD"] = password
        tinbai("users", "add", name, "--role", role, "--password-env", "NEW_PASSWORD")
    del tinbai.env["NEW_PASSWORD"]
    return {"admin": ADMIN, "editor": EDITOR}


@pytest.fixture
def mail(tinbai, write_eml) -> Callable[..., None]:
    """Ingest messages through `tinbai ingest-file`, as the poller would store them."""

    def ingest(*messages: dict[str, object]) -> None:
        tinbai("ingest-file", *(write_eml(**m) for m in messages))

    return ingest


def tagged(
    sender: str, subject: str = "[Tin] Hội nghị người lao động", photos: int = 0, seed: int = 0
) -> dict[str, object]:
    """A message the classifier counts for sure: a subject tag, and real JPEGs of 20 KB or more."""
    attachments = [Attachment(f"anh-{i}.jpg", make_jpeg(seed=seed + i)) for i in range(photos)]
    return {"sender": sender, "subject": subject, "attachments": attachments}


@pytest.fixture
def news() -> Callable[..., dict[str, object]]:
    return tagged


@dataclass
class Site:
    """One server shared by a module's tests: each test uses its own senders and messages."""

    server: Server
    tinbai: InProcessTinbai
    users: dict[str, tuple[str, str]]
    folder: Path

    def ingest(self, *messages: dict[str, object]) -> None:
        paths = []
        for message in messages:
            path = self.folder / f"{uuid.uuid4().hex}.eml"
            path.write_bytes(build_message(**message))  # type: ignore[arg-type]
            paths.append(path)
        self.tinbai("ingest-file", *paths)

    def message_id(self, subject: str) -> int:
        rows = json.loads(self.tinbai("submissions", "list", "--format", "json").stdout)
        return next(int(r["id"]) for r in rows if r["subject"] == subject)


@contextmanager
def new_site(folder: Path, edit: Callable[[str], str] | None = None) -> Iterator[Site]:
    """A server on the shipped config (``edit`` may change its text first) and a fresh database."""
    config = folder / "config.toml"
    shutil.copy(SHIPPED_CONFIG, config)
    if edit is not None:
        config.write_text(edit(config.read_text(encoding="utf-8")), encoding="utf-8")
    tinbai = InProcessTinbai(config, {"COLUMNS": "200"})
    with running_server(config) as started:
        yield Site(started, tinbai, make_users(tinbai), folder)


@pytest.fixture(scope="session")
def start_site() -> Callable[..., AbstractContextManager[Site]]:
    """`new_site`, for tests that need a server of their own (to read its whole log once stopped)."""
    return new_site


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Iterator[Site]:
    """One server for the HTTP tests: each uses senders and subjects of its own."""
    with new_site(tmp_path_factory.mktemp("site")) as shared:
        yield shared


@pytest.fixture(scope="module")
def fresh_site(tmp_path_factory) -> Iterator[Site]:
    """A server on an empty database, for tests that read whole-plan figures."""
    with new_site(tmp_path_factory.mktemp("fresh")) as fresh:
        yield fresh


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    # Module-scoped: one sync Playwright may run at a time, and tests/digest starts its own.
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 — only the browser tests pay for it

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(chromium, request) -> Iterator[object]:
    """A fresh browser context (no cookies) and a function to keep screenshots of it."""
    context = chromium.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    folder = SCREENSHOTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    page.shots = folder
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def shot(page) -> Callable[[str], Path]:
    """Keep a full-page screenshot under tests/screenshots/admin/<test name>/<name>.png."""

    def take(name: str) -> Path:
        path = page.shots / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
