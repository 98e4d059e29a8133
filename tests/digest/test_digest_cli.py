"""`tinbai digest` end to end: the real CLI, a real SQLite, a real SMTP server on loopback."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from digestkit import free_port, set_key, use_smtp
from figures import check_figures
from mailkit import build_message
from openpyxl import load_workbook

from tinbai.errors import ConfigError

pytestmark = pytest.mark.integration

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def report(tinbai, as_of: str) -> dict:
    return json.loads(tinbai("report", "--format", "json", "--as-of", as_of).stdout)


def test_preview_html_shows_exactly_the_reports_numbers(tinbai, quarter, tmp_path):
    out = tmp_path / "digest.html"
    done = tinbai("digest", "--preview", out, "--as-of", "2020-05-15")
    assert "written to" in done.stdout
    data = report(tinbai, "2020-05-15")
    figures = dict(check_figures(out.read_text(encoding="utf-8"), data))
    # Every unit and group of the plan is shown, kind by kind, and the plan's totals.
    for unit in data["units"]:
        for kind in ("news", "article", "photo"):
            assert f"unit.{unit['id']}.{kind}" in figures
    for kind in ("news", "article", "photo"):
        assert f"total.{kind}" in figures
    assert figures["total.news"] == f"{data['totals']['news']['count']}/58"
    # The dataset's situations all reach the editor.
    assert data["status"] == "behind"
    assert any(key.endswith(".pace") for key in figures)  # someone is behind, with what is due
    assert {u["address"] for u in data["unmapped"]} == {
        "nguyenvana@gmail.example.net",
        "phongvien@baodienbien.example.net",
    }
    assert len(data["needs_review"]) == 1
    assert f"review.{data['needs_review'][0]['id']}" in figures
    assert "week.summary" in figures
    assert (
        f"weeks.{len(data['weeks']) - 1}.news" in figures
    )  # the chart's numbers, to the last week
    # Gmail clips longer HTML behind "[Message clipped]"; in the mail the chart is a part of
    # its own (cid:), only this preview file carries it inline as a data: URL.
    html = re.sub(rb"data:image/png;base64,[A-Za-z0-9+/=]+", b"cid:x", out.read_bytes())
    assert len(html) < 102_000


def test_the_quarters_figures_are_the_ones_the_dataset_implies(run, quarter):
    data = json.loads(run("report", "--format", "json", "--as-of", "2020-05-15"))
    units = {u["id"]: u for u in data["units"]}
    # Hand-checked against tests/digest/dataset.py.
    assert units["tuyen-giao"]["counts"] == {"news": 6, "article": 1, "photo": 8}
    assert units["tuyen-giao"]["status"] == "on-pace"
    assert units["to-chuc"]["status"] == "done"
    assert units["chinh-sach"]["status"] == "behind"  # 1 of 5 news, 2 due by mid-May
    assert units["van-phong"]["status"] == "nothing-yet"  # its one message had nothing to count
    assert units["muong-cha"]["counts"]["news"] == 1  # from a personal address mapped later
    assert units["muong-lay"]["counts"]["news"] == 1  # its 16 May news is after the as-of day
    assert units["cdcs-dien-luc"]["counts"] == {"news": 2, "article": 0, "photo": 2}  # by domain
    assert units["cong-tac-vien"]["status"] == "no-quota"
    district = next(g for g in data["groups"] if g["id"] == "district")
    assert district["members_meeting_minimum"]["news"] == 6
    assert data["period"] == {"days": 45, "days_total": 91, "days_left": 46, "percent": 49}
    assert data["week"] == {"number": 20, "year": 2020, "start": "2020-05-09", "end": "2020-05-15"}
    assert data["totals"]["news"]["due"] == 29  # 58 × 45/91 = 28.7


def _ratio(count: int, target: int | None) -> str:
    if target is None:
        return str(count) if count else "–"
    return f"{count}/{target}"


def test_send_delivers_one_message_once_with_text_html_and_xlsx(tinbai, run, quarter, smtp_server):
    use_smtp(quarter, smtp_server.host, smtp_server.port)
    done = tinbai("digest", "--send", "--as-of", "2020-05-17")
    assert "sent to bientap@example.org" in done.stdout
    received = smtp_server.mailbox.messages()
    assert len(received) == 1
    assert smtp_server.mailbox.envelopes[0].rcpt_tos == ["bientap@example.org"]
    msg = received[0]
    assert msg["Subject"] == "Tiến độ tin, bài, ảnh – tuần 20 (11–17/5/2020)"
    assert msg["Message-ID"]
    assert msg["Date"]
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    data = json.loads(run("report", "--format", "json", "--as-of", "2020-05-17"))
    check_figures(html, data)
    assert f"Tin: {data['totals']['news']['count']}/58" in text
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_content_type() == XLSX
    assert attachment.get_filename() == "tien-do-2020-q2-tuan-20.xlsx"
    sheet = load_workbook(io.BytesIO(attachment.get_content())).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    numbered = [r for r in rows[3:] if isinstance(r[0], int)]
    assert [r[0] for r in numbered] == [1, 2, 3, 4, 5, 6]  # the plan's six rows
    total = rows[-1]
    assert total[1] == "Cộng"
    for first, kind in ((2, "news"), (5, "article"), (8, "photo")):
        figures = data["totals"][kind]
        assert total[first : first + 3] == [
            figures["quota"],
            figures["count"],
            figures["percent"] / 100,
        ]

    again = run("digest", "--send", "--as-of", "2020-05-17")  # exit code 0 is checked by run
    assert "already sent" in again
    assert "nothing sent" in again
    assert len(again.strip().splitlines()) == 1
    assert len(smtp_server.mailbox.envelopes) == 1

    assert "sent to" in run("digest", "--send", "--as-of", "2020-05-17", "--force")
    assert len(smtp_server.mailbox.envelopes) == 2


def test_smtp_server_down_fails_in_one_line_and_sends_later(tinbai, run, quarter, smtp_server):
    use_smtp(quarter, "127.0.0.1", free_port())  # nothing listens there
    line = tinbai.fails("digest", "--send", "--as-of", "2020-05-17")
    assert "refused the connection" in line
    use_smtp(quarter, smtp_server.host, smtp_server.port)
    run("digest", "--send", "--as-of", "2020-05-17")  # the failed try did not mark the week sent
    assert len(smtp_server.mailbox.envelopes) == 1


def test_english_digest_when_the_config_says_so(run, quarter, tmp_path):
    set_key(quarter, "language", '"en"')
    out = tmp_path / "digest.html"
    assert "News, articles and photos – week 20 (11–17 May 2020)" in run(
        "digest", "--preview", out, "--as-of", "2020-05-17"
    )
    html = out.read_text(encoding="utf-8")
    check_figures(html, json.loads(run("report", "--format", "json", "--as-of", "2020-05-17")))
    assert "Behind" in html
    assert 'lang="en"' in html


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param([], "--preview FILE, --send", id="nothing-to-do"),
        pytest.param(["--preview", "d.pdf"], "must end in", id="unknown-preview-kind"),
        pytest.param(
            ["--send", "--as-of", "2020-05-17", "--week", "20"], "not both", id="two-days"
        ),
        pytest.param(["--preview", "-", "--week", "54"], "no ISO week 54", id="no-such-week"),
    ],
)
def test_digest_usage_errors_say_what_to_fix_with_exit_2(run, args, message):
    assert message in run("digest", *args, code=2)


def test_send_without_recipients_says_what_to_set(run, quarter, smtp_server):
    use_smtp(quarter, smtp_server.host, smtp_server.port)
    set_key(quarter, "to", "[]")
    with pytest.raises(ConfigError, match=r"digest\.to is empty"):
        run("digest", "--send", "--as-of", "2020-05-17")
    assert smtp_server.mailbox.envelopes == []


def test_week_option_picks_the_iso_week(run, quarter, tmp_path):
    assert "tuần 19 (4–10/5/2020)" in run(
        "digest", "--preview", tmp_path / "w.txt", "--week", "2020-W19"
    )


def test_preview_writes_the_xlsx_alone(run, quarter, tmp_path: Path):
    run("digest", "--preview", tmp_path / "t.xlsx", "--as-of", "2020-05-15")
    sheet = load_workbook(tmp_path / "t.xlsx").active
    assert [sheet["A2"].value, sheet["C2"].value, sheet["C3"].value] == ["TT", "Tin", "Chỉ tiêu"]


def test_preview_text_and_eml_carry_the_same_facts(run, quarter, tmp_path):
    run("digest", "--preview", tmp_path / "d.txt", "--as-of", "2020-05-15")
    run("digest", "--preview", tmp_path / "d.eml", "--as-of", "2020-05-15")
    text = (tmp_path / "d.txt").read_text(encoding="utf-8")
    data = json.loads(run("report", "--format", "json", "--as-of", "2020-05-15"))
    assert text.startswith("Tiến độ tin, bài, ảnh – tuần 20 (9–15/5/2020)\n")
    for unit in data["units"]:
        cells = " · ".join(
            f"{label} {_ratio(unit['counts'][k], unit['target'][k])}"
            for label, k in (("Tin", "news"), ("Bài", "article"), ("Ảnh", "photo"))
        )
        assert f"{unit['name']}: {cells}" in text, unit["id"]
    for stranger in data["unmapped"]:
        assert f"{stranger['address']} – {stranger['messages']} thư" in text
    eml = (tmp_path / "d.eml").read_bytes()
    assert b"Auto-Submitted: auto-generated" in eml
    assert b"Message-ID: <" in eml


@pytest.mark.parametrize(
    ("as_of", "says"),
    [
        pytest.param("2020-03-20", "kế hoạch chưa bắt đầu", id="before-the-plan"),
        pytest.param("2020-07-05", "kế hoạch đã kết thúc", id="after-the-plan"),
    ],
)
def test_digest_outside_the_plans_period_still_matches_the_report(
    run, quarter, tmp_path, as_of, says
):
    out = tmp_path / "d.html"
    run("digest", "--preview", out, "--as-of", as_of, "--plan", "2020-q2")
    html = out.read_text(encoding="utf-8")
    check_figures(
        html, json.loads(run("report", "--format", "json", "--as-of", as_of, "--plan", "2020-q2"))
    )
    assert says in html


def test_the_digest_tells_the_editor_a_message_to_review_may_be_forged(run, config_file, tmp_path):
    """Issue 12, part 6: possible spoofing goes to review, and the digest says so in Vietnamese."""
    forged = tmp_path / "forged.eml"
    forged.write_bytes(
        build_message(
            subject="[Tin] Tin giả mạo",
            headers=[
                (
                    "Authentication-Results",
                    "mx.google.com; dmarc=fail (p=NONE sp=NONE dis=NONE) header.from=example.org",
                )
            ],
        )
    )
    run("ingest-file", forged)
    for suffix in ("html", "txt"):
        out = tmp_path / f"digest.{suffix}"
        run("digest", "--preview", out, "--as-of", "2020-05-15")
        shown = out.read_text(encoding="utf-8")
        assert "Tin giả mạo" in shown
        assert "Có thể người gửi bị giả mạo: máy chủ nhận thư báo dmarc=fail" in shown, suffix
