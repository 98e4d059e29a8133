"""Regenerate the sample submissions used by the quick start (`scripts/quickstart`).

    .venv/bin/python samples/generate.py

Writes a handful of .eml files as units would send them to the seed plan's
mailbox in April–May 2020: tagged news with photos, an untagged article, a
photo-only mail, a resend of the same photos, an unknown sender and an
out-of-office reply. Addresses are the config's example.org placeholders.
"""

from __future__ import annotations

import io
import sys
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
COLLECT = "tinbai@example.org"

ARTICLE = (
    "Hưởng ứng Tháng Công nhân năm 2020, Liên đoàn Lao động huyện đã phối hợp với chính quyền "
    "tổ chức nhiều hoạt động thiết thực chăm lo đời sống cho đoàn viên, người lao động. "
) * 30


def photo(seed: int) -> bytes:
    """A small but real JPEG, distinct for every seed (a landscape with a sun)."""
    image = Image.new("RGB", (800, 600), (40 + seed * 13 % 200, 120, 200 - seed * 7 % 150))
    draw = ImageDraw.Draw(image)
    for i in range(0, 800, 8):
        draw.line(
            [(i, 600), (i + seed * 3 % 80, 380 + (i * seed) % 90)],
            fill=(30, 90 + i % 120, 40),
            width=6,
        )
    draw.ellipse([600 - seed * 9 % 300, 60, 700 - seed * 9 % 300, 160], fill=(250, 220, 60))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def message(  # noqa: PLR0917 — the samples read best as one call per line
    sender: str, subject: str, body: str, when: datetime, photos: list[int], mid: str
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = COLLECT
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<{mid}@example.org>"
    msg.set_content(body)
    for seed in photos:
        msg.add_attachment(
            photo(seed), maintype="image", subtype="jpeg", filename=f"anh-{seed}.jpg"
        )
    return msg.as_bytes()


def main() -> int:
    at = lambda d, h=9: datetime(2020, 4 if d > 30 else 5, d - 30 if d > 30 else d, h, tzinfo=HANOI)  # noqa: E731
    samples = {
        "01-tuan-giao-tin-anh.eml": message(
            "LĐLĐ huyện Tuần Giáo <tuangiao@example.org>",
            "[Tin] Hội nghị người lao động năm 2020",
            "Kính gửi Ban Tuyên giáo – Nữ công, đơn vị gửi tin và ảnh hội nghị.",
            at(36),
            [1, 2],
            "s01",
        ),
        "02-tuan-giao-tin.eml": message(
            "LĐLĐ huyện Tuần Giáo <tuangiao@example.org>",
            "[TIN] Trao quà cho công nhân khó khăn",
            "Sáng 5/5, LĐLĐ huyện Tuần Giáo trao 50 suất quà cho công nhân có hoàn cảnh khó khăn.",
            at(5),
            [],
            "s02",
        ),
        "03-dien-bien-phu-bai.eml": message(
            "LĐLĐ TP Điện Biên Phủ <dienbienphu@example.org>",
            "Bài viết: Tháng Công nhân – chăm lo thiết thực",
            ARTICLE,
            at(8),
            [],
            "s03",
        ),
        "04-tuyen-giao-anh.eml": message(
            "tuyengiao@example.org",
            "[Ảnh] Lễ kỷ niệm 57 năm Công đoàn tỉnh",
            "Ảnh lễ kỷ niệm.",
            at(45),
            [3, 4, 5],
            "s04",
        ),
        "05-tuyen-giao-anh-gui-lai.eml": message(
            "tuyengiao@example.org",
            "Fwd: [Ảnh] Lễ kỷ niệm 57 năm Công đoàn tỉnh",
            "Gửi lại ảnh.",
            at(46),
            [3, 4],
            "s05",
        ),
        "06-giao-duc-tin-bai.eml": message(
            "Công đoàn ngành Giáo dục <giaoduc@example.org>",
            "[Bài] Nhà giáo chung tay phòng chống Covid-19",
            ARTICLE,
            at(12),
            [6],
            "s06",
        ),
        "07-nguoi-gui-la.eml": message(
            "Nguyễn Văn A <nguoigui.moi@example.net>",
            "[Tin] Công đoàn cơ sở trường THCS tổ chức ngày hội",
            "Tin từ công đoàn cơ sở.",
            at(13),
            [7],
            "s07",
        ),
    }
    auto = EmailMessage()
    auto["From"] = "muongcha@example.org"
    auto["To"] = COLLECT
    auto["Subject"] = "Trả lời tự động: Vắng mặt"
    auto["Date"] = format_datetime(at(14))
    auto["Message-ID"] = "<s08@example.org>"
    auto["Auto-Submitted"] = "auto-replied"
    auto.set_content("Tôi đang đi công tác đến ngày 20/5.")
    samples["08-tu-dong-tra-loi.eml"] = auto.as_bytes()
    for name, raw in samples.items():
        (HERE / name).write_bytes(raw)
    print(f"wrote {len(samples)} samples to {HERE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
