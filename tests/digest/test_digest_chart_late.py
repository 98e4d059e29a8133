"""The digest's progress chart as an email client meets it, and mail that arrived late.

The chart test reads the `.eml` the way a mail client does (the HTML's ``cid:`` resolves to
the PNG part beside it), then opens it in Chromium with the cid swapped for a data: URL, as
Gmail and Outlook do with the part. Its screenshot lands in
tests/screenshots/digest/ for a person to look at.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
from digestkit import SCREENSHOTS, InProcess, use_smtp
from figures import check_figures
from mailkit import build_message

from tinbai.app import App
from tinbai.digest_job import send_scheduled_digest

pytestmark = pytest.mark.integration

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass
class ClockedApp(App):
    """The real App, with the clock it is given: time is injected, not mocked."""

    at: datetime = datetime(2020, 5, 18, 7, 30, tzinfo=HANOI)

    def now(self) -> datetime:
        return self.at.astimezone(UTC)


def parts(msg: EmailMessage) -> list[str]:
    """The MIME tree as "depth:type" lines, in order."""
    out: list[str] = []

    def walk(part: EmailMessage, depth: int) -> None:
        out.append(f"{depth}:{part.get_content_type()}")
        if part.is_multipart():
            for child in part.iter_parts():
                walk(child, depth + 1)  # type: ignore[arg-type]

    walk(msg, 0)
    return out


def test_the_digest_eml_carries_the_chart_by_cid_and_its_numbers_in_text(
    run, quarter, tmp_path, browser
):
    out = tmp_path / "digest.eml"
    run("digest", "--preview", out, "--as-of", "2020-05-17")
    report = json.loads(run("report", "--format", "json", "--as-of", "2020-05-17"))
    msg = message_from_bytes(out.read_bytes(), policy=policy.default)
    assert parts(msg) == [
        "0:multipart/mixed",
        "1:multipart/alternative",
        "2:text/plain",
        "2:multipart/related",
        "3:text/html",
        "3:image/png",
        "1:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ]
    html = msg.get_body(("html",)).get_content()
    [cid] = re.findall(r'src="cid:([^"]+)"', html)
    [image] = [p for p in msg.walk() if p.get("Content-ID") == f"<{cid}>"]
    png = image.get_content()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert image.get_content_disposition() == "inline"
    # For a client that blocks images: the numbers in the HTML table and in the text part.
    figures = dict(check_figures(html, report))
    last = len(report["weeks"]) - 1
    week = report["weeks"][last]
    assert week["number"] == 20
    assert (
        figures[f"weeks.{last}.news"] == f"{week['counts']['news']} / nhịp {week['pace']['news']}"
    )
    assert week["counts"] == {k: report["totals"][k]["count"] for k in week["counts"]}
    text = msg.get_body(("plain",)).get_content()
    assert "== Tiến độ theo tuần" in text
    line = next(s for s in text.splitlines() if s.startswith("- Tuần 20 (11–17/5/2020): "))
    assert f"Tin {week['counts']['news']} / nhịp {week['pace']['news']}" in line
    assert f"Ảnh {week['counts']['photo']} / nhịp {week['pace']['photo']}" in line

    data_url = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    page = browser.new_page(viewport={"width": 720, "height": 900}, device_scale_factor=1)
    try:
        page.set_content(html.replace(f"cid:{cid}", data_url), wait_until="load")
        shown = page.locator("#chart img").evaluate("i => i.complete ? i.naturalWidth : 0")
        assert shown > 0
        box = page.locator("#chart img").bounding_box()
        assert box is not None
        assert box["width"] <= 640
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "digest-chart.png"), full_page=True)
    finally:
        page.close()


def received(day: int, hour: int) -> tuple[str, str]:
    stamp = datetime(2020, 5, day, hour, 0, tzinfo=HANOI).strftime("%a, %d %b %Y %H:%M:%S %z")
    return ("Received", f"from mail.example.org by mx.example.org; {stamp}")


def test_mail_dated_last_week_that_came_after_its_digest_is_listed_as_late(
    quarter, smtp_server, tmp_path
):
    use_smtp(quarter, smtp_server.host, smtp_server.port)
    app = ClockedApp(config_path=quarter)
    try:
        send_scheduled_digest(app)  # Monday 18/5 07:30: the digest of week 20 (11–17/5) goes out
        run = InProcess(quarter)
        mails = {
            "late": (datetime(2020, 5, 17, 21, 0, tzinfo=HANOI), received(18, 9)),
            "before-the-digest": (datetime(2020, 5, 17, 22, 0, tzinfo=HANOI), received(18, 6)),
            "this-week": (datetime(2020, 5, 18, 8, 0, tzinfo=HANOI), received(18, 10)),
        }
        paths = []
        for name, (dated, header) in mails.items():
            path = tmp_path / f"{name}.eml"
            path.write_bytes(
                build_message(
                    sender="tuangiao@example.org",
                    subject=f"[Tin] Hội nghị ({name})",
                    date=dated,
                    headers=[header],
                )
            )
            paths.append(path)
        run("ingest-file", *paths)
        app.at = datetime(2020, 5, 25, 7, 30, tzinfo=HANOI)
        send_scheduled_digest(app)  # the digest of week 21 (18–24/5)
    finally:
        app.close()
    first, second = smtp_server.mailbox.messages()
    assert "tuần 20" in first["Subject"]
    assert "tuần 21" in second["Subject"]
    report = json.loads(run("report", "--format", "json", "--as-of", "2020-05-24"))
    [late] = report["late"]
    assert late["subject"] == "[Tin] Hội nghị (late)"
    assert late["week"] == {"start": "2020-05-11", "end": "2020-05-17"}
    assert late["counts"] == {"news": 1, "article": 0, "photo": 0}
    assert datetime.fromisoformat(late["digest_sent_at"]) == datetime(
        2020, 5, 18, 7, 30, tzinfo=HANOI
    )
    html = second.get_body(("html",)).get_content()
    check_figures(html, report)
    start = html.index('id="late"')
    section = html[start : html.index("</ul>", start)]
    assert "[Tin] Hội nghị (late)" in section
    assert "(before-the-digest)" not in section
    text = second.get_body(("plain",)).get_content()
    block = text[text.index("Thư đến muộn:") :].split("\n\n")[0]
    assert "[Tin] Hội nghị (late)" in block
    assert "đề ngày 17/5/2020, nhận 18/5/2020" in block
    assert "(this-week)" not in block
    assert "(before-the-digest)" not in block
    # The late mail counts in the week it came: week 21's own list has it.
    assert report["totals"]["news"]["week"] == 3
