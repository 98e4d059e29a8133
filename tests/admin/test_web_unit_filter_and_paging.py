"""One unit's submissions asked of the database, and the senders page fifty at a time (issue 13).

`/submissions?unit=X` used to read the newest 100,000 messages and keep X's in Python;
it now asks the database for the mail of the patterns that can send for X, and still
decides each row's unit as before. The mail below holds every way a message finds its
unit, and the page must show exactly what the Python filter shows, on SQLite and on
PostgreSQL, over HTTP against the real server. `/senders` lists thousands of mappings
in a federation: fifty a page, in the order of the whole list.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from admin.test_cli_senders import senders_csv

from store import submissions as q
from store.mappings import load_periods
from tinbai import admin
from tinbai.app import App

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
MOVED_ON = "2020-05-10"  # the `--from` day of the moves below

# `tinbai senders add PATTERN UNIT`, as an admin types them, in this order.
MAPPINGS = (
    ("Chinh.Xac@Don-Vi.example.org", "tuan-giao"),  # an address, typed in mixed case
    ("@mien-chung.example.org", "tuan-giao"),  # a domain
    ("khac@mien-chung.example.org", "muong-lay"),  # an address of that domain, elsewhere
    ("chuyen@don-vi.example.org", "muong-cha"),  # moved --from MOVED_ON, below
    ("@mien-chuyen.example.org", "muong-cha"),  # a domain moved --from MOVED_ON
    ("muonglay@example.org", "tuan-giao"),  # the database over the config's seed (muong-lay)
)
MOVES = (("chuyen@don-vi.example.org", "tuan-giao"), ("@mien-chuyen.example.org", "tuan-giao"))

# (From, day of May 2020, the unit it counts for): the same day never twice, so the order
# newest first is the days'. khac@ sends the newest mail of tuan-giao's domain, for another
# unit: the first rows the database gives for tuan-giao are not its.
MAIL = (
    ("Chinh.Xac@Don-Vi.Example.ORG", 2, "tuan-giao"),
    ("chinh.xac@don-vi.example.org", 3, "tuan-giao"),
    ("Ai.Do@Mien-Chung.example.org", 4, "tuan-giao"),
    ("TuanGiao@Example.org", 5, "tuan-giao"),  # the config's seed
    ("to.chuc@dienluc.example.org", 6, "cdcs-dien-luc"),  # the config's domain seed
    ("muonglay@example.org", 7, "tuan-giao"),
    ("chuyen@don-vi.example.org", 8, "muong-cha"),  # before the move
    ("ban@mien-chuyen.example.org", 9, "muong-cha"),  # before the domain's move
    ("la@noi-khac.example.net", 10, None),  # no unit
    ("chuyen@don-vi.example.org", 11, "tuan-giao"),
    ("Ban@Mien-Chuyen.example.org", 12, "tuan-giao"),
    ("ai.do@mien-chung.example.org", 13, "tuan-giao"),
    ("khac@mien-chung.example.org", 14, "muong-lay"),
    ("Khac@Mien-Chung.example.org", 15, "muong-lay"),
    ("khac@mien-chung.example.org", 16, "muong-lay"),
    ("khac@mien-chung.example.org", 17, "muong-lay"),
    ("tochuc@example.org", 18, "to-chuc"),  # another seed
)
UNITS = ("tuan-giao", "muong-lay", "muong-cha", "cdcs-dien-luc", "to-chuc", "nam-po")


def subject(n: int) -> str:
    return f"[Tin] Đơn vị lọc số {n}"


def shown_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-id="(\d+)">', html)]


def todays_filter(app: App, unit_id: str, limit: int) -> list[int]:
    """`admin.submissions` for one unit before issue 13: the newest 100,000 read, kept in Python."""
    rows = q.list_submissions(app.store.session, limit=100_000)
    mapping = app.sender_map()
    with app.store.session() as s:
        periods = load_periods(s)
    kept = [
        r.id
        for r in rows
        if (periods.unit_at(r.sender, r.received_at) or mapping.unit_for(r.sender)) == unit_id
    ]
    return kept[:limit]


@pytest.fixture(params=["sqlite", "postgresql"])
def unit_site(
    request: pytest.FixtureRequest, start_site: Any, news: Any, tmp_path: Path
) -> Iterator[tuple[Any, App]]:
    """A server on a fresh database of the given kind, holding MAPPINGS, MOVES and MAIL."""
    url = None if request.param == "sqlite" else request.getfixturevalue("postgres_db")

    def edit(text: str) -> str:
        return text if url is None else text.replace('"sqlite:///tinbai.db"', json.dumps(url))

    with start_site(tmp_path, edit) as site:
        for pattern, unit_id in MAPPINGS:
            site.tinbai("senders", "add", pattern, unit_id)
        for pattern, unit_id in MOVES:
            site.tinbai("senders", "add", pattern, unit_id, "--from", MOVED_ON)
        site.ingest(
            *(
                news(sender, subject(n)) | {"date": datetime(2020, 5, day, 9, tzinfo=HANOI)}
                for n, (sender, day, _) in enumerate(MAIL)
            )
        )
        app = App(site.tinbai.config)
        try:
            yield site, app
        finally:
            app.close()


def test_one_units_submissions_are_what_the_python_filter_shows(unit_site):
    site, app = unit_site
    pk = {r.subject: r.id for r in q.list_submissions(app.store.session)}
    assert len(pk) == len(MAIL)
    assert {r.sender for r in q.list_submissions(app.store.session)} == {
        sender.lower() for sender, _, _ in MAIL
    }  # the ingest stores addresses lower case, which the database's IN compares
    with site.server.login(*site.users["editor"]) as client:
        for unit_id in UNITS:
            expected = [
                pk[subject(n)] for n, m in reversed(list(enumerate(MAIL))) if m[2] == unit_id
            ]
            assert todays_filter(app, unit_id, 300) == expected, unit_id
            assert shown_ids(client.get(f"/submissions?unit={unit_id}").text) == expected, unit_id
            # A page shorter than the rows the database gives first: more are read.
            for limit in (1, 2, 3, 5):
                found = admin.submissions(app, unit_id=unit_id, limit=limit)
                assert [s.row.id for s in found] == expected[:limit], (unit_id, limit)
                assert {s.unit_id for s in found} <= {unit_id}
        # The other filters still apply with a unit.
        since = client.get("/submissions?unit=tuan-giao&since=2020-05-12").text
        assert shown_ids(since) == [pk[subject(11)], pk[subject(10)]]
    assert [s.row.id for s in admin.submissions(app, status="counted", limit=3)] == sorted(
        pk.values(), reverse=True
    )[:3]  # without a unit: the newest, whoever sent them


# --------------------------------------------------------------------------- /senders


PAGED = [(f"nguoi-gui-{i:03d}@phan-trang.example.org", "nam-po") for i in range(130)]


def listed(site: Any, needle: str = "") -> list[str]:
    """The patterns `tinbai senders list` prints, in its order: the whole list."""
    rows = json.loads(site.tinbai("senders", "list", "--search", needle, "--format", "json").stdout)
    return [r["sender"] for r in rows]


def shown_patterns(html: str) -> list[str]:
    return re.findall(r'<tr data-sender="([^"]+)">', html)


@pytest.fixture(scope="module")
def paged_site(fresh_site: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The shipped config's 24 seeds and 130 mappings from a CSV: 154, four pages."""
    path = tmp_path_factory.mktemp("paging") / "phan-trang.csv"
    path.write_text(senders_csv(PAGED), encoding="utf-8")
    fresh_site.tinbai("senders", "import", path)
    return fresh_site


def test_senders_come_fifty_a_page_in_the_order_of_the_whole_list(paged_site):
    site = paged_site
    whole = listed(site)
    assert len(whole) == 154
    with site.server.login(*site.users["editor"]) as client:
        pages = [client.get(f"/senders?page={n}").text for n in (1, 2, 3, 4)]
        assert [shown_patterns(p) for p in pages] == [
            whole[:50],
            whole[50:100],
            whole[100:150],
            whole[150:],
        ]
        assert shown_patterns(client.get("/senders").text) == whole[:50]
        assert "154 địa chỉ, tên miền đã gán đơn vị · trang 2/4" in pages[1]
        assert 'href="/senders?page=1" rel="prev"' in pages[1]
        assert 'href="/senders?page=3" rel="next"' in pages[1]
        assert 'rel="prev"' not in pages[0]
        assert 'rel="next"' not in pages[3]

        past = client.get("/senders?page=99").text  # past the end: the last page
        assert shown_patterns(past) == whole[150:]
        assert "trang 4/4" in past
        assert shown_patterns(client.get("/senders?page=x").text) == whole[:50]


def test_a_search_is_kept_from_page_to_page(paged_site):
    site = paged_site
    found = listed(site, "Phan-Trang")
    assert len(found) == 130
    with site.server.login(*site.users["editor"]) as client:
        second = client.get("/senders?q=Phan-Trang&page=2").text
        assert shown_patterns(second) == found[50:100]
        assert "130 địa chỉ, tên miền đã gán đơn vị · trang 2/3" in second
        assert 'value="Phan-Trang"' in second  # still in the search box
        assert 'href="/senders?q=Phan-Trang&amp;page=1" rel="prev"' in second
        assert 'href="/senders?q=Phan-Trang&amp;page=3" rel="next"' in second
        last = client.get("/senders?q=Phan-Trang&page=9").text
        assert shown_patterns(last) == found[100:]
        one = client.get("/senders?q=tuangiao").text
        assert shown_patterns(one) == ["tuangiao@example.org"]
        assert "1 địa chỉ, tên miền đã gán đơn vị</p>" in one  # one page: no pager
        assert 'class="pages"' not in one


def test_a_change_made_on_a_page_comes_back_to_it(paged_site):
    site = paged_site
    with site.server.login(*site.users["admin"]) as client:
        second = client.get("/senders?q=phan-trang&page=2").text
        here = "/senders?q=phan-trang&page=2"
        assert second.count(f'name="next" value="{here.replace("&", "&amp;")}"') == 100
        token = site.server.csrf_of(second)
        moved = shown_patterns(second)[0]
        form = {"csrf_token": token, "sender": moved, "unit": "tua-chua", "next": here}
        done = client.post("/senders/assign", data=form)
        assert done.headers["location"] == here
        back = client.get(here).text
        assert f"Đã chuyển {moved}" in back.split('<p class="flash', 1)[1].split("</p>")[0]
        assert shown_patterns(back)[0] == moved  # the same place in the list, its new unit

        third = client.get("/senders?page=3").text
        assert 'name="next" value="/senders?page=3"' in third
        gone = shown_patterns(third)[0]
        form = {"csrf_token": token, "sender": gone, "next": "/senders?page=3"}
        assert client.post("/senders/remove", data=form).headers["location"] == "/senders?page=3"
        assert gone not in listed(site)
        # A form with no page to return to, or another site's address: the first page.
        form = {"csrf_token": token, "sender": moved, "unit": "nam-po"}
        assert client.post("/senders/assign", data=form).headers["location"] == "/senders"
        evil = form | {"next": "//evil.example.com/senders?page=2"}
        assert client.post("/senders/assign", data=evil).headers["location"] == "/senders"
