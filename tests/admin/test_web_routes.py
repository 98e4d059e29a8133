"""Every route of the web admin × every role × every method, from the app's own route table.

The routes are read from `create_app(...).routes`, so a route added later is covered
without touching this file: anonymous requests must go to the sign-in page, a role must
reach only what it may, and every state-changing route must refuse a missing, invalid or
borrowed CSRF token and any cross-site Origin/Referer. A new admin-only route must be
named in ADMIN_ONLY (else the editor's 200 where 403 is expected fails the test).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from starlette.routing import Mount, Route

from store.users import ROLES
from tinbai.app import App
from tinbai.web import create_app
from tinbai.web.security import STATE_CHANGING

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
PUBLIC = {"/login"}  # reachable signed out; /static is public too (a Mount, below)
ADMIN_ONLY = {"/senders/assign", "/senders/remove", "/senders/import"}
SENDER = "route-table@example.net"


@dataclass(frozen=True)
class Endpoint:
    path: str  # as declared, e.g. /submissions/{id:int}
    methods: frozenset[str]

    def url(self, pk: int) -> str:
        return re.sub(r"\{[^}]+\}", str(pk), self.path)


def route_table(app: App) -> list[Endpoint]:
    out = []
    for route in create_app(app, secret="x" * 32).routes:
        if isinstance(route, Route):
            out.append(Endpoint(route.path, frozenset(route.methods or {"GET", "HEAD"})))
        elif isinstance(route, Mount):
            out.append(Endpoint(f"{route.path}/style.css", frozenset({"GET", "HEAD"})))
    return out


@dataclass
class Routes:
    site: object
    endpoints: list[Endpoint]
    pk: int

    def audit(self) -> list[dict[str, str]]:
        return json.loads(self.site.tinbai("audit", "--format", "json").stdout)  # type: ignore[attr-defined]

    def form(self, endpoint: Endpoint, token: str | None) -> dict[str, object]:
        """Harmless form fields each route accepts (a mapping of a test address, a reclassify)."""
        data: dict[str, object] = {"sender": SENDER, "unit": "tuan-giao", "next": "/"}
        data |= {"news": "1", "article": "0", "photo": "0", "reason": "route table"}
        return data | ({"csrf_token": token} if token is not None else {})


@pytest.fixture(scope="module")
def routes(start_site, tmp_path_factory) -> Iterator[Routes]:
    with start_site(tmp_path_factory.mktemp("routes")) as site:
        site.ingest({"sender": "route@example.net", "subject": "[Tin] Bảng đường dẫn"})
        pk = site.message_id("[Tin] Bảng đường dẫn")
        app = App(config_path=site.folder / "config.toml")
        try:
            endpoints = route_table(app)
        finally:
            app.close()
        assert set(site.users) == set(ROLES), "a role without a test user"
        yield Routes(site, endpoints, pk)


def request(client: httpx.Client, method: str, url: str, data: dict[str, object]) -> httpx.Response:
    if method in STATE_CHANGING:
        return client.request(method, url, data=data)  # type: ignore[arg-type]
    return client.request(method, url)


def test_the_route_table_is_what_this_file_expects(routes):
    paths = {e.path for e in routes.endpoints}
    assert paths >= ADMIN_ONLY, "an admin-only route was renamed: update ADMIN_ONLY"
    assert paths >= PUBLIC
    assert len(routes.endpoints) >= 15
    assert any(e.methods & STATE_CHANGING for e in routes.endpoints)


def test_anonymous_requests_reach_only_the_sign_in_page_and_static_files(routes):
    answers = 0
    with routes.site.server.client() as client:
        token = routes.site.server.csrf_of(client.get("/login").text)
        for endpoint in routes.endpoints:
            url = endpoint.url(routes.pk)
            public = endpoint.path in PUBLIC or endpoint.path.startswith("/static")
            for method in METHODS:
                got = request(client, method, url, routes.form(endpoint, token))
                answers += 1
                where = f"{method} {url}"
                assert got.status_code < 500, where
                if public and method in endpoint.methods and method != "POST":
                    assert got.status_code == 200, where
                elif public and method in endpoint.methods:
                    assert got.status_code == 401, where  # a sign-in with no name: refused
                elif public:
                    assert got.status_code in (303, 405), where
                else:
                    assert got.status_code == 303, where
                    assert got.headers["location"].startswith("/login?next="), where
    assert answers == len(routes.endpoints) * len(METHODS)
    assert not [e for e in routes.audit() if SENDER in (e["target"] or "")]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_what_it_may_and_no_more(routes, role):
    before = len(routes.audit())
    done_posts = 0
    with routes.site.server.login(*routes.site.users[role]) as client:
        token = routes.site.server.csrf_of(client.get("/").text)
        for endpoint in sorted(routes.endpoints, key=lambda e: e.path == "/logout"):
            url = endpoint.url(routes.pk)
            # /logout's POST last of all: it ends the session the other requests use.
            for method in sorted(METHODS, key=lambda m: m in endpoint.methods & STATE_CHANGING):
                got = request(client, method, url, routes.form(endpoint, token))
                where = f"{role}: {method} {url}"
                assert got.status_code < 500, where
                if method not in endpoint.methods:
                    assert got.status_code == 405, where
                    continue
                if endpoint.path == "/login":
                    if method == "POST":
                        assert got.status_code == 401, where  # no password in the form
                    else:
                        assert got.status_code in (200, 303), where  # signed in: sent on
                    continue
                refused = endpoint.path in ADMIN_ONLY and role != "admin"
                if refused:
                    assert got.status_code == 403, where
                    assert "cần vai trò quản trị" in got.text, where
                    continue
                assert got.status_code != 403, where
                assert not got.headers.get("location", "").startswith("/login?"), where
                if method in STATE_CHANGING:
                    assert got.status_code == 303, where
                    done_posts += 1
                elif endpoint.path.endswith("/thumbnail"):
                    assert got.status_code == 404, where  # no ?part=: no image
                else:
                    assert got.status_code == 200, where
        # /logout ran last: the session is over.
        assert client.get("/").status_code == 303
    audit = routes.audit()  # newest first
    assert {e["actor"] for e in audit[: len(audit) - before]} == {
        f"web:{routes.site.users[role][0]}"
    }
    posts = [e for e in routes.endpoints if e.methods & STATE_CHANGING and e.path != "/login"]
    allowed = [e for e in posts if role == "admin" or e.path not in ADMIN_ONLY]
    assert done_posts == len(allowed)


CROSS_SITE = {
    "origin-other-host": lambda base: {"origin": "https://evil.example"},
    "origin-other-port": lambda base: {"origin": re.sub(r":\d+$", ":1", base)},
    "origin-other-scheme": lambda base: {"origin": base.replace("http://", "https://")},
    "origin-localhost-alias": lambda base: {"origin": base.replace("127.0.0.1", "localhost")},
    "origin-suffix-host": lambda base: {
        "origin": base.replace("127.0.0.1", "127.0.0.1.evil.example")
    },
    "origin-null": lambda base: {"origin": "null"},
    "origin-empty": lambda base: {"origin": ""},
    "origin-foreign-referer-same": lambda base: {
        "origin": "https://evil.example",
        "referer": f"{base}/",
    },
    "no-origin-foreign-referer": lambda base: {"referer": "https://evil.example/form.html"},
    "no-origin-referer-other-port": lambda base: {"referer": re.sub(r":\d+$", ":1", base) + "/x"},
    "no-origin-referer-userinfo": lambda base: {
        "referer": base.replace("127.0.0.1", "127.0.0.1@evil.example.org") + "/"
    },
    "no-origin-referer-garbage": lambda base: {"referer": "http://[::1"},
    "sec-fetch-cross-site": lambda base: {"sec-fetch-site": "cross-site"},
    "sec-fetch-same-site": lambda base: {"sec-fetch-site": "same-site"},
}


def test_every_state_changing_route_refuses_bad_tokens_and_other_sites(routes):
    before = len(routes.audit())
    site = routes.site
    base = site.server.url
    posts = [e for e in routes.endpoints if e.methods & STATE_CHANGING]
    assert posts
    refusals = 0
    with site.server.login(*site.users["editor"]) as other:
        borrowed = site.server.csrf_of(other.get("/").text)  # another session's live token
    with site.server.login(*site.users["admin"]) as client:
        token = site.server.csrf_of(client.get("/").text)
        assert token != borrowed
        for endpoint in posts:
            url = endpoint.url(routes.pk)
            for method in sorted(endpoint.methods & STATE_CHANGING):
                for name, bad in (("missing", None), ("invalid", "forged"), ("borrowed", borrowed)):
                    got = request(client, method, url, routes.form(endpoint, bad))
                    where = f"{method} {url} with a {name} token"
                    assert got.status_code == 403, where
                    assert "Biểu mẫu đã hết hạn" in got.text, where
                    refusals += 1
                for name, headers in CROSS_SITE.items():
                    got = client.request(
                        method, url, headers=headers(base), data=routes.form(endpoint, token)
                    )
                    where = f"{method} {url} sent by another site ({name})"
                    assert got.status_code == 403, where
                    assert "đến từ một trang khác" in got.text, where
                    refusals += 1
        assert client.get("/").status_code == 200  # none of it signed the admin out
    assert refusals == sum(len(e.methods & STATE_CHANGING) for e in posts) * (3 + len(CROSS_SITE))
    assert len(routes.audit()) == before  # nothing changed


def test_sign_in_replaces_the_session_cookie_and_a_planted_one_stays_signed_out(routes):
    site = routes.site
    name, password = site.users["editor"]
    with site.server.client() as victim:
        token = site.server.csrf_of(victim.get("/login").text)
        planted = victim.cookies["tinbai_session"]  # what an attacker could have set beforehand
        done = victim.post(
            "/login", data={"csrf_token": token, "username": name, "password": password}
        )
        assert done.status_code == 303
        cookie = done.headers["set-cookie"].lower()
        assert ("httponly" in cookie, "samesite=lax" in cookie, "path=/" in cookie) == (
            True,
            True,
            True,
        )
        signed_in = victim.cookies["tinbai_session"]
        assert signed_in != planted
        assert victim.get("/").status_code == 200
        stale = site.server.csrf_of(victim.get("/").text)
        assert stale != token  # a fresh CSRF token with the fresh session
    with site.server.client() as attacker:
        attacker.cookies.set("tinbai_session", planted)
        assert attacker.get("/").status_code == 303


def test_a_long_refused_value_keeps_the_session_cookie_under_4_kb(routes):
    """Browsers drop a cookie over 4 KB silently, and the note (flash) in it with it."""
    site = routes.site
    with site.server.login(*site.users["admin"]) as client:
        token = site.server.csrf_of(client.get("/senders").text)
        for n in range(8):
            data = {"csrf_token": token, "sender": f"{n}" + "ư" * 6000, "unit": "tuan-giao"}
            refused = client.post("/senders/assign", data=data)
            assert refused.status_code == 303
            assert len(refused.headers["set-cookie"]) < 4096
        notes = re.findall(r'<p class="flash error"[^>]*>([^<]*)</p>', client.get("/senders").text)
        assert notes
        assert notes[-1].startswith("&#39;7ưưư")
        assert notes[-1].endswith(" characters)")
