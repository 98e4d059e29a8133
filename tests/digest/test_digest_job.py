"""The scheduled digest, as `tinbai run` calls it: once a week, retried on a temporary failure."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from digestkit import use_smtp

from tinbai.app import App
from tinbai.digest_job import scheduled_week_end, send_scheduled_digest
from tinbai.errors import DeliveryError, TemporaryDeliveryError

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass
class ClockedApp(App):
    """The real App, with the clock it is given: time is injected, not mocked."""

    at: datetime = datetime(2020, 5, 18, 7, 30, tzinfo=HANOI)

    def now(self) -> datetime:
        return self.at.astimezone(UTC)


@pytest.fixture
def app(quarter, smtp_server):
    use_smtp(quarter, smtp_server.host, smtp_server.port)
    app = ClockedApp(config_path=quarter)
    yield app
    app.close()


@pytest.mark.integration
def test_monday_run_sends_last_weeks_digest_once(app, smtp_server, caplog):
    send_scheduled_digest(app)
    [msg] = smtp_server.mailbox.messages()
    assert msg["Subject"] == "Tiến độ tin, bài, ảnh – tuần 20 (11–17/5/2020)"
    app.at = datetime(2020, 5, 18, 9, 0, tzinfo=HANOI)  # a second run the same morning
    with caplog.at_level(logging.INFO, logger="tinbai.digest_job"):
        send_scheduled_digest(app)
    assert len(smtp_server.mailbox.envelopes) == 1
    assert "already sent" in caplog.text


@pytest.mark.integration
def test_temporary_refusal_raises_for_a_retry_that_then_sends_the_same_week(app, smtp_server):
    smtp_server.mailbox.answer = "451 4.3.0 Try again later"
    with pytest.raises(TemporaryDeliveryError, match="451"):
        send_scheduled_digest(app)
    assert smtp_server.mailbox.envelopes == []
    smtp_server.mailbox.answer = "250 OK"
    app.at = datetime(2020, 5, 19, 10, 0, tzinfo=HANOI)  # the retry comes a day later
    send_scheduled_digest(app)
    [msg] = smtp_server.mailbox.messages()
    assert "(11–17/5/2020)" in msg["Subject"]


@pytest.mark.integration
def test_permanent_refusal_is_a_delivery_error_not_retried(app, smtp_server):
    smtp_server.mailbox.answer = "554 5.7.1 Message rejected"
    with pytest.raises(DeliveryError, match="554") as raised:
        send_scheduled_digest(app)
    assert not isinstance(raised.value, TemporaryDeliveryError)


@pytest.mark.parametrize(
    ("schedule", "now", "week_end"),
    [
        pytest.param("30 7 * * mon", "2020-05-18 07:30", "2020-05-17", id="monday-morning-run"),
        pytest.param("30 7 * * mon", "2020-05-20 15:00", "2020-05-17", id="wednesday-after-it"),
        pytest.param("30 7 * * mon", "2020-05-18 07:29", "2020-05-10", id="just-before-the-run"),
        pytest.param("0 17 * * fri", "2020-05-15 17:05", "2020-05-15", id="friday-evening-run"),
        pytest.param("0 8 1 * *", "2020-05-20 09:00", "2020-04-30", id="monthly"),
    ],
)
def test_the_scheduled_week_ends_on_the_last_full_day_before_the_run(schedule, now, week_end):
    moment = datetime.fromisoformat(now).replace(tzinfo=HANOI)
    assert scheduled_week_end(schedule, HANOI, moment).isoformat() == week_end


@pytest.mark.integration
@pytest.mark.parametrize(
    ("run_at", "sent"),
    [
        pytest.param(datetime(2020, 4, 6, 7, 30, tzinfo=HANOI), True, id="first-week-of-the-plan"),
        pytest.param(
            datetime(2020, 7, 6, 7, 30, tzinfo=HANOI), True, id="week-of-the-plans-last-day"
        ),
        pytest.param(datetime(2020, 7, 13, 7, 30, tzinfo=HANOI), False, id="week-after-the-plan"),
        pytest.param(datetime(2020, 3, 30, 7, 30, tzinfo=HANOI), False, id="week-before-the-plan"),
    ],
)
def test_no_digest_for_a_week_outside_every_plan(app, smtp_server, run_at, sent):
    app.at = run_at
    send_scheduled_digest(app)
    assert len(smtp_server.mailbox.envelopes) == (1 if sent else 0)
