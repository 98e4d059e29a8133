"""Send the editor's weekly digest: compose, claim the week, deliver, or say it was sent.

`send_scheduled_digest(app)` is what `tinbai run` calls on the digest schedule;
`tinbai digest` calls the same functions. The week a digest covers ends on the
last full day before the scheduled run (the run's own day when the schedule
fires in the afternoon), so a retry later keeps covering the same week.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from filelock import FileLock, Timeout

from classify.crash import crash_point
from digest.errors import TemporaryDeliveryError
from digest.mail import compose, send_to_editor
from digest.progress import PlanProgress, Week, week_ending
from digest.render import RenderedDigest, render_digest
from store.digests import (
    SentDigest,
    claim_digest,
    mark_delivered,
    release_digest,
    sent_digest,
)
from tinbai.app import App
from tinbai.config import (
    PlanConfig,
    digest_plan,
    editor_settings,
    smtp_config,
    smtp_settings,
)
from tinbai.errors import ConfigError
from tinbai.report import plan_progress
from tinbai.schedule import cron_trigger

log = logging.getLogger(__name__)

AFTERNOON = 12  # a run at or after noon counts the day it runs on
LOOKBACK = timedelta(days=400)  # far enough back to find the last run of a yearly schedule


def digest_timezone(app: App) -> ZoneInfo:
    return ZoneInfo(app.config.model.digest.timezone)


def digest_language(app: App) -> str:
    model = app.config.model
    return model.digest.language or model.language


def last_run(schedule: str, tz: tzinfo, now: datetime) -> datetime | None:
    """The latest time at or before ``now`` that the schedule fires."""
    trigger = cron_trigger(schedule, tz)
    # Jump close to `now` in steps, so that a schedule firing every minute stays cheap.
    for back in (timedelta(hours=2), timedelta(days=2), timedelta(days=40), LOOKBACK):
        latest: datetime | None = None
        fire: datetime | None = trigger.get_next_fire_time(None, now - back)
        while fire is not None and fire <= now:
            latest = fire
            fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
        if latest is not None:
            return latest
    return None


def scheduled_week_end(schedule: str, tz: tzinfo, now: datetime) -> date:
    """The last day of the week the latest scheduled digest covers."""
    run = last_run(schedule, tz, now) or now.astimezone(tz)
    run = run.astimezone(tz)
    return run.date() if run.hour >= AFTERNOON else run.date() - timedelta(days=1)


def default_week_end(app: App) -> date:
    return scheduled_week_end(app.config.model.digest.schedule, digest_timezone(app), app.now())


@dataclass(frozen=True)
class Digest:
    progress: PlanProgress
    rendered: RenderedDigest

    @property
    def week(self) -> Week:
        return self.progress.week


def build_digest(app: App, plan: PlanConfig, as_of: date) -> Digest:
    progress = plan_progress(app, plan, as_of)
    notes = digest_plan(app.config.model, plan).notes()  # the plan's "Ghi chú" per unit or group
    rendered = render_digest(
        progress, language=digest_language(app), tz=digest_timezone(app), notes=notes
    )
    return Digest(progress, rendered)


def recipients(app: App) -> list[str]:
    to = list(app.config.model.digest.to)
    if not to:
        raise ConfigError(
            'digest.to is empty — list the editor\'s address, e.g. to = ["bientap@example.org"]'
        )
    return to


def message_for(app: App, digest: Digest, message_id: str | None = None) -> EmailMessage:
    # a preview may have no recipient yet
    return compose(
        digest.rendered, editor_settings(app.config), now=app.now(), message_id=message_id
    )


@dataclass(frozen=True)
class SendOutcome:
    sent: bool
    week: Week
    record: SentDigest  # what was sent now, or what had been sent before


LOCK_WAIT = 120.0  # seconds another sender of this config may take to finish


def send_digest(app: App, plan: PlanConfig, as_of: date, *, force: bool = False) -> SendOutcome:
    """Send the digest of the week ending ``as_of`` unless that week was sent already.

    Raises DeliveryError (TemporaryDeliveryError when a retry may help); the
    week then stays unsent. One sender at a time per config (a file lock), so a
    claim found without its delivery is one a crash left behind: it is sent again.
    """
    smtp_config(app.config)  # the mistakes in the config first, before the week is looked up
    to = recipients(app)
    lock = FileLock(app.config.base_dir / ".tinbai-digest.lock")
    try:
        lock.acquire(timeout=LOCK_WAIT)
    except Timeout as e:
        raise TemporaryDeliveryError(
            "another tinbai process has been sending the digest for two minutes"
            " — let it finish, then try again"
        ) from e
    except OSError as e:
        raise ConfigError(
            f"cannot create the digest lock {lock.lock_file} ({e.strerror}) — make the config file's folder writable"
        ) from e
    try:
        return _send_locked(app, plan, as_of, to, force=force)
    finally:
        lock.release()


def _send_locked(
    app: App, plan: PlanConfig, as_of: date, to: list[str], *, force: bool
) -> SendOutcome:
    week_end = as_of
    previous = None if force else sent_digest(app.store, plan.id, week_end)
    if previous is not None and previous.delivered_at is not None:
        return SendOutcome(False, Week(previous.week_start, previous.week_end), previous)
    if previous is not None:
        log.warning(
            "digest for plan %s week ending %s was claimed at %s but never confirmed"
            " delivered (a crash?): sending it again",
            plan.id,
            week_end,
            previous.sent_at.isoformat(timespec="minutes"),
        )
    smtp = smtp_settings(app.config)  # the secret is read now, and only to send
    digest = build_digest(app, plan, as_of)
    message = message_for(app, digest)
    sending = SentDigest(
        plan_id=plan.id,
        week_start=digest.week.start,
        week_end=digest.week.end,
        recipients=tuple(to),
        message_id=str(message["Message-ID"]),
        sent_at=app.now(),
    )
    claim = claim_digest(app.store, sending, force=force)
    if not claim.granted:  # another tinbai took the week between our check and our claim
        return SendOutcome(False, digest.week, claim.previous or sending)
    crash_point("digest.claimed")
    try:
        send_to_editor(smtp, editor_settings(app.config), message)
    except BaseException:
        release_digest(app.store, sending, claim.previous)
        raise
    mark_delivered(app.store, sending, app.now())
    log.info(
        "digest for plan %s week %s sent to %s as %s",
        plan.id,
        week_end,
        ", ".join(to),
        sending.message_id,
    )
    return SendOutcome(True, digest.week, sending)


def send_scheduled_digest(app: App) -> None:
    """The scheduled job: send the week's digest once; a no-op if it went out already.

    Raises TemporaryDeliveryError when the SMTP server may accept it later, so
    the scheduler tries again; the week stays unsent until then.
    """
    as_of = default_week_end(app)
    plan = app.plan(on=as_of)
    week = week_ending(as_of)
    if week.start > plan.end or week.end < plan.start:
        # Between quarters: no week of any plan to report, so no mail to the editor.
        log.info("no plan runs in the week %s – %s; no digest sent", week.start, week.end)
        return
    outcome = send_digest(app, plan, as_of)
    if not outcome.sent:
        log.info(
            "digest for plan %s week ending %s already sent at %s; nothing to do",
            plan.id,
            as_of,
            outcome.record.sent_at.isoformat(timespec="minutes"),
        )
