"""The dashboard shows the plan's themes and calendar, in a real browser (Debian chromium).

Screenshots: tests/screenshots/admin/<test name>/ (desktop and phone) for a person to look at.
"""

from __future__ import annotations

from datetime import datetime

from admin.test_message_page import PHONE, sign_in
from mailkit import HANOI, Attachment, make_jpeg


def test_dashboard_shows_pieces_per_theme_flags_the_uncovered_and_lists_near_dates(
    fresh_site, page, shot, chromium
):
    site = fresh_site
    may = datetime(2020, 5, 12, 9, 0, tzinfo=HANOI)
    site.ingest(
        {
            "sender": "tuangiao@example.org",
            "subject": "[Tin] Tuyên truyền phòng, chống ma túy trong công nhân",
            "attachments": [Attachment("anh.jpg", make_jpeg(seed=41))],
            "date": may,
        },
        {
            "sender": "dienbienphu@example.org",
            "subject": "[Tin] Ky niem ngay sinh Chu tich Ho Chi Minh",  # typed without accents
            "date": may,
        },
    )
    sign_in(page, site)
    page.goto(site.server.url + "/?as_of=2020-05-15")
    themes = page.locator("#themes")
    drugs = themes.locator('tr[data-id="ma-tuy"]')
    assert drugs.locator("td").all_inner_texts() == [
        "Phòng, chống ma túy",
        "1",  # tin
        "–",  # bài
        "1",  # ảnh
        "2",  # in all
        "1",  # units
    ]
    assert "nothing-yet" not in (drugs.get_attribute("class") or "")
    covid = themes.locator('tr[data-id="covid-19"]')
    assert covid.get_attribute("class") == "nothing-yet"
    assert covid.locator("td").nth(4).inner_text() == "chưa có"
    calendar = page.locator("#calendar").inner_text()
    # 19/5 is four days ahead and already has the piece typed without accents.
    assert "19/5/2020 (còn 4 ngày) Ngày sinh Chủ tịch Hồ Chí Minh: đã có 1 tin từ 1 đơn vị" in (
        calendar
    )
    shot("01-dashboard-themes")

    context = chromium.new_context(locale="vi-VN", viewport=PHONE, is_mobile=True)
    try:
        phone = context.new_page()
        sign_in(phone, site)
        phone.goto(site.server.url + "/?as_of=2020-05-15")
        phone.screenshot(path=str(page.shots / "02-dashboard-themes-phone.png"), full_page=True)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the dashboard is {width} px wide on a phone"
    finally:
        context.close()
