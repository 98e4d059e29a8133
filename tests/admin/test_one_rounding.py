"""One way to round: a share reads the same in the report, the web admin and the digest.

2 of the plan's 17 articles is 11.76 %: shown as 11 % everywhere (rounded down, so that
100 % is only ever shown when the quota is met), by `digest.progress.percent_text`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from digest.progress import percent_text

pytestmark = pytest.mark.integration

AS_OF = "2020-05-15"
SHOWN = "2/17 (11%)"


def _plan_row(html: str) -> list[str]:
    """The plan's row of the web dashboard, one text per kind (tags and spaces dropped)."""
    row = re.search(r'<tr class="total" data-id="plan">(.*?)</tr>', html, re.DOTALL)
    assert row, html
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.DOTALL)
    return [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in cells]


def test_two_of_seventeen_articles_read_11_percent_everywhere(
    start_site, news, tmp_path: Path
) -> None:
    assert percent_text(2, 17) == "11%"
    with start_site(tmp_path) as site:
        site.ingest(
            news("tuyengiao@example.org", subject="[Bài] Tháng Công nhân"),
            news("tochuc@example.org", subject="[Bài] Cán bộ công đoàn giỏi"),
        )
        admin = site.users["admin"]
        with site.server.login(*admin) as client:
            dashboard = client.get("/", params={"as_of": AS_OF}).text
        run = site.tinbai

        data = json.loads(run("report", "--format", "json", "--as-of", AS_OF).stdout)
        table = run("report", "--as-of", AS_OF).stdout
        text = tmp_path / "digest.txt"
        html = tmp_path / "digest.html"
        sheet = tmp_path / "digest.xlsx"
        for out in (text, html, sheet):
            run("digest", "--preview", out, "--as-of", AS_OF)

    assert data["totals"]["article"]["count"] == 2
    assert data["totals"]["article"]["percent"] == 11
    assert SHOWN in table, table

    assert _plan_row(dashboard)[1] == SHOWN

    digest_text = text.read_text(encoding="utf-8")
    assert re.search(r"2/17 \(11%, ", digest_text), digest_text
    percent = re.search(
        r'data-key="total\.article\.percent"[^>]*>([^<]*)<', html.read_text(encoding="utf-8")
    )
    assert percent
    assert percent.group(1) == "11%"

    rows = list(load_workbook(sheet).active.iter_rows())
    totals = [c for c in rows[-1] if c.number_format == "0%" and c.value is not None]
    _, article, _ = totals  # the plan's totals are the last row: news, articles, photos
    assert article.value == pytest.approx(0.11)  # shown "11%" by the cell's format
