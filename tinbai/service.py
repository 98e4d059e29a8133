"""`tinbai run`: the scheduler that polls the mailboxes and sends the weekly digest.

APScheduler 3 runs these jobs, each with `max_instances=1` and `coalesce=True`:
a poll of each mailbox every `poll_interval` seconds (and at start), followed by the
receipts that are due when `[receipts]` is on (`tinbai/receipts.py`), on its own IMAP
session kept logged in between polls (an idle poll is a NOOP), and the digest
on `digest.schedule` (cron, in `digest.timezone`); with `[reminders]` on, an hourly
check that sends a configured date's reminders once (`tinbai/reminders.py`). A failed poll is logged and
tried again sooner, with a doubling back-off up to the poll interval; after
`mailbox.alert_after` seconds of failure the editor gets one email, and one
more when polling recovers (composed and sent by `tinbai/alerts.py`). Extra components
(the admin web server) are started with the service and stopped with it. SIGTERM and SIGINT stop it cleanly, and the
kept session logs out.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from filelock import FileLock, Timeout
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from store.mailbox_state import PollHealth, poll_health, save_poll_health
from tinbai.alerts import email_editor, polling_failed, polling_recovered
from tinbai.app import App
from tinbai.config import mailbox_config, mailbox_names
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


@contextlib.contextmanager
def run_lock(app: App) -> Iterator[None]:
    """On SQLite, one `tinbai run` per database: a second one says to move to PostgreSQL.

    SQLite takes one writer at a time; the web admin and a `tinbai poll` by hand wait
    their turn, but two services polling and sending digests side by side are what
    PostgreSQL is for. On PostgreSQL there is no such lock.
    """
    url = make_url(app.config.database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        yield
        return
    database = Path(url.database)
    lock = FileLock(database.with_name(f".{database.name}.run.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise ConfigError(
            f"another `tinbai run` is already using {database} — SQLite takes one service:"
            " poll every mailbox from that one process, or move to PostgreSQL"
            ' (`tinbai db copy`, README "Moving to PostgreSQL") to run one per mailbox'
        ) from None
    except OSError as e:
        raise ConfigError(
            f"cannot create the lock {lock.lock_file} ({e.strerror}) — make the database's folder writable"
        ) from e
    try:
        yield
    finally:
        lock.release()


class Service:
    """The scheduler's jobs.

    ``mailboxes``: the names of the mailboxes this process polls (default: every one in
    the config); ``digest``: whether it sends the weekly digest. Several processes share
    one PostgreSQL database by each polling its own mailboxes (`tinbai run --mailbox
    NAME`), with the digest sent by one of them.
    """

    def __init__(
        self,
        app: App,
        components: Sequence[Component] = (),
        *,
        mailboxes: Sequence[str] | None = None,
        digest: bool = True,
    ) -> None:
        self.app = app
        self.components = list(components)
        self.scheduler: BlockingScheduler | None = None
        names = mailbox_names(app.config)
        for name in mailboxes or ():
            mailbox_config(app.config, name)  # an unknown name: one line, before anything runs
        self.mailboxes = list(mailboxes) if mailboxes else names
        self.digest = digest
        # Each mailbox's IMAP session, kept between its polls.
        self.sessions = {name: MailboxSession() for name in self.mailboxes}
        # Each account's outage (None: polling works), as kept in the database; read once.
        self._outages: dict[str, PollHealth | None] = {}

    @property
    def session(self) -> MailboxSession:
        """The first mailbox's kept session (the only one in most configs)."""
        return self.sessions[self.mailboxes[0]]

    # ------------------------------------------------------------------ jobs

    def poll_job(self, name: str | None = None) -> None:
        """One scheduled poll of a mailbox (default: the first); never raises."""
        name = name or self.mailboxes[0]
        try:
            stats = poll_once(self.app, session=self.sessions[name], mailbox_name=name)
        except PollBusy as e:
            log.info("poll of %s skipped: %s", name, e)
            return
        except TinbaiError as e:
            self._failed(name, str(e))
            return
        except Exception as e:  # edge: the scheduler must keep running
            log.exception("poll of %s crashed", name)
            self._failed(name, f"internal error: {type(e).__name__}: {e}")
            return
        log.info("poll of %s: %s", name, stats.summary())
        self._recovered(name)
        # In every process that polls: with `--mailbox` the digest process polls nothing, so
        # a receipt left to it would never go out. The claims keep each receipt to one send.
        self.receipts_job()

    def close(self) -> None:
        """Log the kept IMAP sessions out; the next poll would log in again."""
        for session in self.sessions.values():
            try:
                session.close()
            except Exception:  # edge: stopping must not fail on a session already gone
                log.exception("closing the IMAP session failed")

    def digest_job(self) -> None:
        from tinbai.digest_job import send_scheduled_digest  # noqa: PLC0415 — the digest's own module

        self._mail_job("weekly digest", send_scheduled_digest)

    def receipts_job(self) -> None:
        """After a poll: the receipts that are due (only when `[receipts]` is enabled)."""
        if not self.app.config.model.receipts.enabled:
            return
        from tinbai.receipts import send_due_receipts  # noqa: PLC0415 — only when receipts are on

        self._mail_job("receipts", send_due_receipts)

    def reminders_job(self) -> None:
        from tinbai.reminders import scheduled_reminders  # noqa: PLC0415 — only when reminders are on

        self._mail_job("reminders", scheduled_reminders)

    def _mail_job(self, what: str, job: Callable[[App], object]) -> None:
        """Run a job that sends mail: its failure is one logged line, and the scheduler runs on."""
        try:
            job(self.app)
        except TinbaiError as e:
            log.error("%s not sent: %s", what, e)
        except Exception:  # edge: the scheduler must keep running
            log.exception("%s crashed", what)

    # ------------------------------------------------------------------ health

    def _failed(self, name: str, reason: str) -> None:
        now = self.app.now()
        settings = self._mailbox_settings(name)
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
                args=(name,),
                id=f"poll-retry:{name}",
                replace_existing=True,
            )
        if not health.alerted and now - health.failing_since >= timedelta(seconds=alert_after):
            health = replace(
                health, alerted=email_editor(self.app, polling_failed(self.app, health))
            )
        self._keep_health(account, health)

    def _recovered(self, name: str) -> None:
        settings = self._mailbox_settings(name)
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

    def _mailbox_settings(self, name: str) -> tuple[str, float, float] | None:
        """(account, poll interval, alert delay), or None without a [mailbox]."""
        try:
            mailbox = mailbox_config(self.app.config, name)
        except ConfigError:
            return None
        return account_of(mailbox), mailbox.poll_interval, mailbox.alert_after

    # ------------------------------------------------------------------ running

    def build_scheduler(self) -> BlockingScheduler:
        config = self.app.config
        tz = ZoneInfo(config.model.digest.timezone)
        scheduler = BlockingScheduler(timezone=tz)
        defaults = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 3600}
        for name in self.mailboxes:
            scheduler.add_job(
                self.poll_job,
                IntervalTrigger(seconds=mailbox_config(config, name).poll_interval, timezone=tz),
                args=(name,),
                id=f"poll:{name}",
                next_run_time=self.app.now().astimezone(tz),  # the first poll at start
                **defaults,
            )
        if not self.mailboxes:
            log.warning("no [mailbox] in the config: the service will not poll")
        if self.digest:
            trigger = cron_trigger(config.model.digest.schedule, tz)
            scheduler.add_job(self.digest_job, trigger, id="digest", **defaults)
            if config.model.reminders.enabled:
                scheduler.add_job(
                    self.reminders_job,
                    IntervalTrigger(hours=1, timezone=tz),
                    id="reminders",
                    next_run_time=self.app.now().astimezone(tz),
                    **defaults,
                )
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
