"""Reminders: on the configured dates, one email to each unit behind pace (off by default).

A unit is behind when, for some kind with a target (its quota, or its group's
per-member minimum), it has fewer pieces than the straight pace asks for by that day.
The email lists what is still missing against the target. Each (plan, date, unit) is
claimed in the store before the mail goes out (`store.receipts`): one reminder, ever.
`tinbai remind --dry-run` shows who would get what; `tinbai run` checks once an hour.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from email.message import EmailMessage

from classify.message import KINDS
from digest.errors import DeliveryError
from digest.progress import UnitProgress
from digest.smtp import deliver
from store.receipts import claim_reminder, release_reminder, reminded_units, reminder_sent
from texts import text
from tinbai.app import App
from tinbai.config import PlanConfig, smtp_settings
from tinbai.report import plan_progress
from tinbai.unitmail import running_plan, unit_message, unit_name

log = logging.getLogger(__name__)

CATCH_UP = timedelta(days=2)  # a date missed while the service was down is still sent this late


@dataclass(frozen=True)
class Shortfall:
    kind: str
    count: int
    target: int
    due: int

    @property
    def missing(self) -> int:
        return self.target - self.count


@dataclass(frozen=True)
class Reminder:
    unit_id: str
    unit: str
    to: tuple[str, ...]
    shortfalls: tuple[Shortfall, ...]


@dataclass(frozen=True)
class RemindOutcome:
    reminder: Reminder
    state: str  # "would-send" | "sent" | "already" | "no-address" | "failed"
    note: str = ""


def language(app: App) -> str:
    model = app.config.model
    return model.reminders.language or model.language


def behind(unit: UnitProgress) -> tuple[Shortfall, ...]:
    """What the unit misses against its target, if it is behind the pace; else nothing."""
    std = unit.standing
    late = any(
        std.target.get(k) is not None and unit.counts[k] < (std.due.get(k) or 0) for k in KINDS
    )
    if not late:
        return ()
    return tuple(
        Shortfall(k, unit.counts[k], std.target[k] or 0, std.due.get(k) or 0)
        for k in KINDS
        if std.target.get(k) is not None and unit.counts[k] < (std.target[k] or 0)
    )


def unit_addresses(app: App) -> dict[str, list[str]]:
    """The full addresses mapped to each unit (the database's, then the config's)."""
    mapping = app.sender_map()
    out: dict[str, list[str]] = {}
    for address, unit in (*mapping.stored.items(), *mapping.seeded.items()):
        if "@" in address and not address.startswith("@"):
            out.setdefault(unit, [])
            if address not in out[unit]:
                out[unit].append(address)
    return out


def reminders_for(app: App, plan: PlanConfig, day: date) -> list[Reminder]:
    """Who is behind on ``day`` and what each misses, in the plan's unit order."""
    lang = language(app)
    addresses = unit_addresses(app)
    progress = plan_progress(app, plan, day)
    out = []
    for unit in progress.units:
        shortfalls = behind(unit)
        if shortfalls:
            name = unit_name(app, unit.id, lang)
            out.append(Reminder(unit.id, name, tuple(addresses.get(unit.id, ())), shortfalls))
    return out


def missing_text(reminder: Reminder, lang: str) -> str:
    return ", ".join(
        text(
            "reminder.missing_short",
            lang,
            missing=s.missing,
            kind=text(f"kind.{s.kind}", lang).lower(),
        )
        for s in reminder.shortfalls
    )


def compose(app: App, plan: PlanConfig, day: date, reminder: Reminder) -> EmailMessage:
    lang = language(app)
    progress = plan_progress(app, plan, day)
    boxes = [b.address for b in app.config.model.named_mailboxes().values()]
    lines = [
        text("receipt.greeting", lang, unit=reminder.unit),
        "",
        text(
            "reminder.intro",
            lang,
            as_of=day.strftime("%d/%m/%Y"),
            plan=plan.title,
            percent=progress.elapsed.percent,
            end=plan.end.strftime("%d/%m/%Y"),
        ),
        *(
            text(
                "reminder.missing_line",
                lang,
                kind=text(f"kind.{s.kind}", lang),
                count=s.count,
                target=s.target,
                missing=s.missing,
                due=s.due,
            )
            for s in reminder.shortfalls
        ),
        "",
    ]
    if boxes:
        lines.append(text("reminder.how", lang, address=boxes[0]))
    editors = app.config.model.digest.to
    if editors:
        lines.append(text("receipt.correction", lang, editor=", ".join(editors)))
    lines += [text("receipt.no_reply", lang), "", text("receipt.signature", lang)]
    smtp = app.config.model.smtp
    return unit_message(
        sender=smtp.from_ if smtp else "tinbai@localhost",
        to=list(reminder.to),
        subject=text("reminder.subject", lang, unit=reminder.unit, plan=plan.title),
        body="\n".join(lines) + "\n",
        now=app.now(),
        kind="reminder",
    )


def remind(app: App, day: date, *, dry_run: bool = False) -> list[RemindOutcome]:
    """Send (or with ``dry_run`` only list) the reminders of ``day``; each unit once."""
    plan = running_plan(app, day)
    if plan is None:
        return []
    done = reminded_units(app.store, plan.id, day.isoformat())
    outcomes = []
    for reminder in reminders_for(app, plan, day):
        if reminder.unit_id in done:
            outcomes.append(RemindOutcome(reminder, "already"))
        elif not reminder.to:
            outcomes.append(RemindOutcome(reminder, "no-address"))
        elif dry_run:
            outcomes.append(RemindOutcome(reminder, "would-send"))
        else:
            outcomes.append(_send(app, plan, day, reminder))
    return outcomes


def _send(app: App, plan: PlanConfig, day: date, reminder: Reminder) -> RemindOutcome:
    smtp = smtp_settings(app.config)
    message = compose(app, plan, day, reminder)
    message_id = str(message["Message-ID"])
    claimed = claim_reminder(
        app.store,
        plan_id=plan.id,
        day=day.isoformat(),
        unit_id=reminder.unit_id,
        recipients=reminder.to,
        message_id=message_id,
        now=app.now(),
    )
    if not claimed:
        return RemindOutcome(reminder, "already")
    try:
        deliver(smtp, message, list(reminder.to))
    except DeliveryError as e:
        release_reminder(app.store, message_id)  # not sent: the next run tries again
        log.error("reminder to %s not sent: %s", reminder.unit_id, e)
        return RemindOutcome(reminder, "failed", str(e))
    reminder_sent(app.store, message_id)
    log.info("reminder %s sent to %s (%s)", message_id, reminder.unit_id, ", ".join(reminder.to))
    return RemindOutcome(reminder, "sent")


def scheduled_reminders(app: App) -> list[RemindOutcome]:
    """The service's job: the reminders of a configured date that is today or just passed."""
    settings = app.config.model.reminders
    if not settings.enabled:
        return []
    today = app.today()
    outcomes = []
    for day in settings.dates:
        if day <= today <= day + CATCH_UP:
            outcomes += remind(app, day)
    return outcomes
