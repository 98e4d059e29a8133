"""XOAUTH2 end to end: a token file, a real token endpoint, and Dovecot checking every token.

The provider (tests/oauth_provider.py) rotates refresh tokens as Microsoft does, and
Dovecot's oauth2 passdb asks it whether each access token is live and whose it is, so a
poll counts mail only when tinbai refreshed, saved and presented its tokens correctly.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dovecot import Dovecot, Mailbox
from mailkit import build_message
from oauth_provider import Provider

from ingest.oauth2 import EARLY
from tinbai.app import App
from tinbai.errors import MailboxError
from tinbai.polling import MailboxSession, poll_once

pytestmark = pytest.mark.integration


class Clock:
    """Wall-clock seconds that a test moves by hand; starts at the real time (tokens expire then)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@dataclass
class ClockedApp(App):
    """tinbai in this process, on the test's clock: the clock injected, not patched."""

    clock: Clock = field(default_factory=Clock)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock.now, UTC)


@pytest.fixture
def token_file(mailbox: Mailbox, oauth_provider: Provider) -> Path:
    """What the README's OAuth2 set-up leaves: a refresh token, no access token yet."""
    path = mailbox.config.parent / "oauth-token.json"
    path.write_text(
        json.dumps(
            {
                "provider": "microsoft",
                "client_id": "tinbai-test",
                "tenant": "common",
                "token_uri": oauth_provider.token_uri,
                "refresh_token": oauth_provider.grant(mailbox.user),
            }
        )
    )
    path.chmod(0o600)
    mailbox.configure(password_env=None, oauth_token_file=str(path))
    mailbox.tinbai.env.pop("TINBAI_TEST_IMAP_PASSWORD", None)
    return path


def test_the_token_is_refreshed_saved_and_used_to_log_in(
    mailbox: Mailbox, oauth_provider: Provider, token_file: Path
) -> None:
    granted = json.loads(token_file.read_text())["refresh_token"]
    mailbox.deliver(build_message(subject="[Tin] Đăng nhập bằng OAuth2"))
    delivered = len(mailbox.server.login_methods(mailbox.user, at_least=1))  # the test's APPEND

    first = mailbox.tinbai("poll")
    second = mailbox.tinbai("poll")

    assert first.stdout.startswith("1 new message(s): 1 news")
    assert second.stdout.startswith("0 new message(s)")
    assert mailbox.totals()["news"] == 1
    saved = json.loads(token_file.read_text())
    # One refresh for both polls, with the granted token; the rotated one replaced it on disk.
    assert oauth_provider.refreshes.count(granted) == 1
    assert saved["refresh_token"] in oauth_provider.refresh
    assert saved["refresh_token"] != granted
    assert saved["expires_at"] > time.time() + 3000
    assert token_file.stat().st_mode & 0o777 == 0o600
    # Both logins were XOAUTH2 with the access token the provider issued (Dovecot asked it).
    methods = mailbox.server.login_methods(mailbox.user, at_least=delivered + 2)
    assert methods[delivered:] == ["XOAUTH2", "XOAUTH2"]
    assert oauth_provider.presented(mailbox.user) == [saved["access_token"]] * 2


def test_no_token_reaches_the_logs_even_at_debug_level(
    mailbox: Mailbox, oauth_provider: Provider, token_file: Path
) -> None:
    granted = json.loads(token_file.read_text())["refresh_token"]
    mailbox.deliver(build_message(subject="[Tin] nhật ký"))

    done = mailbox.tinbai("-vv", "poll")

    saved = json.loads(token_file.read_text())
    sasl = f"user={mailbox.user}\1auth=Bearer {saved['access_token']}\1\1".encode()
    assert "AUTHENTICATE" in done.stderr  # imapclient's protocol log is on ...
    for secret in (
        granted,  # sent to the token endpoint
        saved["access_token"],
        saved["refresh_token"],
        base64.b64encode(sasl).decode(),  # what XOAUTH2 sends on the wire
    ):
        assert secret not in done.stderr + done.stdout  # ... and shows no token


def test_a_revoked_grant_gives_one_line_and_keeps_the_token_file(
    mailbox: Mailbox, oauth_provider: Provider, token_file: Path
) -> None:
    before = token_file.read_text()
    oauth_provider.revoke(mailbox.user)

    line = mailbox.tinbai.fails("poll")

    assert "the OAuth2 token refresh at" in line
    assert "expired or been revoked" in line
    assert "redo the OAuth2 set-up" in line
    assert token_file.read_text() == before


def test_an_access_token_the_server_refuses_is_refreshed_once(
    mailbox: Mailbox, oauth_provider: Provider, token_file: Path
) -> None:
    """The provider dropped a token before its time (say, a password change that kept the grant)."""
    mailbox.poll()  # refresh #1, a good login
    first = json.loads(token_file.read_text())
    oauth_provider.drop(first["access_token"])
    mailbox.deliver(build_message(subject="[Tin] sau khi đổi mật khẩu"))

    stats = mailbox.poll()

    assert stats.new == 1
    second = json.loads(token_file.read_text())
    # Logins: the first poll's, the refused one, one more with the refreshed token.
    assert oauth_provider.presented(mailbox.user) == [first["access_token"]] * 2 + [
        second["access_token"]
    ]
    assert oauth_provider.refreshes.count(first["refresh_token"]) == 1


def test_a_token_refused_again_after_its_refresh_is_one_line(
    mailbox: Mailbox, oauth_provider: Provider, token_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailbox.poll()  # a good login with the first token
    first = json.loads(token_file.read_text())["access_token"]
    # From now on the server accepts no token: the account lost IMAP access, say.
    monkeypatch.setattr(oauth_provider, "introspection_answer", lambda token: None)

    with pytest.raises(MailboxError) as e:
        mailbox.poll()

    assert "refused the login" in str(e.value)
    assert "run the OAuth2 set-up again" in str(e.value)
    assert "\n" not in str(e.value)
    second = json.loads(token_file.read_text())["access_token"]
    assert oauth_provider.presented(mailbox.user) == [first, first, second]  # one retry


def test_a_token_refused_just_after_its_refresh_is_not_refreshed_again(
    mailbox: Mailbox, oauth_provider: Provider, token_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    granted = json.loads(token_file.read_text())["refresh_token"]
    # The provider issues tokens that the server does not take: the app lacks the IMAP scope.
    monkeypatch.setattr(oauth_provider, "introspection_answer", lambda token: None)

    with pytest.raises(MailboxError, match="refused the login"):
        mailbox.poll()

    assert len(oauth_provider.presented(mailbox.user)) == 1
    rotated = json.loads(token_file.read_text())["refresh_token"]
    assert oauth_provider.refreshes.count(granted) == 1
    assert rotated not in oauth_provider.refreshes  # no second refresh


def test_the_kept_session_logs_in_again_before_its_token_expires(
    mailbox: Mailbox,
    oauth_provider: Provider,
    token_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Tokens due for a refresh 2-3 s after they are issued (expiry is stored in whole seconds).
    monkeypatch.setattr(oauth_provider, "expires_in", EARLY + 3)
    mailbox.deliver(build_message(subject="[Tin] phiên giữ lại"))
    clock = Clock()
    app = ClockedApp(config_path=mailbox.config, clock=clock)
    session = MailboxSession(clock=clock)  # the session's clock moves with the app's
    try:
        assert poll_once(app, session=session).new == 1
        assert poll_once(app, session=session).new == 0  # not due yet: the same session
        assert session.logins == 1
        clock.now += 3.2
        mailbox.deliver(build_message(subject="[Tin] sau khi làm mới"))
        assert poll_once(app, session=session).new == 1
    finally:
        session.close()
        app.close()

    assert session.logins == 2
    first, second = oauth_provider.presented(mailbox.user)  # two logins ...
    assert first != second  # ... the second with a new access token
    assert json.loads(token_file.read_text())["access_token"] == second
    assert mailbox.totals()["news"] == 2


def test_a_server_without_xoauth2_says_so_in_one_line(
    mailbox: Mailbox, oauth_provider: Provider, token_file: Path
) -> None:
    plain_only = Dovecot.create()  # no oauth2 passdb: it offers PLAIN and LOGIN only
    plain_only.start()
    try:
        mailbox.configure(
            password_env=None, oauth_token_file=str(token_file), port=plain_only.imap_port
        )
        with pytest.raises(MailboxError, match=r"does not offer XOAUTH2 logins — use password_env"):
            mailbox.poll()
    finally:
        plain_only.destroy()
