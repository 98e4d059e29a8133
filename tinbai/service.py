"""`tinbai run`: the scheduler that polls the mailbox and sends the weekly digest.

APScheduler 3 runs two jobs, each with `max_instances=1` and `coalesce=True`:
the poll every `mailbox.poll_interval` seconds (and at start), on one IMAP session
kept logged in between polls (an idle poll is a NOOP), and the digest
on `digest.schedule` (cron, in `digest.timezone`). A failed poll is logged and
tried again sooner, with a doubling back-off up to the poll interval; after
`mailbox.alert_after` seconds of failure the editor gets one email, and one
more when polling recovers (composed and sent by `tinbai/alerts.py`). Extra components
(the admin web server) are started with the service and stopped with it. SIGTERM and SIGINT stop it cleanly, and the
kept session logs out.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.exc import SQLAlchemyError

from store.mailbox_state import PollHealth, poll_health, save_poll_health
from tinbai.alerts import email_editor, polling_failed, polling_recovered
from tinbai.app import App
from tinbai.config import mailbox_config
from tinbai.errors import ConfigError, TinbaiError
from tinbai.polling import MailboxSession, PollBusy, account_of, poll_once
from tinbai.schedule import cron_trigger

log = logging.getLogger(__name__)

FIRST_RETRY = 30.0  # seconds after a failed poll; doubles up to the poll interval


@dataclass(frozen=True)
class Component:
    """Something that runs beside the scheduler, e.g. the admin web server."""

    name: str
    start: Callable[[], None]
    stop: Callable[[], None]


def web_component(app: App) -> Component:
    """The admin web server of `[web]`, started beside the scheduler by `tinbai run`."""
    web = app.config.model.web
    running: list[Any] = []

    def start() -> None:
        from tinbai.web import start_in_thread  # noqa: PLC0415 — uvicorn only when the web is on

        server = start_in_thread(app, web.host, web.port)
        running.append(server)
        log.warning("web admin listening on %s", server.url)

    def stop() -> None:
        while running:
            running.pop().stop()

    return Component("web admin", start, stop)


class Service:
    def __init__(self, app: App, components: Sequence[Component] = ()) -> None:
        self.app = app
        self.components = list(components)
        self.scheduler: BlockingScheduler | None = None
        self.session = MailboxSession()  # the polls' IMAP session, kept between them
        # Each account's outage (None: polling works), as kept in the database; read once.
        self._outages: dict[str, PollHealth | None] = {}

    # ------------------------------------------------------------------ jobs

    def poll_job(self) -> None:
        """One scheduled poll; never raises, so the scheduler lives on."""
        try:
            stats = poll_once(self.app, session=self.session)
        except PollBusy as e:
            log.info("poll skipped: %s", e)
            return
        except TinbaiError as e:
            self._failed(str(e))
            return
        except Exception as e:  # edge: the scheduler must keep running
            log.exception("poll crashed")
            self._failed(f"internal error: {type(e).__name__}: {e}")
            return
        log.info("poll: %s", stats.summary())
        self._recovered()

    def close(self) -> None:
        """Log the kept IMAP session out; the next poll would log in again."""
        try:
            self.session.close()
        except Exception:  # edge: stopping must not fail on a session already gone
            log.exception("closing the IMAP session failed")

    def digest_job(self) -> None:
        from tinbai.digest_job import send_scheduled_digest  # noqa: PLC0415 — the digest's own module

        try:
            send_scheduled_digest(self.app)
        except TinbaiError as e:
            log.error("weekly digest not sent: %s", e)
        except Exception:  # edge: the scheduler must keep running
            log.exception("weekly digest crashed")

    # ------------------------------------------------------------------ health

    def _failed(self, reason: str) -> None:
        now = self.app.now()
        settings = self._mailbox_settings()
        if settings is None:
            log.error("poll failed: %s", reason)
            return
        account, interval, alert_after = settings
        before = self._health(account)  # kept in the database: a restart forgets nothing
        health = PollHealth(
            failing_since=before.failing_since if before else now,
            failures=(before.failures if before else 0) + 1,
            last_error=reason,
            alerted=before.alerted if before else False,
        )
        log.error("poll failed (%d in a row): %s", health.failures, reason)
        delay = min(FIRST_RETRY * 2 ** (health.failures - 1), interval)
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.add_job(
                self.poll_job,
                DateTrigger(now + timedelta(seconds=delay)),
                id="poll-retry",
                replace_existing=True,
            )
        if not health.alerted and now - health.failing_since >= timedelta(seconds=alert_after):
            health = replace(
                health, alerted=email_editor(self.app, polling_failed(self.app, health))
            )
        self._keep_health(account, health)

    def _recovered(self) -> None:
        settings = self._mailbox_settings()
        if settings is None:
            return
        account = settings[0]
        health = self._health(account)
        if health is None:
            return
        if health.alerted:
            email_editor(self.app, polling_recovered(self.app, health))
        self._keep_health(account, None)

    def _health(self, account: str) -> PollHealth | None:
        """The outage as last kept: read from the database once per start, then remembered."""
        if account in self._outages:
            return self._outages[account]
        try:
            health = poll_health(self.app.store, account)
        except (TinbaiError, SQLAlchemyError) as e:  # the database may be what is failing
            log.error("cannot read how long polling has failed: %s", e)
            return None
        self._outages[account] = health
        return health

    def _keep_health(self, account: str, health: PollHealth | None) -> None:
        self._outages[account] = health
        try:
            save_poll_health(self.app.store, account, health)
        except (TinbaiError, SQLAlchemyError) as e:
            log.error("cannot record how long polling has failed: %s", e)

    def _mailbox_settings(self) -> tuple[str, float, float] | None:
        """(account, poll interval, alert delay), or None without a [mailbox]."""
        try:
            mailbox = mailbox_config(self.app.config)
        except ConfigError:
            return None
        return account_of(mailbox), mailbox.poll_interval, mailbox.alert_after

    # ------------------------------------------------------------------ running

    def build_scheduler(self) -> BlockingScheduler:
        config = self.app.config
        tz = ZoneInfo(config.model.digest.timezone)
        scheduler = BlockingScheduler(timezone=tz)
        defaults = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 3600}
        if config.model.mailbox is not None:
            scheduler.add_job(
                self.poll_job,
                IntervalTrigger(seconds=config.model.mailbox.poll_interval, timezone=tz),
                id="poll",
                next_run_time=self.app.now().astimezone(tz),  # the first poll at start
                **defaults,
            )
        else:
            log.warning("no [mailbox] in the config: the service will not poll")
        trigger = cron_trigger(config.model.digest.schedule, tz)
        scheduler.add_job(self.digest_job, trigger, id="digest", **defaults)
        return scheduler

    def run_forever(self) -> None:
        """Run until SIGTERM or SIGINT; start and stop the extra components around it."""
        self.scheduler = self.build_scheduler()
        scheduler = self.scheduler

        def stop(signum: int, _frame: FrameType | None) -> None:
            log.info("received %s: stopping", signal.Signals(signum).name)
            # shutdown() waits for a running job; do it off the signal handler's frame.
            threading.Thread(target=scheduler.shutdown, kwargs={"wait": True}, daemon=True).start()

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        started: list[Component] = []
        try:
            for component in self.components:
                component.start()
                started.append(component)
                log.info("started %s", component.name)
            log.info("tinbai service running")
            scheduler.start()
        finally:
            for component in reversed(started):
                try:
                    component.stop()
                except Exception:  # stop the other components anyway
                    log.exception("stopping %s failed", component.name)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.close()
        log.info("tinbai service stopped")
