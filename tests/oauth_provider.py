"""A small OAuth2 provider on 127.0.0.1 for the XOAUTH2 tests: token endpoint and introspection.

It plays Microsoft's part: every refresh hands out a new access token *and* a new refresh
token, and the old refresh token stops working. Dovecot's oauth2 passdb asks its
introspection endpoint whether an access token is valid and whose it is, so a login is
accepted only with a token this provider issued and has not revoked.
"""

from __future__ import annotations

import itertools
import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Provider:
    expires_in: int = 3600
    access: dict[str, str] = field(default_factory=dict)  # access token -> user
    refresh: dict[str, str] = field(default_factory=dict)  # live refresh token -> user
    issued: dict[str, str] = field(default_factory=dict)  # every access token ever -> user
    refreshes: list[str] = field(default_factory=list)  # refresh tokens presented, in order
    introspected: list[str] = field(default_factory=list)  # access tokens Dovecot asked about
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def token_uri(self) -> str:
        return f"{self.url}/token"

    @property
    def introspection_url(self) -> str:
        return f"{self.url}/introspect"

    def grant(self, user: str) -> str:
        """A refresh token for ``user``, as the admin's one-time consent gives it."""
        with self._lock:
            token = f"refresh-token-{next(self._serial)}-q7Zx"
            self.refresh[token] = user
            return token

    def presented(self, user: str) -> list[str]:
        """The access tokens of ``user`` that Dovecot asked about, in order (one per login)."""
        with self._lock:
            return [t for t in self.introspected if self.issued.get(t) == user]

    def drop(self, access_token: str) -> None:
        """The provider ends one access token before its expiry; the grant lives on."""
        with self._lock:
            del self.access[access_token]

    def revoke(self, user: str) -> None:
        """The user changed the password or withdrew consent: every token of theirs dies."""
        with self._lock:
            for tokens in (self.access, self.refresh):
                for token in [t for t, u in tokens.items() if u == user]:
                    del tokens[token]

    def _token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            presented = form.get("refresh_token", "")
            self.refreshes.append(presented)
            user = self.refresh.pop(presented, None)
            if form.get("grant_type") != "refresh_token" or user is None:
                return 400, {
                    "error": "invalid_grant",
                    "error_description": "AADSTS70000: The provided grant has expired or been revoked.",
                }
            n = next(self._serial)
            access, rotated = f"access-token-{n}-k3Vw", f"refresh-token-{n}-q7Zx"
            self.access[access] = self.issued[access] = user
            self.refresh[rotated] = user
        return 200, {
            "token_type": "Bearer",
            "access_token": access,
            "expires_in": self.expires_in,
            "refresh_token": rotated,
        }

    def introspection_answer(self, token: str) -> str | None:
        """Whose live token this is (a test may replace it)."""
        return self.access.get(token)

    def _introspect(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            token = form.get("token", "")
            self.introspected.append(token)
            user = self.introspection_answer(token)
        if user is None:
            return 200, {"active": "false"}
        return 200, {"active": "true", "email": user}

    def start(self) -> None:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                route = {"/token": provider._token, "/introspect": provider._introspect}
                answer = route.get(self.path.split("?")[0])
                status, body = (404, {"error": "not_found"}) if answer is None else answer(form)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: pytest shows what matters

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
