"""No secret leaves its env var or file: polls (password, XOAUTH2), a digest send and web sign-ins
run at DEBUG (`-vv`, and `--debug` for the failures' tracebacks), then every log line, the
SQLite files' bytes and every page are searched for each secret, raw and in the base64
forms it takes on the wire (SASL PLAIN, XOAUTH2).
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from digestkit import free_port
from dovecot import PASSWORD as IMAP_PASSWORD
from dovecot import Mailbox, set_table
from mailkit import build_message
from oauth_provider import Provider

from store.users import add_user
from tinbai.app import App
from tinbai.web import start_in_thread

pytestmark = pytest.mark.integration

SMTP_PASSWORD = "smtp-Bí-mật-4Qv8zK"  # the test server's, never a real one
WRONG_IMAP = "imap-Sai-mật-khẩu-7Wd3"
WEB_PASSWORD = "web-Mật-khẩu-9Rt2xP"
WRONG_WEB = "web-đoán-bừa-3Hy6"


def forms(secret: str, user: str = "") -> set[str]:
    """``secret`` as it may be written: raw, base64, and inside SASL PLAIN / XOAUTH2."""
    raw = secret.encode()
    out = {secret, base64.b64encode(raw).decode()}
    if user:
        sasl = [f"\0{user}\0{secret}", f"user={user}\1auth=Bearer {secret}\1\1"]
        out |= {base64.b64encode(s.encode()).decode() for s in sasl}
    return out


class Traces:
    """Everything tinbai wrote or kept, to search for secrets."""

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}

    def add(self, where: str, text: str | bytes) -> None:
        self.texts[where] = text if isinstance(text, str) else text.decode("latin-1")

    def add_database(self, folder: Path) -> None:
        for path in sorted(folder.glob("*.db*")):
            self.add(path.name, path.read_bytes())

    def leaks(self, secrets: set[str]) -> list[str]:
        return [f"{s!r} in {w}" for w, t in self.texts.items() for s in secrets if s in t]


@pytest.fixture
def smtp_with_login() -> Iterator[Controller]:
    def check(server, session, envelope, mechanism, data) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data.password == SMTP_PASSWORD.encode()
        return AuthResult(success=ok, handled=False)

    class Keep:
        def __init__(self) -> None:
            self.received: list[object] = []

        async def handle_DATA(self, server, session, envelope) -> str:
            self.received.append(envelope)
            return "250 OK"

    controller = Controller(
        Keep(), hostname="127.0.0.1", port=free_port(), authenticator=check, auth_require_tls=False
    )
    controller.start()
    yield controller
    controller.stop()


def run(mailbox: Mailbox, traces: Traces, name: str, *args: str, code: int = 0) -> str:
    done = mailbox.tinbai("-vv", *args, check=False)
    traces.add(f"{name} stdout", done.stdout)
    traces.add(f"{name} stderr", done.stderr)
    assert done.returncode == code, done.stderr
    return done.stderr


def test_no_secret_in_logs_database_pages_or_tracebacks(
    mailbox: Mailbox, oauth_provider: Provider, smtp_with_login: Controller, caplog
) -> None:
    traces = Traces()
    folder = mailbox.config.parent
    mailbox.deliver(build_message(subject="[Tin] Bí mật không lộ"))

    # IMAP with a password: a poll, then a refused login with --debug (a traceback).
    run(mailbox, traces, "poll (password)", "poll")
    mailbox.tinbai.env["TINBAI_TEST_IMAP_PASSWORD"] = WRONG_IMAP
    refused = run(mailbox, traces, "poll (wrong password)", "--debug", "poll", code=1)
    assert "Traceback" in refused  # --debug shows it, and the secret is not in it (below)
    one_line = run(mailbox, traces, "poll (wrong password, no --debug)", "poll", code=1)
    assert "Traceback" not in one_line
    # A non-ASCII password goes as UTF-8 (AUTHENTICATE PLAIN): refused as wrong, in one line,
    # where it was an "internal error: UnicodeEncodeError" before.
    last = one_line.strip().splitlines()[-1]
    assert last.startswith("tinbai: IMAP server 127.0.0.1:"), last
    assert f"refused the login of '{mailbox.user}'" in last

    # IMAP with XOAUTH2: the token file's refresh token buys access tokens.
    token_file = folder / "oauth-token.json"
    refresh = oauth_provider.grant(mailbox.user)
    token_file.write_text(
        json.dumps(
            {
                "provider": "microsoft",
                "client_id": "tinbai-test",
                "tenant": "common",
                "token_uri": oauth_provider.token_uri,
                "refresh_token": refresh,
            }
        )
    )
    token_file.chmod(0o600)
    mailbox.configure(password_env=None, oauth_token_file=str(token_file))
    mailbox.deliver(build_message(subject="[Tin] Đăng nhập OAuth2"))
    run(mailbox, traces, "poll (XOAUTH2)", "poll")
    run(mailbox, traces, "poll (XOAUTH2) again", "poll")
    saved = json.loads(token_file.read_text())
    assert oauth_provider.issued, "no access token was issued: XOAUTH2 was not used"

    # A digest over SMTP with a login.
    set_table(
        mailbox.config,
        "smtp",
        host="127.0.0.1",
        port=smtp_with_login.port,
        security="plain",
        username="tinbai@example.org",
        password_env="TINBAI_SMTP_PASSWORD",
        **{"from": "tinbai@example.org"},
    )
    mailbox.tinbai.env["TINBAI_SMTP_PASSWORD"] = SMTP_PASSWORD
    run(mailbox, traces, "digest --send", "digest", "--send", "--as-of", "2020-05-17")
    assert len(smtp_with_login.handler.received) == 1  # logged in with a non-ASCII password
    mailbox.tinbai.env["TINBAI_SMTP_PASSWORD"] = SMTP_PASSWORD[::-1]
    wrong = run(
        mailbox,
        traces,
        "digest --send (wrong)",
        "--debug",
        "digest",
        "--send",
        "--force",
        "--as-of",
        "2020-05-17",
        code=1,
    )
    assert "refused the login of 'tinbai@example.org' (535) — check the SMTP password" in wrong

    # The web admin at DEBUG: a refused and an accepted sign-in, every page read.
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="imapclient.imaplib")  # the suite turns it down
    app = App(config_path=mailbox.config)
    add_user(app.store.session, "an", WEB_PASSWORD, "admin", actor="test", now=app.now())
    server = start_in_thread(app, "127.0.0.1", 0)
    base = server.url.removesuffix("/login")
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            for password in (WRONG_WEB, WEB_PASSWORD):
                page = client.get("/login").text
                token = page.split('name="csrf_token" value="')[1].split('"')[0]
                form = {"csrf_token": token, "username": "an", "password": password, "next": "/"}
                answer = client.post("/login", data=form)
                traces.add(f"POST /login ({password == WEB_PASSWORD})", answer.text)
                traces.add(f"POST /login cookie ({password == WEB_PASSWORD})", str(answer.headers))
            assert answer.status_code == 303
            for path in ("/", "/unknown", "/senders", "/senders.csv", "/submissions", "/audit"):
                got = client.get(path)
                assert got.status_code == 200, path
                traces.add(path, got.text)
            for pk in range(1, 3):
                traces.add(f"/submissions/{pk}", client.get(f"/submissions/{pk}").text)
    finally:
        server.stop()
        app.close()
    traces.add("web log (DEBUG)", caplog.text)
    traces.add_database(folder)

    secrets = forms(IMAP_PASSWORD, mailbox.user) | forms(WRONG_IMAP, mailbox.user)
    secrets |= forms(SMTP_PASSWORD, "tinbai@example.org") | forms(SMTP_PASSWORD[::-1])
    secrets |= (
        forms(WEB_PASSWORD) | forms(WRONG_WEB) | forms(refresh) | forms(saved["refresh_token"])
    )
    for access in oauth_provider.issued:
        secrets |= forms(access, mailbox.user)
    assert len(traces.texts) >= 20
    assert any("DEBUG" in t for t in traces.texts.values())  # the logs were at DEBUG
    assert traces.leaks({"Đăng nhập OAuth2"}), "the search does not reach the database"
    assert traces.leaks(secrets) == []
