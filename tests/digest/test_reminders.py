"""Reminders (issue 14): on a configured date, each unit behind pace hears what it misses.

The seed's quarter as data (`dataset.py`), the real SMTP test server, SQLite; the
service's hourly job runs on a `ClockedApp`, `tinbai remind` in this process.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from digestkit import HANOI, ClockedApp, InProcess, SmtpServer, add_table, use_smtp

from tinbai.reminders import scheduled_reminders

pytestmark = pytest.mark.integration

MID_QUARTER = datetime(2020, 5, 15, 8, 0, tzinfo=HANOI)
# Behind the straight pace on 15/5 in the dataset, with what each still misses for the quarter.
BEHIND = {
    "chinhsach@example.org": "Tin: đã có 1/5, còn thiếu 4",
    "vanphong@example.org": "Tin: đã có 0/3, còn thiếu 3",
    "dienbiendong@example.org": "Tin: đã có 0/2, còn thiếu 2",
    "tuachua@example.org": "Tin: đã có 0/2, còn thiếu 2",
    "vienchuc@example.org": "Tin: đã có 0/2, còn thiếu 2",
}


@pytest.fixture
def reminders(quarter: Path, smtp_server: SmtpServer) -> Iterator[ClockedApp]:
    use_smtp(quarter, smtp_server.host, smtp_server.port)
    add_table(quarter, "reminders", "enabled = true\ndates = [2020-05-15, 2020-06-16]")
    app = ClockedApp(config_path=quarter, at=MID_QUARTER)
    yield app
    app.close()


def test_on_a_configured_date_each_unit_behind_pace_gets_one_reminder(
    reminders: ClockedApp, smtp_server: SmtpServer, run: InProcess
) -> None:
    reminders.at = datetime(2020, 5, 14, 8, 0, tzinfo=HANOI)  # the day before: nothing
    assert scheduled_reminders(reminders) == []
    reminders.at = MID_QUARTER
    scheduled_reminders(reminders)
    got = {
        e.rcpt_tos[0]: m
        for e, m in zip(smtp_server.mailbox.envelopes, smtp_server.mailbox.messages(), strict=True)
    }
    assert set(got) == set(BEHIND)  # tuyengiao@, on pace, gets none
    for address, missing in BEHIND.items():
        msg = got[address]
        assert msg["Auto-Submitted"] == "auto-generated"
        assert msg["Subject"].startswith("Nhắc việc: ")
        assert ".reminder@example.org>" in msg["Message-ID"]
        part = msg.get_body(("plain",))
        assert part is not None
        text = str(part.get_content())  # type: ignore[attr-defined]
        assert missing in text
        assert "Xin gửi tin, bài, ảnh về tinbai@example.org" in text
    chinh_sach = got["chinhsach@example.org"].get_body(("plain",))
    assert chinh_sach is not None
    assert "Bài: đã có 0/1, còn thiếu 1" in str(chinh_sach.get_content())  # type: ignore[attr-defined]

    reminders.at = datetime(2020, 5, 15, 9, 0, tzinfo=HANOI)  # the hourly job again
    scheduled_reminders(reminders)
    out = run("remind", "--as-of", "2020-05-15")  # and by hand the same day
    assert len(smtp_server.mailbox.envelopes) == len(BEHIND)
    assert out.count("đã nhắc cho ngày 2020-05-15, không gửi lại") == len(BEHIND)


def test_dry_run_prints_who_would_get_what_and_sends_nothing(
    reminders: ClockedApp, smtp_server: SmtpServer, run: InProcess
) -> None:
    out = run("remind", "--dry-run", "--as-of", "2020-05-15")
    assert smtp_server.mailbox.envelopes == []
    assert (
        "sẽ gửi cho Ban Chính sách – Pháp luật (chinhsach@example.org): còn thiếu 4 tin, 1 bài"
        in out
    )
    assert out.count("sẽ gửi cho ") == len(BEHIND)
    assert "tuyengiao@example.org" not in out
    run("remind", "--as-of", "2020-05-15")  # the dry run claimed nothing: the real run sends all
    assert len(smtp_server.mailbox.envelopes) == len(BEHIND)


def test_reminders_are_off_by_default(quarter: Path, smtp_server: SmtpServer) -> None:
    use_smtp(quarter, smtp_server.host, smtp_server.port)
    app = ClockedApp(config_path=quarter, at=MID_QUARTER)
    try:
        assert scheduled_reminders(app) == []
    finally:
        app.close()
    assert smtp_server.mailbox.envelopes == []


def test_a_reminder_the_server_refused_is_said_unsent_and_sent_by_the_next_run(
    reminders: ClockedApp, smtp_server: SmtpServer, run: InProcess
) -> None:
    smtp_server.mailbox.answer = "451 4.3.0 Try again later"
    out = run("remind", "--as-of", "2020-05-15", code=1)
    assert "đã gửi thư nhắc" not in out  # before: a refused reminder was printed as sent
    assert out.count("chưa gửi được thư nhắc cho ") == len(BEHIND)
    assert f"{len(BEHIND)} thư nhắc chưa gửi được" in out
    smtp_server.mailbox.answer = "250 OK"
    out = run("remind", "--as-of", "2020-05-15")  # nothing was claimed: all go out now
    assert out.count("đã gửi thư nhắc cho ") == len(BEHIND)
    assert len(smtp_server.mailbox.envelopes) == len(BEHIND)


def test_no_reminder_about_a_plan_that_has_ended(
    reminders: ClockedApp, smtp_server: SmtpServer, run: InProcess
) -> None:
    out = run("remind", "--as-of", "2020-07-15")  # after the quarter, before the next plan
    assert out.strip() == "ngày 2020-07-15: không có kế hoạch nào đang chạy, không có thư nhắc nào"
    assert smtp_server.mailbox.envelopes == []
