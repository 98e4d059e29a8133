"""Build real test mail: messages with real JPEG/PNG photos, as mail clients send them.

Importable from any test (`from mailkit import build_message`): `tests/` is on
pytest's pythonpath.
"""

from __future__ import annotations

import io
import random
import zipfile
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


def make_scene(seed: int, width: int = 1200, height: int = 800) -> bytes:
    """A real JPEG that looks like a photo on a screenshot (sky, ground, sun), over 20 KB."""
    from PIL import Image, ImageDraw  # noqa: PLC0415 — test-only dependency

    rng = random.Random(seed)  # noqa: S311 — test pixels, not secrets
    sky = (rng.randrange(60, 140), rng.randrange(120, 200), 235)
    ground = (rng.randrange(40, 120), rng.randrange(110, 170), rng.randrange(30, 80))
    image = Image.new("RGB", (width, height), sky)
    draw = ImageDraw.Draw(image)
    horizon = height * rng.randrange(50, 70) // 100
    draw.rectangle((0, horizon, width, height), fill=ground)
    r = height // 8
    x, y = rng.randrange(r, width - r), rng.randrange(r, horizon - r)
    draw.ellipse((x - r, y - r, x + r, y + r), fill=(250, 210, 80))
    for _ in range(6):  # hills
        cx, w = rng.randrange(width), rng.randrange(width // 6, width // 3)
        shade = tuple(max(0, c - rng.randrange(10, 40)) for c in ground)
        draw.polygon(
            [(cx - w, horizon), (cx, horizon - rng.randrange(40, 160)), (cx + w, horizon)],
            fill=shade,
        )
    grain = Image.effect_noise((width, height), 40).convert("RGB")
    image = Image.blend(image, grain, 0.08)
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


def make_docx(*paragraphs: str) -> bytes:
    """A real .docx (python-docx) with one paragraph per argument."""
    import docx  # noqa: PLC0415 — test-only use of a dependency

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_zip(files: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def make_heic(seed: int, size: tuple[int, int] = (640, 480)) -> bytes:
    import pillow_heif  # noqa: PLC0415
    from PIL import Image  # noqa: PLC0415

    pillow_heif.register_heif_opener()
    image = Image.effect_noise(size, 40 + seed % 50).convert("RGB")
    out = io.BytesIO()
    image.save(out, "HEIF", quality=50)
    return out.getvalue()


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF with one line of text, written by hand (PDF 1.4, classic xref)."""
    line = text.encode("ascii", "replace").decode()
    stream = f"BT /F1 12 Tf 72 720 Td ({line}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
