"""Hostile requests to the real `tinbai serve`: numbers too big for the id column, forged log lines."""

from __future__ import annotations

import pytest

from tinbai.web.security import LOGGED_MAX, loggable

HUGE = "99999999999999999999999"  # beyond any integer column: OverflowError once, a 500
FORGED = "tinbai: WARNING: web: an signed in from 192.0.2.66"


@pytest.fixture(scope="module")
def stopped_site(start_site, tmp_path_factory):
    """A server that has done the hostile requests below and stopped, so its log is whole."""
    with (
        start_site(tmp_path_factory.mktemp("hostile")) as site,
        site.server.login(*site.users["admin"]) as client,
    ):
        token = site.server.csrf_of(client.get("/").text)
        site.answers = {
            "get": client.get(f"/submissions/{HUGE}").status_code,
            "get 2**31": client.get(f"/submissions/{2**31}").status_code,
            "reclassify": client.post(
                f"/submissions/{HUGE}/reclassify",
                data={"csrf_token": token, "news": "1", "article": "0", "photo": "0"},
            ).status_code,
            "clear": client.post(
                f"/submissions/{HUGE}/clear", data={"csrf_token": token}
            ).status_code,
            "as_of": client.get("/", params={"as_of": f"x\n{FORGED}"}).status_code,
            "since": client.get(
                "/submissions", params={"since": f"y\r\n{FORGED}\u2028{FORGED}"}
            ).status_code,
        }
    return site


def test_an_id_too_big_for_the_database_is_404_on_every_route(stopped_site):
    assert stopped_site.answers == {
        "get": 404,
        "get 2**31": 404,
        "reclassify": 404,
        "clear": 404,
        "as_of": 400,
        "since": 400,
    }
    assert "OverflowError" not in stopped_site.server.log
    assert "Traceback" not in stopped_site.server.log


def test_a_newline_in_a_query_value_forges_no_log_line(stopped_site):
    lines = stopped_site.server.log.splitlines()
    assert not [line for line in lines if line.startswith(FORGED)]
    assert any(f"x\\n{FORGED}" in line for line in lines)  # logged, escaped, on its own line
    assert any(f"y\\r\\n{FORGED}\\u2028{FORGED}" in line for line in lines)


@pytest.mark.parametrize(
    ("value", "logged"),
    [
        ("plain Hội nghị", "plain Hội nghị"),
        ("a\nb", "a\\nb"),
        ("a\r\nb", "a\\r\\nb"),
        ("tab\there", "tab\\there"),
        ("esc\x1b[31m", "esc\\x1b[31m"),
        ("nul\x00", "nul\\x00"),
        ("c1\x85", "c1\\x85"),
        ("line\u2028sep", "line\\u2028sep"),
        ("bidi\u202egnp.exe", "bidi\\u202egnp.exe"),
    ],
    ids=["vietnamese-kept", "lf", "crlf", "tab", "ansi", "nul", "nel", "u2028", "rlo"],
)
def test_loggable_escapes_what_could_break_or_disguise_a_log_line(value, logged):
    assert loggable(value) == logged


def test_loggable_bounds_a_long_value():
    assert loggable("x" * 100_000) == "x" * LOGGED_MAX + "… (100000 characters)"
