"""The dashboard's progress chart in a real browser (Debian chromium): the image, its scope, its numbers.

Screenshots: tests/screenshots/admin/<test name>/ for a person to look at.
"""

from __future__ import annotations

from datetime import datetime

from admin.test_message_page import sign_in
from mailkit import HANOI, Attachment, make_jpeg


def chart_loaded(page) -> int:
    page.wait_for_load_state("networkidle")
    return page.locator("#chart img.chart").evaluate("i => i.complete ? i.naturalWidth : 0")


def test_the_chart_loads_and_its_select_switches_between_plan_group_and_unit(
    fresh_site, page, shot
):
    site = fresh_site
    site.ingest(
        {
            "sender": "tuangiao@example.org",
            "subject": "[Tin] Hội nghị người lao động",
            "attachments": [Attachment("anh.jpg", make_jpeg(seed=71))],
            "date": datetime(2020, 4, 8, 9, 0, tzinfo=HANOI),
        },
        {
            "sender": "dienbienphu@example.org",
            "subject": "[Tin] Tháng Công nhân năm 2020",
            "date": datetime(2020, 5, 12, 9, 0, tzinfo=HANOI),
        },
    )
    sign_in(page, site)
    page.goto(site.server.url + "/?as_of=2020-05-17")
    assert chart_loaded(page) > 0
    rows = page.locator("#chart-numbers tbody tr")
    assert rows.count() == 7  # weeks 14 to 20 of the quarter
    assert rows.nth(1).locator("th").inner_text() == "Tuần 15 (6–12/4/2020)"
    # Cumulative news against the pace to 58: one by week 15, two by week 20 (29 due).
    assert rows.nth(1).locator("td").first.inner_text() == "1 / nhịp 8"
    assert rows.nth(6).locator("td").first.inner_text() == "2 / nhịp 30"
    plan_png = page.request.get(site.server.url + "/chart.png?scope=plan&as_of=2020-05-17").body()
    assert plan_png.startswith(b"\x89PNG")
    shot("01-dashboard-chart-plan")

    page.locator("#chart select[name=scope]").select_option("unit:tuan-giao")
    page.locator("#chart button[type=submit]").click()
    page.wait_for_url("**scope=unit%3Atuan-giao**")
    assert chart_loaded(page) > 0
    assert "scope=unit%3Atuan-giao" in page.locator("#chart img.chart").get_attribute("src")
    rows = page.locator("#chart-numbers tbody tr")
    # The district's per-member minimum of 2 news is Tuần Giáo's target; photos have none.
    assert rows.nth(6).locator("td").all_inner_texts() == ["1 / nhịp 1", "0", "1"]
    shot("02-dashboard-chart-unit")

    page.locator("#chart select[name=scope]").select_option("group:district")
    page.locator("#chart button[type=submit]").click()
    page.wait_for_url("**scope=group%3Adistrict**")
    assert chart_loaded(page) > 0
    assert rows.nth(6).locator("td").first.inner_text() == "2 / nhịp 10"

    missing = page.request.get(site.server.url + "/chart.png?scope=unit:nowhere")
    assert missing.status == 404


def test_the_message_page_lists_a_submissions_cloud_links(fresh_site):
    site = fresh_site
    link = "https://drive.google.com/drive/folders/1AbC?usp=sharing"
    subject = "[Ảnh] Ảnh hội nghị qua Google Drive"
    site.ingest({"sender": "tuangiao@example.org", "subject": subject, "body": f"Ảnh: {link}"})
    number = site.message_id(subject)
    with site.server.login(*site.users["editor"]) as client:
        page = client.get(f"/submissions/{number}").text
    section = page[page.index('id="cloud-links"') :]
    assert 'href="https://drive.google.com/drive/folders/1AbC?usp=sharing"' in section
    assert "Đường liên kết tới ảnh, bài gửi qua mạng" in section
    assert 'rel="noopener noreferrer nofollow"' in section
