"""Fixtures of the IMAP tests: one private Dovecot for the session, a fresh mailbox per test."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from digestkit import Mailbox as SmtpMailbox
from digestkit import SmtpServer, smtp_running
from dovecot import PASSWORD, Dovecot, Mailbox
from oauth_provider import Provider

from tinbai.app import App

_users = itertools.count(1)


@pytest.fixture(scope="session")
def oauth_provider() -> Iterator[Provider]:
    """The OAuth2 provider (token endpoint, introspection) the session's Dovecot trusts."""
    provider = Provider()
    provider.start()
    yield provider
    provider.stop()


@pytest.fixture(scope="session")
def dovecot(oauth_provider: Provider) -> Iterator[Dovecot]:
    server = Dovecot.create(introspection_url=oauth_provider.introspection_url)
    server.start()
    yield server
    server.destroy()


@pytest.fixture
def mailbox(
    dovecot: Dovecot, config_file: Path, tinbai: Any, monkeypatch: pytest.MonkeyPatch
) -> Mailbox:
    user = f"box{next(_users)}@example.org"
    tinbai.env["TINBAI_TEST_IMAP_PASSWORD"] = PASSWORD
    monkeypatch.setenv("TINBAI_TEST_IMAP_PASSWORD", PASSWORD)
    box = Mailbox(dovecot, user, config_file, tinbai)
    box.configure()
    return box


@pytest.fixture
def app(mailbox: Mailbox) -> Iterator[App]:
    """tinbai in this process on the mailbox's config; it reads the config when first used."""
    app = mailbox.app()
    yield app
    app.close()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """The digest tests' SMTP server (`digestkit`): keeps what tinbai sends (receipts, loops)."""
    with smtp_running(SmtpMailbox()) as server:
        yield server
