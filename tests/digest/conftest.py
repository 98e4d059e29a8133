"""Fixtures for the digest: the seed's quarter as data, a real SMTP server, a real browser.

The SMTP server is aiosmtpd on 127.0.0.1 (a free port per test); it keeps what
it receives and can be told to answer 451 to every message, as a busy server
does. The browser is Debian's chromium driven by Playwright, started once.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from browser import CHROMIUM, CHROMIUM_ARGS
from dataset import MAPPED_LATER, write_dataset
from digestkit import ROOT, InProcess, Mailbox, SmtpServer, free_port, smtp_running


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
    with smtp_running(Mailbox()) as server:
        yield server


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


@dataclass(frozen=True)
class Certificates:
    ca: Path
    cert: Path
    key: Path


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    """A private CA and a server certificate for 127.0.0.1, made by Debian's openssl."""
    d = tmp_path_factory.mktemp("tls")
    (d / "ext.cnf").write_text(
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
    )
    for argv in (
        "req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=test-ca",
        "req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1",
        "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2"
        " -extfile ext.cnf",
    ):
        subprocess.run(["openssl", *argv.split()], cwd=d, check=True, capture_output=True)
    return Certificates(d / "ca.pem", d / "server.pem", d / "server.key")


PASSWORD = "correct horse battery staple"


def _authenticate(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
) -> AuthResult:
    ok = (
        isinstance(data, LoginPassword)
        and data.login == b"tinbai"
        and data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def tls_smtp_server(certificates: Certificates) -> Iterator[SmtpServer]:
    """SMTP that insists on STARTTLS with its certificate, then on a login."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificates.cert, certificates.key)
    mailbox = Mailbox()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=context,
        require_starttls=True,
        authenticator=_authenticate,
        auth_require_tls=True,
    )
    controller.start()
    try:
        yield SmtpServer(controller.hostname, controller.port, mailbox)
    finally:
        controller.stop()
