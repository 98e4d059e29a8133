"""Receipts: a short reply to a unit about what its mail counted for (off by default).

`tinbai.receipt_queue.queue` is called as each message is stored: a counted or review-bound submission owes
its sender a receipt unless RFC 3834 says not to answer it (`classify.loops`).
`send_due_receipts` runs after each poll of `tinbai run`: per sender, one receipt for
everything owed, at most one per `receipts.interval_minutes`, to mapped senders only;
claimed in the store before it goes out (`store.receipts`), so it goes out at most once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from classify.message import KINDS
from classify.reasons import COUNTS, Reason
from digest.errors import DeliveryError, TemporaryDeliveryError
from digest.smtp import deliver
from store.receipts import (
    Submission,
    claim_receipts,
    due_receipts,
    last_receipt_at,
    mark_sent,
    release_receipts,
    settle_stale_claims,
    skip_receipts,
)
from texts import reason_text, text
from tinbai.app import App
from tinbai.config import smtp_settings
from tinbai.unitmail import running_plan, unit_message, unit_name, unit_progress

log = logging.getLogger(__name__)

# A claim older than this was made by a tinbai that stopped before it could mark it
# sent: sending takes seconds (or smtp.timeout), never this long.
CLAIM_TIMEOUT = timedelta(minutes=10)


def language(app: App) -> str:
    model = app.config.model
    return model.receipts.language or model.language


@dataclass(frozen=True)
class ReceiptOutcome:
    sender: str
    sent: bool
    submissions: int
    note: str = ""


def send_due_receipts(app: App) -> list[ReceiptOutcome]:
    """Send every receipt that is due now; a failure is logged and tried at the next poll."""
    settings = app.config.model.receipts
    if not settings.enabled:
        return []
    store, now = app.store, app.now()
    for sender, receipt_id, n in settle_stale_claims(store, now - CLAIM_TIMEOUT):
        log.warning(
            "receipt %s to %s (%d submissions) may not have gone out: tinbai stopped while"
            " sending it; not sent again, so the unit never gets two — see `tinbai receipts`",
            receipt_id,
            sender,
            n,
        )
    due = due_receipts(store)
    if not due:
        return []
    mapping = app.sender_map()
    units = app.config.model.units
    interval = timedelta(minutes=settings.interval_minutes)
    outcomes = []
    for sender, submissions in due.items():
        unit = mapping.unit_for(sender)
        if unit not in units or unit is None:
            skip_receipts(store, [s.row for s in submissions])
            log.info("no receipt to %s: not mapped to a unit", sender)
            outcomes.append(ReceiptOutcome(sender, False, len(submissions), "unknown sender"))
            continue
        last = last_receipt_at(store, sender)
        if last is not None and now < last + interval:
            outcomes.append(ReceiptOutcome(sender, False, len(submissions), "waiting"))
            continue  # gathered into the next receipt, after the interval
        outcomes.append(_send_one(app, sender, unit, submissions, now))
    return outcomes


def _send_one(
    app: App, sender: str, unit: str, submissions: list[Submission], now: datetime
) -> ReceiptOutcome:
    smtp = smtp_settings(app.config)
    message = compose(app, sender, unit, submissions, now)
    receipt_id = str(message["Message-ID"])
    if not claim_receipts(app.store, [s.row for s in submissions], receipt_id, now):
        return ReceiptOutcome(sender, False, len(submissions), "claimed by another")
    try:
        deliver(smtp, message, [sender])
    except TemporaryDeliveryError as e:
        release_receipts(app.store, receipt_id)
        log.error("receipt to %s not sent, will try again: %s", sender, e)
        return ReceiptOutcome(sender, False, len(submissions), str(e))
    except DeliveryError as e:
        skip_receipts(app.store, [s.row for s in submissions], state="failed")
        log.error("receipt to %s refused, not tried again: %s", sender, e)
        return ReceiptOutcome(sender, False, len(submissions), str(e))
    mark_sent(app.store, receipt_id, app.now())
    log.info("receipt %s sent to %s for %d submissions", receipt_id, sender, len(submissions))
    return ReceiptOutcome(sender, True, len(submissions))


def compose(
    app: App, sender: str, unit: str, submissions: Sequence[Submission], now: datetime
) -> EmailMessage:
    """The receipt: each submission's count or why not, the unit's standing, who to ask."""
    lang = language(app)
    name = unit_name(app, unit, lang)
    tz = ZoneInfo(app.config.model.digest.timezone)
    lines = [text("receipt.greeting", lang, unit=name), ""]
    lines.append(text("receipt.intro", lang, n=len(submissions)))
    for sub in submissions:
        when = sub.received_at.astimezone(tz).strftime(text("receipt.time", lang))
        subject = sub.subject or "—"
        if sub.status == "counted":
            counts = reason_text(Reason(COUNTS, {k: sub.counts.get(k, 0) for k in KINDS}), lang)
            lines.append(text("receipt.counted", lang, subject=subject, when=when, counts=counts))
        else:
            reason = reason_text(sub.reason, lang)
            lines.append(text("receipt.review", lang, subject=subject, when=when, reason=reason))
    lines += ["", *_standing(app, unit, now, lang), ""]
    editors = app.config.model.digest.to
    if editors:
        lines.append(text("receipt.correction", lang, editor=", ".join(editors)))
    lines += [text("receipt.no_reply", lang), "", text("receipt.signature", lang)]
    first = submissions[0].subject or "—"
    subject = (
        text("receipt.subject_one", lang, subject=first)
        if len(submissions) == 1
        else text("receipt.subject_many", lang, n=len(submissions), unit=name)
    )
    return unit_message(
        sender=smtp_sender(app),
        to=[sender],
        subject=subject,
        body="\n".join(lines) + "\n",
        now=now,
        kind="receipt",
        auto_submitted="auto-replied",
        replying_to=[s.message_id for s in submissions if s.message_id],
    )


def smtp_sender(app: App) -> str:
    smtp = app.config.model.smtp
    return smtp.from_ if smtp else "tinbai@localhost"


def _standing(app: App, unit: str, now: datetime, lang: str) -> list[str]:
    tz = ZoneInfo(app.config.model.timezone)
    plan = running_plan(app, now.astimezone(tz).date())
    if plan is None:
        return []
    as_of = now.astimezone(app.config.plan_timezone(plan)).date()
    progress = unit_progress(app, plan, unit, as_of)
    if progress is None:
        return []
    head = text("receipt.standing", lang, plan=plan.title, as_of=as_of.strftime("%d/%m/%Y"))
    lines = [
        text(
            "receipt.standing_line",
            lang,
            kind=text(f"kind.{k}", lang),
            count=progress.counts[k],
            target=progress.standing.target[k],
            due=progress.standing.due[k],
        )
        for k in KINDS
        if progress.standing.target.get(k) is not None
    ]
    if not lines:
        counts = reason_text(Reason(COUNTS, dict(progress.counts)), lang)
        return [text("receipt.no_quota", lang, counts=counts)]
    return [head, *lines]
