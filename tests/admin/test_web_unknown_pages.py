"""The unknown senders' page, fifty at a time, over HTTP against the real server (issue 13).

A federation's plan can hold thousands of senders no unit claims yet; each has its own
form with every unit to choose from, so the page shows fifty, most messages first.
"""

from __future__ import annotations

import re
import warnings
from datetime import UTC, datetime

from scale_data import Scale, seed, write_config

from store.users import add_user
from tinbai.app import App
from tinbai.web.site import create_app

with warnings.catch_warnings():  # starlette asks for httpx2; httpx is what the project has
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

DOMAIN = "trang-case.example.org"  # no unit's colleagues send from here


def shown(html: str) -> list[str]:
    return re.findall(rf'data-sender="([^"]+@{re.escape(DOMAIN)})"', html)


def test_unknown_senders_come_fifty_a_page_most_messages_first(fresh_site, news):
    site = fresh_site
    strangers = [f"la{i:02d}@{DOMAIN}" for i in range(55)]
    site.ingest(
        *(news(a, subject=f"[Tin] Tin số {i}", seed=i) for i, a in enumerate(strangers)),
        news(strangers[54], subject="[Tin] Tin thêm", seed=99),
    )
    with site.server.login(*site.users["editor"]) as client:
        first = client.get("/unknown").text
        assert "55 người gửi chưa gán đơn vị · trang 1/2" in first
        assert shown(first)[0] == strangers[54]  # two messages: first
        assert shown(first)[1:] == strangers[:49]  # then by address
        assert 'href="/unknown?page=2" rel="next"' in first
        assert 'rel="prev"' not in first

        second = client.get("/unknown?page=2").text
        assert shown(second) == strangers[49:54]
        assert 'href="/unknown?page=1" rel="prev"' in second
        assert 'rel="next"' not in second

        assert shown(client.get("/unknown?page=99").text) == shown(second)  # the last page
        assert shown(client.get("/unknown?page=x").text) == shown(first)


def test_a_federation_picks_the_unit_from_one_list_per_page(tmp_path):
    """With thousands of units a <select> of every unit in each of fifty forms is megabytes:
    past 200 units each form has a text box tied to the page's one <datalist> of units."""
    scale = Scale(units=250, groups=10, plans=8, messages=2000, items=6000, unknown=100)
    url = f"sqlite:///{tmp_path / 'federation.db'}"
    seed(url, scale)
    app = App(write_config(tmp_path, scale, url))
    app.now = lambda: datetime(2025, 12, 31, 12, tzinfo=UTC)  # type: ignore[method-assign]
    add_user(
        app.store.session, "chief", "federation-password", "admin", actor="test", now=app.now()
    )
    try:
        with TestClient(create_app(app, secret="federation-secret-" + "x" * 32)) as client:
            token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
            assert token
            login = {"csrf_token": token.group(1), "username": "chief"}
            client.post("/login", data=login | {"password": "federation-password"})
            html = client.get("/unknown").text
            assert html.count('<datalist id="unit-ids">') == 1
            assert len(re.findall(r'<option value="u\d{5}">', html)) == 250
            assert '<select name="unit"' not in html
            forms = re.findall(r'<input name="unit" list="unit-ids"', html)
            strangers = re.findall(r'data-sender="([^"]+)"', html)
            assert len(forms) == len(strangers) > 10  # one box each, one list for all
            stranger = strangers[0]

            csrf = re.search(r'name="csrf_token" value="([^"]+)"', html)
            assert csrf
            form = {"csrf_token": csrf.group(1), "sender": stranger, "unit": "u00007"}
            assert client.post("/senders/assign", data=form).status_code == 200
            assert stranger not in client.get("/unknown").text
            assert app.sender_map().unit_for(stranger) == "u00007"
    finally:
        app.close()
