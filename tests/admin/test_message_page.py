"""The message page shows what the unit sent, in a real browser, at desktop and phone width.

Screenshots are kept under tests/screenshots/admin/<test name>/ (printed by the test) for a
person to look at: the message page with its text and photos, and the dashboard, in
Vietnamese, at 1280 and at 390 pixels wide.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from mailkit import Attachment, make_docx, make_png, make_scene

UNIT = "tuangiao@example.org"  # mapped to LĐLĐ huyện Tuần Giáo in the shipped config
OWN = (
    "Kính gửi Ban Tuyên giáo – Nữ công LĐLĐ tỉnh,\n"
    "Sáng ngày 8/5/2020, LĐLĐ huyện Tuần Giáo tổ chức Hội nghị người lao động năm 2020 "
    "với sự tham gia của hơn 120 đoàn viên công đoàn đến từ các công đoàn cơ sở trên địa bàn. "
    "Hội nghị đã đánh giá kết quả thực hiện nhiệm vụ năm 2019, bàn giải pháp chăm lo đời sống, "
    "việc làm cho người lao động trong bối cảnh dịch Covid-19, và khen thưởng 15 tập thể, "
    "30 cá nhân có thành tích xuất sắc trong phong trào thi đua lao động giỏi.\n"
    "Đơn vị gửi kèm ảnh hoạt động của hội nghị."
)
QUOTED = (
    "\n\nVào Th 2, 4 thg 5, 2020 lúc 08:00 Ban Tuyên giáo <tuyengiao@example.org> đã viết:\n"
    "> Đề nghị các đơn vị gửi tin, bài, ảnh về Tháng Công nhân trước ngày 10/5.\n"
)
SUBJECT = "[Tin] Hội nghị người lao động năm 2020"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(chromium) -> Iterator[object]:
    context = chromium.new_context(locale="vi-VN", viewport=PHONE, is_mobile=True)
    try:
        yield context.new_page()
    finally:
        context.close()


def sign_in(page, site) -> None:
    name, password = site.users["editor"]
    page.goto(site.server.url + "/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(site.server.url + "/")


def thumbnails_shown(page) -> list[int]:
    page.wait_for_load_state("networkidle")
    return page.locator("#photos img").evaluate_all(
        "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)"
    )


def fits(page, width: int) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_message_page_shows_the_text_and_every_photo_at_desktop_and_phone_width(
    fresh_site, page, phone, shot
):
    photos = [Attachment(f"hoi-nghi-{i}.jpg", make_scene(seed=i)) for i in (1, 2, 3)]
    logo = Attachment("logo-ldld.png", make_png(160, 48), subtype="png", inline=True)
    again = Attachment("hoi-nghi-1 (1).jpg", photos[0].data)  # the same photo twice
    fresh_site.ingest(
        {
            "sender": UNIT,
            "subject": SUBJECT,
            "body": OWN + QUOTED,
            "attachments": [*photos, logo, again],
        },
        {
            "sender": UNIT,
            "subject": "[Bài] Tháng Công nhân 2020 ở Tuần Giáo",
            "body": "Đơn vị gửi bài viết trong tệp đính kèm.",
            "attachments": [
                Attachment(
                    "bai-thang-cong-nhan.docx",
                    make_docx("Tháng Công nhân năm 2020 " * 60),
                    maintype="application",
                    subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
                ),
                Attachment("hoi-nghi-2.jpg", photos[1].data),  # sent before: not counted again
            ],
        },
    )
    first = fresh_site.message_id(SUBJECT)
    url = f"{fresh_site.server.url}/submissions/{first}"

    sign_in(page, fresh_site)
    shot("01-dashboard-desktop")
    page.goto(url)
    own = page.locator('#text [data-role="own"]')
    assert "Phần được tính (Tin)" in own.inner_text()
    assert "Hội nghị người lao động năm 2020" in own.inner_text()
    quoted = page.locator('#text [data-role="quoted"]')
    assert "Trích thư cũ — không tính" in quoted.inner_text()
    assert "Đề nghị các đơn vị gửi tin" in quoted.inner_text()
    verdicts = dict(
        zip(
            page.locator("#photos li .name").all_inner_texts(),
            page.locator("#photos li .verdict").all_inner_texts(),
            strict=True,
        )
    )
    assert verdicts == {
        "hoi-nghi-1.jpg": "được tính",
        "hoi-nghi-2.jpg": "được tính",
        "hoi-nghi-3.jpg": "được tính",
        "logo-ldld.png": "logo, biểu tượng — không phải ảnh",
        "hoi-nghi-1 (1).jpg": "ảnh trùng — không tính lại",
    }
    assert all(width > 0 for width in thumbnails_shown(page)), "a thumbnail did not load"
    assert page.locator("#photos img").count() == 5
    # The correction form sits right after the photos.
    assert page.locator("#photos + #reclassify-panel, #content + #reclassify-panel").count() == 1
    desktop = shot("02-message-desktop")

    second = fresh_site.message_id("[Bài] Tháng Công nhân 2020 ở Tuần Giáo")
    page.goto(f"{fresh_site.server.url}/submissions/{second}")
    assert "Thư kèm tài liệu — không tính riêng" in page.locator("#text").inner_text()
    row = page.locator("#documents tbody tr").inner_text()
    assert "bai-thang-cong-nhan.docx" in row
    assert "Bài" in row
    assert page.locator("#photos li .verdict").inner_text() == "ảnh trùng — không tính lại"
    shot("03-message-with-document-desktop")

    sign_in(phone, fresh_site)
    assert fits(phone, PHONE["width"]), "the dashboard is wider than a phone"
    phone.screenshot(path=str(page.shots / "04-dashboard-phone.png"), full_page=True)
    phone.goto(url)
    assert all(width > 0 for width in thumbnails_shown(phone))
    assert fits(phone, PHONE["width"]), "the message page is wider than a phone"
    phone.screenshot(path=str(page.shots / "05-message-phone.png"), full_page=True)
    print(f"\nscreenshots: {desktop.parent}")
