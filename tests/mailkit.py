"""Build real test mail: messages with real JPEG/PNG photos, as mail clients send them.

Importable from any test (`from mailkit import build_message`): `tests/` is on
pytest's pythonpath.
"""

from __future__ import annotations

import io
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from zoneinfo import ZoneInfo

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def make_jpeg(width: int = 1200, height: int = 800, seed: int = 0) -> bytes:
    """A real JPEG photo with noise, so that every seed gives distinct, large bytes."""
    from PIL import Image  # noqa: PLC0415 — test-only dependency

    rng = random.Random(seed)  # noqa: S311 — test pixels, not secrets
    image = Image.effect_noise((width, height), 60 + seed % 40).convert("RGB")
    image.putpixel((0, 0), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def make_png(width: int, height: int) -> bytes:
    from PIL import Image  # noqa: PLC0415

    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    maintype: str = "image"
    subtype: str = "jpeg"
    inline: bool = False


def build_message(
    *,
    sender: str = "tuangiao@example.org",
    to: str = "tinbai@example.org",
    subject: str = "[Tin] Hội nghị",
    body: str = "Kính gửi Ban Tuyên giáo, đơn vị gửi tin.",
    attachments: Sequence[Attachment] = (),
    date: datetime | None = None,
    message_id: str | None = None,
    headers: Sequence[tuple[str, str]] = (),
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date or datetime(2020, 5, 11, 9, 0, tzinfo=HANOI))
    msg["Message-ID"] = message_id or make_msgid(domain="example.org")
    for name, value in headers:
        msg[name] = value
    msg.set_content(body)
    for a in attachments:
        msg.add_attachment(a.data, maintype=a.maintype, subtype=a.subtype, filename=a.filename)
        if a.inline:
            msg.get_payload()[-1].replace_header(
                "Content-Disposition", f'inline; filename="{a.filename}"'
            )
    return msg.as_bytes()
