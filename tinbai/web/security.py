"""Sessions, CSRF tokens, the sign-in rate limit and the secret key of the web admin."""

from __future__ import annotations

import hmac
import logging
import secrets
import threading
from collections import defaultdict, deque
from collections.abc import Callable
from datetime import datetime, timedelta

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tinbai.config import Config, read_secret
from tinbai.errors import ConfigError

log = logging.getLogger(__name__)

CSRF_FIELD = "csrf_token"
SESSION_COOKIE = "tinbai_session"


def secret_key(config: Config) -> str:
    """The key that signs session cookies: from `[web] secret_key_env`/`_file`, else a fresh one.

    A fresh key is fine for one process; sessions then end when it restarts.
    """
    web = config.model.web
    if web.secret_key_env or web.secret_key_file:
        key = read_secret("web", web.secret_key_env, web.secret_key_file, config.base_dir)
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
    """At most ``attempts`` failed sign-ins per window, per client address and per user name."""

    def __init__(self, attempts: int, window: timedelta, clock: Callable[[], datetime]) -> None:
        self.attempts, self.window, self.clock = attempts, window, clock
        self._failures: dict[str, deque[datetime]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: datetime) -> deque[datetime]:
        failures = self._failures[key]
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def wait(self, *keys: str) -> timedelta | None:
        """How long these keys must wait before trying again, or None."""
        now = self.clock()
        with self._lock:
            waits = [
                failures[0] + self.window - now
                for failures in (self._recent(k, now) for k in keys)
                if len(failures) >= self.attempts
            ]
        return max(waits) if waits else None

    def failed(self, *keys: str) -> None:
        now = self.clock()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


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
