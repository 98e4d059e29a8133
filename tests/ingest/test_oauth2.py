"""XOAUTH2 end to end: a token file, a real token endpoint, and Dovecot checking every token.

The provider (tests/oauth_provider.py) rotates refresh tokens as Microsoft does, and
Dovecot's oauth2 passdb asks it whether each access token is live and whose it is, so a
poll counts mail only when tinbai refreshed, saved and presented its tokens correctly.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from dovecot import Mailbox
from mailkit import build_message
from oauth_provider import Provider

from ingest.oauth2 import EARLY
from tinbai.errors import MailboxError
from tinbai.polling import MailboxSession, poll_once

pytestmark = pytest.mark.integration


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
    delivered = len(mailbox.server.login_methods(mailbox.user))  # the test's own PLAIN login

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
    assert mailbox.server.login_methods(mailbox.user)[delivered:] == ["XOAUTH2", "XOAUTH2"]
    assert oauth_provider.presented(mailbox.user) == [saved["access_token"]] * 2


def test_no_token_reaches_the_logs_even_at_debug_level(
    mailbox: Mailbox, oauth_provider: Provider, token_file: Path
) -> None:
    mailbox.deliver(build_message(subject="[Tin] nhật ký"))

    done = mailbox.tinbai("-vv", "poll")

    saved = json.loads(token_file.read_text())
    assert "AUTHENTICATE" in done.stderr  # imapclient's protocol log is on ...
    for token in (saved["access_token"], saved["refresh_token"]):
        assert token not in done.stderr + done.stdout  # ... and shows no token


def test_a_revoked_grant_gives_one_line_and_keeps_the_token_file(
    mailbox: Mailbox, oauth_provider: Provider, token_file: Path
) -> None:
    before = token_file.read_text()
    oauth_provider.revoke(mailbox.user)

    done = mailbox.tinbai("poll", check=False)

    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "the OAuth2 token refresh at" in lines[0]
    assert "expired or been revoked" in lines[0]
    assert "redo the OAuth2 set-up" in lines[0]
    assert token_file.read_text() == before


def test_an_access_token_the_server_refuses_is_refreshed_once(
    mailbox: Mailbox, oauth_provider: Provider, token_file: Path
) -> None:
    """The provider dropped a token before its time (say, a password change that kept the grant)."""
    mailbox.poll()  # refresh #1, a good login
    first = json.loads(token_file.read_text())
    del oauth_provider.access[first["access_token"]]
    mailbox.deliver(build_message(subject="[Tin] sau khi đổi mật khẩu"))

    stats = mailbox.poll()

    assert stats.new == 1
    second = json.loads(token_file.read_text())
    assert second["access_token"] != first["access_token"]
    assert oauth_provider.refreshes.count(first["refresh_token"]) == 1


def test_a_token_refused_even_after_a_refresh_is_one_line(
    mailbox: Mailbox, oauth_provider: Provider, token_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The provider issues tokens that Dovecot's introspection does not know: the account
    # has no IMAP access, or the app lacks the IMAP scope.
    monkeypatch.setattr(oauth_provider, "introspection_answer", lambda token: None)

    with pytest.raises(MailboxError) as e:
        mailbox.poll()

    assert "refused the login" in str(e.value)
    assert "OAuth2" in str(e.value)
    assert "\n" not in str(e.value)


def test_the_kept_session_logs_in_again_before_its_token_expires(
    mailbox: Mailbox, oauth_provider: Provider, token_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tokens that are due for a refresh one second after they are issued.
    monkeypatch.setattr(oauth_provider, "expires_in", EARLY + 1)
    mailbox.deliver(build_message(subject="[Tin] phiên giữ lại"))
    app = mailbox.app()
    session = MailboxSession()
    try:
        assert poll_once(app, session=session).new == 1
        assert poll_once(app, session=session).new == 0  # within the second: same session
        assert session.logins == 1
        time.sleep(1.2)
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
