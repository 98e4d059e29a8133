"""The unknown senders' page, fifty at a time, over HTTP against the real server (issue 13).

A federation's plan can hold thousands of senders no unit claims yet; each has its own
form with every unit to choose from, so the page shows fifty, most messages first.
"""

from __future__ import annotations

import re

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
