"""The plan's themes and calendar in the digest: HTML and text, rendered for real, and seen
in Chromium (screenshots in tests/screenshots/digest/)."""

from __future__ import annotations

import json

import pytest
from digestkit import SCREENSHOTS
from figures import check_figures

AS_OF = "2020-05-08"  # week 2–8 May: 7/5 just passed, 19/5 ahead


@pytest.fixture
def rendered(run, quarter, tmp_path) -> tuple[str, str, dict]:
    run("digest", "--preview", tmp_path / "d.html", "--as-of", AS_OF)
    run("digest", "--preview", tmp_path / "d.txt", "--as-of", AS_OF)
    report = json.loads(run("report", "--format", "json", "--as-of", AS_OF))
    return (
        (tmp_path / "d.html").read_text(encoding="utf-8"),
        (tmp_path / "d.txt").read_text(encoding="utf-8"),
        report,
    )


def test_digest_html_shows_each_theme_and_near_date_as_the_report_counts_them(rendered):
    html, _, report = rendered
    figures = dict(check_figures(html, report))  # every figure equals the report's value
    covered = [t for t in report["themes"] if t["pieces"]]
    assert covered, "the quarter's dataset touches some themes"
    for theme in report["themes"]:
        assert f"theme.{theme['id']}.pieces" in figures
        if not theme["pieces"]:
            assert figures[f"theme.{theme['id']}.pieces"] == "chưa có"
    workers = next(t for t in report["themes"] if t["id"] == "thang-cong-nhan")
    assert figures["theme.thang-cong-nhan.pieces"] == str(workers["pieces"])
    assert "Chủ đề tuyên truyền" in html
    assert "Chủ đề chưa có tin, bài, ảnh nào:" in html
    assert figures["theme.thang-cong-nhan.counts"] == "{} tin, {} bài, {} ảnh".format(
        *workers["counts"].values()
    )
    assert "Ngày kỷ niệm" in html
    assert [(c["date"], c["when"]) for c in report["calendar"]] == [
        ("2020-05-07", "passed"),
        ("2020-05-19", "upcoming"),
    ]
    assert figures["calendar.0.day"] == "7/5/2020"
    assert figures["calendar.0.when"] == "1 ngày trước"
    assert figures["calendar.1.when"] == "còn 11 ngày"


def test_digest_text_lists_themes_with_nothing_yet_and_the_calendar(rendered):
    _, text, report = rendered
    calendar = text[text.index("== Ngày kỷ niệm") : text.index("== Nhận trong tuần")]
    assert "Trong hai tuần tới:\n- 19/5/2020 (còn 11 ngày) Ngày sinh Chủ tịch Hồ Chí Minh:" in (
        calendar
    )
    assert "Vừa qua:\n- 7/5/2020 (1 ngày trước) Chiến thắng Điện Biên Phủ:" in calendar
    themes = text[text.index("== Chủ đề tuyên truyền") : text.index("== Chi tiết theo đơn vị")]
    lines = themes.splitlines()
    flagged = []
    for line in lines[lines.index("Chủ đề chưa có tin, bài, ảnh nào:") + 1 :]:
        if not line.startswith("- ") or ": " in line:
            break
        flagged.append(line.removeprefix("- "))
    assert flagged == [t["name"] for t in report["themes"] if t["pieces"] == 0]
    for theme in report["themes"]:
        assert f"- {theme['name']}: " in themes
    workers = next(t for t in report["themes"] if t["id"] == "thang-cong-nhan")
    counts = workers["counts"]
    assert (
        f"- {workers['name']}: {workers['pieces']} ({counts['news']} tin, {counts['article']} bài,"
        f" {counts['photo']} ảnh)\n"
    ) in themes


@pytest.mark.integration
@pytest.mark.parametrize("width", [pytest.param(1280, id="desktop"), pytest.param(375, id="phone")])
def test_themes_and_calendar_read_in_a_browser_without_sideways_scrolling(browser, rendered, width):
    html, _, report = rendered
    page = browser.new_page(viewport={"width": width, "height": 900}, device_scale_factor=1)
    try:
        page.set_content(html, wait_until="load")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"digest-themes-{width}.png"), full_page=True)
        page.locator("#themes").screenshot(
            path=str(SCREENSHOTS / f"digest-themes-section-{width}.png")
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        rows = page.locator("#themes table.grid tr").count()
        assert rows == len(report["themes"]) + 1  # a heading and one row per theme
        assert "Chiến thắng Điện Biên Phủ" in page.locator("#calendar").inner_text()
    finally:
        page.close()
