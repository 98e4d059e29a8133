"""Mail from tinbai to a unit (receipts, reminders): headers written once, loop-safe.

Every such message says it is automatic (RFC 3834 ``Auto-Submitted``), asks Exchange not
to answer it, and carries a Message-ID that tinbai's own `ReplyToTinbai` rule knows, so
an autoresponder's answer that lands in the collection mailbox is never counted.
"""

from __future__ import annotations

from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime

from digest.mail import new_message_id
from digest.progress import UnitProgress
from tinbai.app import App
from tinbai.config import PlanConfig
from tinbai.errors import ConfigError
from tinbai.report import plan_progress


def unit_message(
    *,
    sender: str,
    to: list[str],
    subject: str,
    body: str,
    now: datetime,
    kind: str,
    auto_submitted: str = "auto-generated",
    replying_to: list[str] | None = None,
) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = new_message_id(sender, kind)
    if replying_to:
        msg["In-Reply-To"] = replying_to[-1]
        msg["References"] = " ".join(replying_to[-20:])
    msg["Auto-Submitted"] = auto_submitted
    msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content(body, cte="quoted-printable")
    return msg


def unit_name(app: App, unit_id: str, language: str) -> str:
    unit = app.config.model.units[unit_id]
    return (unit.name_en or unit.name) if language == "en" else unit.name


def running_plan(app: App, on: date) -> PlanConfig | None:
    """The plan whose period holds ``on``, or None: a unit is never told about a plan that
    ended (`Config.plan` falls back to the last one, for pages shown between quarters)."""
    try:
        plan = app.config.plan(None, on=on)
    except ConfigError:
        return None
    return plan if plan.start <= on <= plan.end else None


def unit_progress(app: App, plan: PlanConfig, unit_id: str, as_of: date) -> UnitProgress | None:
    progress = plan_progress(app, plan, as_of)
    return next((u for u in progress.units if u.id == unit_id), None)
