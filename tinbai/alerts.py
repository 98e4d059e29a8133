"""The editor's two emails about polling: it has failed since a moment, and it works again.

Composed here, in the digest's language (Vietnamese unless told otherwise) and the
digest's time zone, and sent by the one editor-mail sender (`digest/mail.py`) with the
one SMTP secret rule (`tinbai.config.smtp_settings`); `tinbai/service.py` decides when.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from digest.mail import send_to_editor, text_message
from store.mailbox_state import PollHealth
from texts import view
from tinbai.app import App
from tinbai.config import editor_settings, smtp_settings
from tinbai.errors import TinbaiError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Alert:
    subject: str
    body: str


def _texts(app: App) -> Mapping[str, str]:
    """The alerts' texts in the digest's language (Vietnamese unless told otherwise)."""
    from tinbai.digest_job import digest_language  # noqa: PLC0415 — the digest's own module

    return view(digest_language(app), (("alert.", ""),))


def _moment(app: App, when: datetime, fmt: str) -> str:
    """A time as the editor reads it: in the digest's time zone, which it names."""
    tz = ZoneInfo(app.config.model.digest.timezone)
    return when.astimezone(tz).strftime(fmt.replace("{zone}", tz.key))


def polling_failed(app: App, health: PollHealth) -> Alert:
    """Polling has failed since ``health.failing_since``; the last reason for whoever fixes it."""
    text = _texts(app)
    since = _moment(app, health.failing_since, text["time"])
    return Alert(
        text["failed_subject"].format(since=since),
        text["failed_body"].format(since=since, failures=health.failures, reason=health.last_error),
    )


def polling_recovered(app: App, health: PollHealth) -> Alert:
    """Polling works again, after failing since ``health.failing_since``."""
    text = _texts(app)
    since = _moment(app, health.failing_since, text["time"])
    return Alert(
        text["recovered_subject"].format(since=since), text["recovered_body"].format(since=since)
    )


def email_editor(app: App, alert: Alert) -> bool:
    """Email the editor; True if it went out. A failure here is only logged."""
    model = app.config.model
    if model.smtp is None or not model.digest.to:
        log.error(
            "cannot email the editor (%s): no [smtp] or digest.to in the config", alert.subject
        )
        return False
    editor = editor_settings(app.config)
    message = text_message(editor, alert.subject, alert.body, now=app.now())
    try:
        send_to_editor(smtp_settings(app.config), editor, message)
    except TinbaiError as e:
        log.error("cannot email the editor (%s): %s", alert.subject, e)
        return False
    log.warning("emailed the editor: %s", alert.subject)
    return True
