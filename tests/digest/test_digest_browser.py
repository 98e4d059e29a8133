"""The digest's HTML in a real browser (Debian chromium): desktop and phone widths.

Screenshots land in tests/screenshots/digest/ (ignored by git) for a person to
look at; the assertions catch what a person would: the page must not scroll
sideways on a 375-px phone, and nothing may be cut off or overlap.
"""

from __future__ import annotations

import shutil

import pytest
from digestkit import ROOT, SCREENSHOTS, InProcess

pytestmark = pytest.mark.integration

WIDTHS = [pytest.param(1280, id="desktop"), pytest.param(375, id="phone")]


@pytest.fixture(scope="module")
def digest_html(quarter_db, tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("browser")
    shutil.copy(ROOT / "config.toml", folder / "config.toml")
    shutil.copy(quarter_db, folder / "tinbai.db")
    run = InProcess(folder / "config.toml")
    run("digest", "--preview", folder / "digest.html", "--as-of", "2020-05-15")
    return (folder / "digest.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("width", WIDTHS)
def test_digest_reads_without_sideways_scrolling(browser, digest_html, width):
    page = browser.new_page(viewport={"width": width, "height": 900}, device_scale_factor=1)
    try:
        page.set_content(digest_html, wait_until="load")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"digest-{width}.png"), full_page=True)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"the page is {scroll_width} px wide on a {width}-px screen"
        # Every figure cell is fully visible: none is clipped by its table.
        clipped = page.evaluate(
            """() => [...document.querySelectorAll('[data-key]')]
                 .filter(e => e.getBoundingClientRect().right
                              > document.documentElement.clientWidth + 1)
                 .map(e => e.dataset.key)"""
        )
        assert clipped == []
        heading = page.locator("p.h1").inner_text()
        assert heading == "Tiến độ tin, bài, ảnh – tuần 20 (9–15/5/2020)"
    finally:
        page.close()
