"""Possible spoofing (issue 12, part 6) as the editor reads it on the real server's pages."""

from __future__ import annotations

import html
import re

LABEL = "Có thể người gửi bị giả mạo"
DMARC_FAIL = "mx.google.com; dmarc=fail (p=NONE sp=NONE dis=NONE) header.from=example.org"


def _row(page: str, message_pk: int) -> str:
    found = re.search(rf'<tr data-id="{message_pk}">(.*?)</tr>', page, re.S)
    assert found, f"no row for #{message_pk}"
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1)))


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_the_review_pages_say_possible_spoofing_in_vietnamese(site):
    forged = "[Tin] Thư xác thực thất bại (web spoofed)"
    two_senders = "[Tin] Hai người gửi (web spoofed)"
    short = "Thư ngắn cần xem lại (web spoofed)"
    site.ingest(
        {"subject": forged, "headers": [("Authentication-Results", DMARC_FAIL)]},
        {"sender": "tuangiao@example.org, a@malicious.example.org", "subject": two_senders},
        {"subject": short, "body": "Xin chào."},  # nothing to count: review, not spoofing
    )
    ids = {subject: site.message_id(subject) for subject in (forged, two_senders, short)}
    with site.server.login(*site.users["editor"]) as client:
        listed = client.get("/submissions", params={"status": "needs-review"}).text
        assert LABEL in _row(listed, ids[forged])
        assert LABEL in _row(listed, ids[two_senders])
        assert "cần xem lại" in _row(listed, ids[short])
        assert LABEL not in _row(listed, ids[short])

        page = _text(client.get(f"/submissions/{ids[forged]}").text)
        assert f"cần xem lại ({LABEL}) — máy chủ nhận thư báo dmarc=fail" in page
        page = _text(client.get(f"/submissions/{ids[two_senders]}").text)
        assert f"({LABEL}) — trường From có thể hiểu theo nhiều cách" in page


def test_submissions_show_says_possible_spoofing_too(site):
    subject = "[Tin] Hai người gửi (cli spoofed)"
    site.ingest({"sender": "tuangiao@example.org, a@malicious.example.org", "subject": subject})
    shown = site.tinbai("submissions", "show", str(site.message_id(subject))).stdout
    assert f"— {LABEL}: trường From có thể hiểu theo nhiều cách" in shown
