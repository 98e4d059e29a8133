"""The web admin's guards, over HTTP against the real `tinbai serve` on 127.0.0.1."""

from __future__ import annotations

import json

import pytest

PAGES = [
    "/",
    "/senders",
    "/unknown",
    "/submissions",
    "/submissions/1",
    "/audit",
    "/senders.csv",
    "/chart.png?scope=plan",
    "/no-such-page",
]
POSTS = [
    "/senders/assign",
    "/senders/remove",
    "/senders/import",
    "/submissions/1/reclassify",
    "/logout",
]


def mapped(site, needle: str) -> list[dict[str, str]]:
    return json.loads(site.tinbai("senders", "list", "--search", needle, "--format", "json").stdout)


def test_every_page_redirects_to_login_when_not_signed_in(site):
    with site.server.client() as client:
        for path in PAGES:
            got = client.get(path)
            assert got.status_code == 303, path
            assert got.headers["location"].startswith("/login?next="), path
        for path in POSTS:
            got = client.post(path, data={"sender": "anon@example.net", "unit": "tuan-giao"})
            assert (got.status_code, got.headers["location"].split("?")[0]) == (303, "/login"), path
        assert client.get("/login").status_code == 200
    assert mapped(site, "anon@") == []


def test_session_cookie_is_httponly_and_samesite_and_secure_behind_https(site):
    name, password = site.users["admin"]
    with site.server.client() as client:
        token = site.server.csrf_of(client.get("/login").text)
        done = client.post(
            "/login", data={"csrf_token": token, "username": name, "password": password}
        )
        cookie = done.headers["set-cookie"].lower()
        assert "httponly" in cookie
        assert "samesite=lax" in cookie
        assert "secure" not in cookie  # plain HTTP on loopback
    with site.server.client() as client:
        https = {"x-forwarded-proto": "https"}  # a TLS proxy on 127.0.0.1, trusted by default
        token = site.server.csrf_of(client.get("/login", headers=https).text)
        done = client.post(
            "/login",
            headers=https,
            data={"csrf_token": token, "username": name, "password": password},
        )
        assert "; secure" in done.headers["set-cookie"].lower()


def test_a_post_without_a_valid_csrf_token_is_refused(site):
    with site.server.login(*site.users["admin"]) as client:
        for token in (None, "forged"):
            data = {"sender": "csrf@example.net", "unit": "tuan-giao"} | (
                {"csrf_token": token} if token else {}
            )
            got = client.post("/senders/assign", data=data)
            assert got.status_code == 403
            assert "Biểu mẫu đã hết hạn" in got.text
    assert mapped(site, "csrf@") == []
    with site.server.client() as anonymous:
        anonymous.get("/login")
        refused = anonymous.post(
            "/login", data={"username": site.users["admin"][0], "password": site.users["admin"][1]}
        )
        assert refused.status_code == 403


def test_an_editor_cannot_change_a_mapping_but_can_reclassify(site, news):
    site.ingest(news("editor-case@example.net", subject="[Tin] Việc của biên tập"))
    pk = site.message_id("[Tin] Việc của biên tập")
    with site.server.login(*site.users["editor"]) as client:
        page = client.get("/senders").text
        token = site.server.csrf_of(page)
        assert 'action="/senders/assign"' not in page
        assert 'action="/senders/remove"' not in page
        for path in ("/senders/assign", "/senders/remove"):
            got = client.post(
                path,
                data={
                    "csrf_token": token,
                    "sender": "editor-case@example.net",
                    "unit": "tuan-giao",
                },
            )
            assert got.status_code == 403, path
            assert "cần vai trò quản trị" in got.text
        files = {"file": ("s.csv", b"sender,unit\neditor-case@example.net,tuan-giao\n", "text/csv")}
        assert (
            client.post("/senders/import", data={"csrf_token": token}, files=files).status_code
            == 403
        )
        assert mapped(site, "editor-case@") == []

        data = {"csrf_token": token, "news": "2", "article": "0", "photo": "0"}
        done = client.post(f"/submissions/{pk}/reclassify", data=data)
        assert (done.status_code, done.headers["location"]) == (303, f"/submissions/{pk}")
    entry = json.loads(site.tinbai("audit", "--format", "json").stdout)[0]
    assert (entry["actor"], entry["action"], entry["new"]) == (
        "web:binh",
        "reclassify",
        "news 2, article 0, photo 0",
    )


def test_a_script_in_a_subject_is_shown_as_text(site, news):
    site.ingest(news("xss@example.net", subject="[Tin] <script>alert('xss')</script> Hội nghị"))
    pk = site.message_id("[Tin] <script>alert('xss')</script> Hội nghị")
    with site.server.login(*site.users["admin"]) as client:
        for path in ("/unknown", "/submissions", f"/submissions/{pk}"):
            html = client.get(path).text
            assert "<script>alert" not in html, path
            assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in html, path


def test_a_redirect_after_sign_in_stays_on_this_site(site):
    name, password = site.users["admin"]
    with site.server.client() as client:
        token = site.server.csrf_of(client.get("/login").text)
        data = {
            "csrf_token": token,
            "username": name,
            "password": password,
            "next": "//evil.example/",
        }
        assert client.post("/login", data=data).headers["location"] == "/"


def test_missing_pages_and_bad_filters_are_pages_not_tracebacks(site):
    with site.server.login(*site.users["admin"]) as client:
        for path in ("/submissions/999999", "/no-such-page"):
            got = client.get(path)
            assert got.status_code == 404, path
            assert "Không tìm thấy trang này" in got.text
        bad = client.get("/submissions?since=15/05/2020")
        assert bad.status_code == 400
        assert "Ngày không hợp lệ: 15/05/2020" in bad.text
        assert client.post("/submissions/1/reclassify", data={"csrf_token": "x"}).status_code == 403


def test_sign_in_is_rate_limited_per_client_address_and_name(site):
    # The client address comes from X-Forwarded-For, trusted from a proxy on 127.0.0.1: the
    # other tests, signing in from 127.0.0.1 itself, are not locked out by this one.
    # tests/admin/test_web_lockout.py moves the clock through the window.
    name, password = site.users["admin"]
    guesser = {"x-forwarded-for": "203.0.113.9"}
    with site.server.client() as client:
        token = site.server.csrf_of(client.get("/login").text)
        for _ in range(5):
            data = {"csrf_token": token, "username": name, "password": "guess"}
            got = client.post("/login", headers=guesser, data=data)
            assert got.status_code == 401
            assert "Sai tên đăng nhập hoặc mật khẩu" in got.text
        data = {"csrf_token": token, "username": name, "password": password}
        limited = client.post("/login", headers=guesser, data=data)
        assert limited.status_code == 429
        assert "Vui lòng thử lại sau 15 phút" in limited.text
        elsewhere = {"x-forwarded-for": "198.51.100.7"}
        assert client.post("/login", headers=elsewhere, data=data).status_code == 303  # the owner


@pytest.mark.parametrize("role", ["admin", "editor"])
def test_sign_out_ends_the_session_and_any_copy_of_its_cookie(site, role):
    with site.server.login(*site.users[role]) as client:
        token = site.server.csrf_of(client.get("/").text)
        stolen = dict(client.cookies)
        assert client.post("/logout", data={"csrf_token": token}).headers["location"] == "/login"
        assert client.get("/").status_code == 303
    with site.server.client() as replay:
        replay.cookies.update(stolen)
        assert replay.get("/").status_code == 303


CROSS_SITE = [
    {"origin": "https://evil.example"},
    {"origin": "null"},  # a sandboxed frame or a data: URL
    {"origin": "http://127.0.0.1:1"},  # another port is another origin
    {"referer": "https://evil.example/form.html"},  # no Origin: the Referer decides
    {"sec-fetch-site": "cross-site"},
]


@pytest.mark.parametrize(
    "headers", CROSS_SITE, ids=["origin-other", "origin-null", "origin-port", "referer", "fetch"]
)
def test_a_post_another_site_sent_is_refused_even_with_a_valid_token(site, headers):
    with site.server.login(*site.users["admin"]) as client:
        token = site.server.csrf_of(client.get("/senders").text)
        data = {"csrf_token": token, "sender": "cross@example.net", "unit": "tuan-giao"}
        got = client.post("/senders/assign", headers=headers, data=data)
        assert got.status_code == 403
        assert "đến từ một trang khác" in got.text
        assert got.headers["x-frame-options"] == "DENY"
        for path in POSTS:
            assert client.post(path, headers=headers, data=data).status_code == 403, path
        assert client.get("/senders").status_code == 200  # the session is still signed in
    assert mapped(site, "cross@") == []
    with site.server.client() as anonymous:
        token = site.server.csrf_of(anonymous.get("/login").text)
        name, password = site.users["admin"]
        data = {"csrf_token": token, "username": name, "password": password}
        assert anonymous.post("/login", headers=headers, data=data).status_code == 403


def test_a_post_from_this_site_or_without_origin_passes_with_its_token_only(site):
    with site.server.login(*site.users["admin"]) as client:
        token = site.server.csrf_of(client.get("/senders").text)
        here = {"origin": site.server.url, "referer": f"{site.server.url}/senders"}
        missing: dict[str, str] = {}
        for n, headers in enumerate((here, {"referer": f"{site.server.url}/x"}, missing)):
            data = {"sender": f"same-{n}@example.net", "unit": "tuan-giao"}
            done = client.post(
                "/senders/assign", headers=headers, data=data | {"csrf_token": token}
            )
            assert done.status_code == 303, headers
            assert client.post("/senders/assign", headers=headers, data=data).status_code == 403
            forged = data | {"csrf_token": "forged", "sender": f"forged-{n}@example.net"}
            assert client.post("/senders/assign", headers=headers, data=forged).status_code == 403
    assert [r["sender"] for r in mapped(site, "same-")] == [
        "same-0@example.net",
        "same-1@example.net",
        "same-2@example.net",
    ]
    assert mapped(site, "forged-") == []
