"""Fixtures for the digest: the seed's quarter as data, a real SMTP server, a real browser.

The SMTP server is aiosmtpd on 127.0.0.1 (a free port per test); it keeps what
it receives and can be told to answer 451 to every message, as a busy server
does. The browser is Debian's chromium driven by Playwright, started once.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from dataset import MAPPED_LATER, write_dataset
from digestkit import ROOT, InProcess, Mailbox, SmtpServer, free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
]


@pytest.fixture(scope="session")
def quarter_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed's config and a database holding the quarter's dataset, built once."""
    folder = tmp_path_factory.mktemp("quarter")
    config = folder / "config.toml"
    shutil.copy(ROOT / "config.toml", config)
    run = InProcess(config)
    run("ingest-file", *write_dataset(folder / "mail"))
    for address, unit in MAPPED_LATER:
        run("senders", "add", address, unit)
    return folder / "tinbai.db"


@pytest.fixture
def quarter(quarter_db: Path, config_file: Path) -> Path:
    """This test's own copy of the quarter's database, next to its config file."""
    shutil.copy(quarter_db, config_file.parent / "tinbai.db")
    return config_file


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(), decode_data=False)
    controller.start()
    try:
        yield SmtpServer(controller.hostname, controller.port, mailbox)
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 — only the browser tests need it

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def run(config_file: Path) -> InProcess:
    return InProcess(config_file)
