"""The admin's day in a real browser (Debian chromium via Playwright) against the real server.

Screenshots are kept under tests/screenshots/admin/<test name>/ for a person to look at.
"""

from __future__ import annotations

import re

UNKNOWN = "moi.canbo@tuangiao.example.org"
SCRIPT_SUBJECT = "[Tin] <script>window.__xss = 1</script> Hội thao"


def cell(page, unit_id: str, kind: str) -> str:
    column = {"news": 1, "article": 2, "photo": 3}[kind]
    return page.locator(f'tr[data-id="{unit_id}"] > :nth-child({column + 1})').inner_text().strip()


def test_admin_maps_an_unknown_sender_reclassifies_and_signs_out(fresh_site, news, page, shot):
    site = fresh_site
    site.ingest(
        news(
            f"Cán bộ mới <{UNKNOWN}>",
            subject="[Tin] Hội nghị người lao động năm 2020",
            photos=1,
            seed=10,
        ),
        news(UNKNOWN, subject="[Tin] Đại hội Công đoàn cơ sở", seed=20),
        news("la@example.net", subject=SCRIPT_SUBJECT, seed=30),
    )
    url = site.server.url
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    # Not signed in: the dashboard sends us to the login page.
    page.goto(url + "/")
    assert re.search(r"/login\?next=/$", page.url)
    assert page.locator("h1").inner_text() == "tinbai — quản trị"
    shot("01-login")
    name, password = site.users["admin"]
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(url + "/")
    assert cell(page, "tuan-giao", "news") == "0 / tối thiểu 2"
    totals_before = cell(page, "plan", "news")
    assert totals_before == "0/58 (0%)"
    assert "2 người gửi chưa gán đơn vị" in page.locator(".notes").inner_text()
    shot("02-dashboard-before")

    # The unknown sender, with its messages.
    page.click("nav >> text=Người gửi chưa rõ")
    stranger = page.locator(f'section[data-sender="{UNKNOWN}"]')
    assert "Cán bộ mới" in stranger.locator("h2").inner_text()
    assert "Số thư: 2" in stranger.inner_text()
    subjects = stranger.locator("ul.subjects li").all_inner_texts()
    assert any("Hội nghị người lao động năm 2020" in s for s in subjects)
    assert any("Đại hội Công đoàn cơ sở" in s for s in subjects)
    script_row = page.locator('section[data-sender="la@example.net"] ul.subjects li').inner_text()
    assert "<script>window.__xss = 1</script>" in script_row  # shown as text, not run
    shot("03-unknown-senders")

    # Assign it to Tuần Giáo in one click.
    stranger.locator("select[name=unit]").select_option("tuan-giao")
    stranger.locator("button", has_text="Gán").click()
    page.wait_for_url(url + "/unknown")
    assert page.locator(".flash").inner_text() == f"Đã gán {UNKNOWN} cho LĐLĐ huyện Tuần Giáo."
    assert page.locator(f'section[data-sender="{UNKNOWN}"]').count() == 0
    shot("04-assigned")

    # Its earlier mail now counts for the unit, at once.
    page.click("nav >> text=Tổng quan")
    assert cell(page, "tuan-giao", "news") == "2 / tối thiểu 2"
    assert cell(page, "tuan-giao", "photo") == "1"
    assert cell(page, "plan", "news") == "2/58 (3%)"
    shot("05-dashboard-after-assign")

    # Reclassify one of its messages: a long piece, so an article, not news.
    page.click("nav >> text=Thư đã nhận")
    page.locator("#submissions a", has_text="Đại hội Công đoàn cơ sở").click()
    assert page.locator("#subject").inner_text() == "[Tin] Đại hội Công đoàn cơ sở"
    assert page.locator('#counts [data-kind="news"]').inner_text() == "1"
    shot("06-submission")
    form = page.locator("#reclassify")
    form.locator("input[name=news]").fill("0")
    form.locator("input[name=article]").fill("1")
    form.locator("input[name=reason]").fill("Bài viết dài, không phải tin")
    form.locator("button", has_text="Lưu").click()
    assert "Tin 1, Bài 0, Ảnh 0 → Tin 0, Bài 1, Ảnh 0" in page.locator(".flash").inner_text()
    assert page.locator('#counts [data-kind="article"]').inner_text() == "1"
    assert page.locator("#counts .badge").inner_text() == "sửa tay"
    shot("07-reclassified")

    page.click("nav >> text=Tổng quan")
    assert cell(page, "tuan-giao", "news") == "1 / tối thiểu 2"
    assert cell(page, "district", "article") == "1/5 (20%)"
    assert "1 thư được sửa số lượng bằng tay" in page.locator(".notes").inner_text()
    shot("08-dashboard-after-reclassify")

    # The senders page: the new mapping, changeable from a list.
    page.click("nav a[href='/senders']")
    row = page.locator(f'#senders tr[data-sender="{UNKNOWN}"]')
    assert row.locator("select[name=unit]").input_value() == "tuan-giao"
    assert "đã gán" in row.inner_text()
    shot("09-senders")

    # Both changes are in the audit log, with who did them.
    page.click("nav >> text=Nhật ký thay đổi")
    rows = page.locator("#audit tbody tr").all_inner_texts()
    assert any(
        "web:an" in r and "sender-map" in r and UNKNOWN in r and "tuan-giao" in r for r in rows
    )
    assert any("web:an" in r and "reclassify" in r and "Bài viết dài" in r for r in rows)
    shot("10-audit")

    # Sign out: back to the login page, and the pages are closed again.
    page.click("button:has-text('Đăng xuất')")
    page.wait_for_url(url + "/login")
    assert page.locator(".flash").inner_text() == "Đã đăng xuất."
    page.goto(url + "/senders")
    assert "/login?next=/senders" in page.url
    shot("11-signed-out")

    assert dialogs == []
    assert page.evaluate("window.__xss") is None


def test_an_editor_sees_senders_but_no_way_to_change_them(fresh_site, page, shot):
    name, password = fresh_site.users["editor"]
    page.goto(fresh_site.server.url + "/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.click("nav a[href='/senders']")
    assert page.locator("#senders tbody tr").count() > 0
    assert page.locator("form[action='/senders/assign']").count() == 0
    assert page.locator("form[action='/senders/import']").count() == 0
    assert "binh (biên tập)" in page.locator("header").inner_text()
    shot("01-editor-senders")


def test_a_sender_whose_colleagues_are_mapped_is_assigned_in_one_click(
    fresh_site, news, page, shot
):
    site = fresh_site
    site.tinbai("senders", "add", "chutich@muongcha.example.org", "muong-cha")
    site.ingest(news("vanphong@muongcha.example.org", subject="[Tin] Tọa đàm ngày 1/5", seed=40))
    name, password = site.users["admin"]
    page.goto(site.server.url + "/unknown")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(site.server.url + "/unknown")
    stranger = page.locator('section[data-sender="vanphong@muongcha.example.org"]')
    assert stranger.locator("select[name=unit]").input_value() == "muong-cha"
    assert "Gợi ý theo tên miền" in stranger.inner_text()
    shot("01-suggested")
    stranger.locator("button", has_text="Gán").click()
    assert page.locator(".flash").inner_text() == (
        "Đã gán vanphong@muongcha.example.org cho LĐLĐ huyện Mường Chà."
    )
    page.click("nav >> text=Tổng quan")
    assert cell(page, "muong-cha", "news") == "1 / tối thiểu 2"
    shot("02-dashboard")
