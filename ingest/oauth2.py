"""OAuth2 access tokens for XOAUTH2 logins (Gmail, Microsoft 365), from a token file.

The token file is JSON that the admin creates once (the README walks
through it) and tinbai keeps up to date:

    {"provider": "google" | "microsoft", "client_id": "…", "client_secret": "…",
     "tenant": "common", "refresh_token": "…", "access_token": "…", "expires_at": 1700000000}

An access token that has (nearly) expired is refreshed at the provider's token
endpoint; the answer is written back atomically with mode 0600, because
Microsoft hands out a new refresh token on every refresh and the old one stops
working. No token is ever logged.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from ingest.errors import MailboxError
from ingest.settings import is_loopback

log = logging.getLogger(__name__)

TOKEN_URIS = {
    "google": "https://oauth2.googleapis.com/token",
    "microsoft": "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
}
SCOPES = {
    "google": "https://mail.google.com/",
    "microsoft": "https://outlook.office365.com/IMAP.AccessAsUser.All offline_access",
}
EARLY = 120  # refresh this many seconds before the token expires

Post = Callable[[str, dict[str, str], float], dict[str, Any]]


def access_token(path: Path, *, now: float, timeout: float = 30.0, post: Post | None = None) -> str:
    """A valid access token from the token file, refreshing (and saving) it when due."""
    return current_token(path, now=now, timeout=timeout, post=post).value


class Token(NamedTuple):
    value: str
    refresh_at: float  # Unix time: a kept session logs in again by then
    refreshed: bool  # fetched from the provider just now


def current_token(
    path: Path,
    *,
    now: float,
    timeout: float = 30.0,
    post: Post | None = None,
    refused: str | None = None,
) -> Token:
    """A valid access token, refreshed (and saved) when due.

    A session kept open by the service logs in again by ``refresh_at``, so that a
    provider that ends sessions with their token never meets an expired one.
    ``refused`` is a token the server has just turned down: if the file still holds
    it, it is refreshed whatever its expiry says.
    """
    data = _load(path)
    token = data.get("access_token")
    expires_at = float(data.get("expires_at") or 0)
    if isinstance(token, str) and token and token != refused and expires_at - EARLY > now:
        return Token(token, expires_at - EARLY, refreshed=False)
    refreshed = _refresh(data, path, timeout, post or _post_form)
    data["access_token"] = refreshed["access_token"]
    data["expires_at"] = int(now + float(refreshed.get("expires_in") or 3600))
    if refreshed.get("refresh_token"):  # Microsoft rotates it: the old one is now dead
        data["refresh_token"] = refreshed["refresh_token"]
    save(path, data)
    log.info("OAuth2 access token refreshed from %s", path)
    return Token(str(data["access_token"]), float(data["expires_at"]) - EARLY, refreshed=True)


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise MailboxError(
            f"oauth_token_file {path} does not exist — create it as the README explains ('Connecting the mailbox')"
        ) from e
    except (OSError, ValueError) as e:
        raise MailboxError(
            f"oauth_token_file {path} cannot be read as JSON ({type(e).__name__}) — recreate it"
        ) from e
    if not isinstance(data, dict):
        raise MailboxError(f"oauth_token_file {path} is not a JSON object — recreate it")
    return data


def _refresh(data: dict[str, Any], path: Path, timeout: float, post: Post) -> dict[str, Any]:
    provider = str(data.get("provider") or "google")
    uri = str(data.get("token_uri") or TOKEN_URIS.get(provider, ""))
    try:
        uri = uri.format(tenant=data.get("tenant") or "common")
        parts = urllib.parse.urlsplit(uri)
        local = parts.scheme == "http" and is_loopback(parts.hostname or "")
    except (KeyError, IndexError, ValueError) as e:
        raise MailboxError(
            f"oauth_token_file {path}: token_uri {uri} is not a URL ({type(e).__name__})"
            " — correct it, or remove it to use the provider's"
        ) from e
    if uri and parts.scheme != "https" and not local:
        raise MailboxError(
            f"oauth_token_file {path}: token_uri {uri} is not https"
            " — use the provider's https token endpoint (plain http only on this machine)"
        )
    missing = [k for k in ("client_id", "refresh_token") if not data.get(k)]
    if not uri or missing:
        what = ", ".join(missing) or "token_uri (unknown provider)"
        raise MailboxError(
            f"oauth_token_file {path} lacks {what} — redo the OAuth2 set-up (README: Connecting the mailbox)"
        )
    form = {
        "grant_type": "refresh_token",
        "client_id": str(data["client_id"]),
        "refresh_token": str(data["refresh_token"]),
    }
    if data.get("client_secret"):
        form["client_secret"] = str(data["client_secret"])
    if provider == "microsoft":
        form["scope"] = str(data.get("scope") or SCOPES["microsoft"])
    answer = post(uri, form, timeout)
    if not isinstance(answer.get("access_token"), str):
        error = (
            answer.get("error_description")
            or answer.get("error")
            or "no access_token in the answer"
        )
        raise MailboxError(
            f"the OAuth2 token refresh at {uri} failed ({str(error).splitlines()[0][:200]})"
            " — the refresh token may be revoked: redo the OAuth2 set-up (README: Connecting the mailbox)"
        )
    return answer


def _post_form(uri: str, form: dict[str, str], timeout: float) -> dict[str, Any]:
    request = urllib.request.Request(uri, data=urllib.parse.urlencode(form).encode(), method="POST")  # noqa: S310 — https URIs from our table or the admin's file
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            answer = json.loads(response.read())
    except urllib.error.HTTPError as e:
        try:
            answer = json.loads(e.read())
        except ValueError:
            raise MailboxError(
                f"the OAuth2 token endpoint {uri} answered HTTP {e.code} — try again later"
            ) from e
    except (urllib.error.URLError, TimeoutError, ValueError) as e:
        raise MailboxError(
            f"cannot reach the OAuth2 token endpoint {uri} ({e}) — check the network"
        ) from e
    return answer if isinstance(answer, dict) else {}


def save(path: Path, data: dict[str, Any]) -> None:
    """Write the token file atomically, readable by its owner only."""
    fd, tmp = tempfile.mkstemp(prefix=".token-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise MailboxError(
            f"cannot save the refreshed OAuth2 token to {path} ({e.strerror})"
            " — check its folder's permissions"
        ) from e
