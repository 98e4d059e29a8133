"""The editor's two emails about polling: it has failed since a moment, and it works again.

Composed here, in the digest's language (Vietnamese unless told otherwise) and the
digest's time zone, and sent by the one editor-mail sender (`digest/mail.py`) with the
one SMTP secret rule (`tinbai.config.smtp_settings`); `tinbai/service.py` decides when.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from digest.mail import send_to_editor, text_message
from store.mailbox_state import PollHealth
from tinbai.app import App
from tinbai.config import editor_settings, smtp_settings
from tinbai.errors import TinbaiError

log = logging.getLogger(__name__)

# The two emails the editor gets about polling, in the digest's language (Vietnamese unless
# told otherwise). {reason} is tinbai's one-line error, in English: it is for whoever fixes it.
ALERTS: dict[str, dict[str, str]] = {
    "vi": {
        "time": "%H:%M ngày %d/%m/%Y (giờ {zone})",
        "failed_subject": "tinbai: chưa đọc được hộp thư nhận tin, bài, ảnh từ {since}",
        "failed_body": (
            "tinbai không đọc được hộp thư nhận tin, bài, ảnh từ {since}; đã thử {failures} lần.\n\n"
            "Lỗi lần gần nhất (chi tiết kỹ thuật cho người quản trị):\n{reason}\n\n"
            "Trong thời gian này, tin, bài, ảnh các đơn vị gửi về chưa được đếm; thư không mất"
            " mà vẫn nằm trong hộp thư. Khi đọc lại được, tinbai sẽ đếm bù đầy đủ và gửi thêm"
            " một thư báo.\n"
        ),
        "recovered_subject": "tinbai: đã đọc lại được hộp thư nhận tin, bài, ảnh",
        "recovered_body": (
            "Hộp thư nhận tin, bài, ảnh đã đọc lại được, sau khi gặp lỗi từ {since}."
            " Không thư nào bị bỏ sót: tinbai đã đếm tiếp từ chỗ dừng.\n"
        ),
    },
    "en": {
        "time": "%Y-%m-%d %H:%M ({zone} time)",
        "failed_subject": "tinbai: polling the mailbox has failed since {since}",
        "failed_body": (
            "tinbai could not poll the collection mailbox since {since}; {failures} attempts.\n\n"
            "Last error (for whoever fixes it):\n{reason}\n\n"
            "Submissions are not being counted until this is fixed; they wait in the mailbox."
            " When polling works again they are all counted, and you get one more email.\n"
        ),
        "recovered_subject": "tinbai: polling the mailbox works again",
        "recovered_body": (
            "Polling the collection mailbox works again, after failing since {since}."
            " Nothing was missed: the poll resumed where it had stopped.\n"
        ),
    },
}


@dataclass(frozen=True)
class Alert:
    subject: str
    body: str


def _texts(app: App) -> dict[str, str]:
    from tinbai.digest_job import digest_language  # noqa: PLC0415 — the digest's own module

    return ALERTS.get(digest_language(app), ALERTS["vi"])


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
