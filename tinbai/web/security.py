"""Sessions, CSRF tokens, the sign-in rate limit, safe log values and the secret key of the web admin."""

from __future__ import annotations

import hmac
import html
import logging
import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from store import users as user_store
from store.db import Sessions
from tinbai.config import Config, read_secret
from tinbai.errors import ConfigError

log = logging.getLogger(__name__)

CSRF_FIELD = "csrf_token"
SESSION_COOKIE = "tinbai_session"


# C0 and C1 controls (newline, carriage return, escape …), line and paragraph separators,
# and the invisible and bidirectional marks that can make a log line read as another.
_UNSAFE_IN_LOG = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]"
)
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
LOGGED_MAX = 300


def _escape(found: re.Match[str]) -> str:
    char = found.group()
    return _ESCAPES.get(char) or (
        f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"
    )


def loggable(value: object) -> str:
    """``value`` fit for one log line: control and bidi characters escaped, length bounded.

    Every value a request brings (path, query, form field, user name, an error quoting
    them) goes through this before it is logged, so none can forge or hide a log line.
    """
    text = _UNSAFE_IN_LOG.sub(_escape, str(value))
    if len(text) > LOGGED_MAX:
        return f"{text[:LOGGED_MAX]}… ({len(text)} characters)"
    return text


def secret_key(config: Config) -> str:
    """The key that signs session cookies: from `[web] secret_key_env`/`_file`, else a fresh one.

    A fresh key is fine for one process; sessions then end when it restarts.
    """
    web = config.model.web
    if web.secret_key_env or web.secret_key_file:
        key = read_secret(
            "web",
            web.secret_key_env,
            web.secret_key_file,
            config.base_dir,
            keys=("secret_key_env", "secret_key_file"),
        )
        if len(key) < 32:
            raise ConfigError(
                "web: the secret key is shorter than 32 characters — use `openssl rand -hex 32`"
            )
        return key
    log.info("web: no secret_key_env/secret_key_file set; sessions end when tinbai restarts")
    return secrets.token_hex(32)


def csrf_token(request: Request) -> str:
    """This session's CSRF token, created on first use."""
    token = request.session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def csrf_ok(request: Request, submitted: object) -> bool:
    expected = request.session.get("csrf")
    return (
        isinstance(expected, str)
        and isinstance(submitted, str)
        and bool(expected)
        and hmac.compare_digest(expected.encode(), submitted.encode())
    )


class LoginLimiter:
    """Failed sign-ins, limited per client address *and* user name, with a ceiling per address.

    An address may fail ``attempts`` times for one name within ``window``, and
    ``attempts * ADDRESS_CEILING`` times in all. Failures from one address never hold
    back another, so guessing at a known name from elsewhere does not lock its owner
    out. Kept in the database, so `tinbai users unlock NAME` reaches a running server.
    """

    ADDRESS_CEILING = 4

    def __init__(
        self,
        sessions: Sessions,
        attempts: int,
        window: timedelta,
        clock: Callable[[], datetime],
    ) -> None:
        self.sessions, self.attempts, self.window, self.clock = sessions, attempts, window, clock

    def wait(self, address: str, name: str) -> timedelta | None:
        """How long this address must wait before trying this name again, or None."""
        now = self.clock()
        recent = user_store.login_failures(self.sessions, address, name, now - self.window)
        waits = [
            # Below the limit again once the oldest failures beyond it leave the window.
            times[len(times) - limit] + self.window - now
            for times, limit in (
                (recent.pair, self.attempts),
                (recent.address, self.attempts * self.ADDRESS_CEILING),
            )
            if len(times) >= limit
        ]
        return max(waits) if waits else None

    def failed(self, address: str, name: str) -> None:
        now = self.clock()
        user_store.record_login_failure(
            self.sessions, address, name, now=now, forget_before=now - self.window
        )

    def succeeded(self, address: str, name: str) -> None:
        user_store.clear_login_failures(self.sessions, address, name)


class SecureCookieOverHttps:
    """Marks cookies `Secure` when the request came over HTTPS (directly or via a trusted proxy)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("scheme") != "https":
            await self.app(scope, receive, send)
            return

        async def send_secure(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                cookies = headers.getlist("set-cookie")
                if cookies:
                    del headers["set-cookie"]
                    for cookie in cookies:
                        secure = "secure" in (p.strip().lower() for p in cookie.split(";"))
                        headers.append("set-cookie", cookie if secure else f"{cookie}; secure")
            await send(message)

        await self.app(scope, receive, send_secure)


STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(scheme: str, netloc: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(f"//{netloc}")
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname or scheme not in _DEFAULT_PORTS:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def cross_site(scope: Scope) -> str | None:
    """Why this request was sent by another site, or None when it was not (or cannot tell).

    The browser's `Origin` (else `Referer`) must name the site the request was sent to:
    scheme, host and port, as the `Host` header and the scheme (after a trusted proxy's
    X-Forwarded-Proto) give them. A request with neither header passes here; the CSRF
    token still guards it.
    """
    headers = Headers(scope=scope)
    fetch_site = headers.get("sec-fetch-site", "").lower()
    if fetch_site in ("cross-site", "same-site"):
        return f"Sec-Fetch-Site: {fetch_site}"
    here = _origin(str(scope.get("scheme", "http")), headers.get("host", ""))
    for name in ("origin", "referer"):
        value = headers.get(name)
        if value is None:
            continue
        try:
            sent = urlsplit(value.strip())
        except ValueError:
            return f"{name.title()}: {value}"
        there = _origin(sent.scheme.lower(), sent.netloc.rpartition("@")[2])
        if here is None or there != here:
            return f"{name.title()}: {value}"
        return None
    return None


class SameOriginPosts:
    """Refuses (403) a state-changing request that another site sent, before any handler runs."""

    def __init__(self, app: ASGIApp, refusal: str = "Cross-site request refused.") -> None:
        self.app, self.refusal = app, refusal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in STATE_CHANGING:
            reason = cross_site(scope)
            if reason is not None:
                log.warning(
                    "web: %s %s refused: sent by another site (%s)",
                    loggable(scope["method"]),
                    loggable(scope.get("path", "")),
                    loggable(reason),
                )
                body = (
                    "<!doctype html><meta charset=utf-8><title>403</title>"
                    f"<p>{html.escape(self.refusal)}</p>"
                )
                await HTMLResponse(body, status_code=403)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class SecurityHeaders:
    """Headers every page carries: no framing, no sniffing, no inline script."""

    HEADERS = (
        (b"x-frame-options", b"DENY"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (
            b"content-security-policy",
            b"default-src 'self'; style-src 'self'; form-action 'self'; frame-ancestors 'none'",
        ),
        (b"cache-control", b"no-store"),
    )

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.HEADERS:
                    if name.decode() not in headers:
                        headers.raw.append((name, value))
            await send(message)

        await self.app(scope, receive, send_headers)
