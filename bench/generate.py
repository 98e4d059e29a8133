"""Generate a photo-heavy collection mailbox straight into a Dovecot Maildir.

Each submission is what a unit's phone or mail client sends: a plain-text and
HTML body, and 1–4 full-size JPEG photos (about 3.3 MB each). A pool of real
JPEGs is made once; every photo is made distinct by a JPEG comment segment
after its SOI marker, sized so that the rest of the file keeps its base64
lines — so 8 GB of mail is written at disk speed, and every photo still has
its own fingerprint. UIDs are then assigned with `doveadm force-resync`
(about 18× faster than APPEND, see IMAP-NOTES).
"""

from __future__ import annotations

import base64
import os
import random
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from mailkit import make_jpeg

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
SENDERS = [
    "tuangiao@example.org",
    "dienbienphu@example.org",
    "muonglay@example.org",
    "tuyengiao@example.org",
    "giaoduc@example.org",
]
TAGS = ["[Tin]", "[Ảnh]", "[Bài]", "Tin:", ""]
LINE = 57  # bytes per base64 line of 76 characters
WORDS = [
    "công",
    "đoàn",
    "người",
    "lao",
    "động",
    "tháng",
    "công",
    "nhân",
    "thi",
    "đua",
    "hội",
    "nghị",
    "huyện",
    "tỉnh",
    "an",
    "toàn",
    "vệ",
    "sinh",
]


def _wrap(data: bytes) -> bytes:
    return b"".join(
        base64.b64encode(data[i : i + LINE]) + b"\r\n" for i in range(0, len(data), LINE)
    )


class PhotoPool:
    def __init__(self, size: int, width: int, height: int, exif: int = 0) -> None:
        """``exif``: bytes of an Exif-like APP1 block before the frame header, as phones write."""
        self.tails = [
            _wrap(self._app1(exif) + make_jpeg(width, height, seed)[2:]) for seed in range(size)
        ]

    @staticmethod
    def _app1(size: int) -> bytes:
        if not size:
            return b""
        payload = b"Exif\0\0" + bytes(range(256)) * (size // 256)
        return b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload

    def encoded(self, index: int, label: str) -> tuple[bytes, int]:
        """A distinct JPEG, already base64 encoded: SOI + comment (a whole line) + a pool tail."""
        comment = label.encode()[: LINE - 6].ljust(LINE - 6, b" ")
        head = b"\xff\xd8\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
        assert len(head) == LINE
        tail = self.tails[index % len(self.tails)]
        return base64.b64encode(head) + b"\r\n" + tail, len(tail)


def message(i: int, rng: random.Random, pool: PhotoPool, photos: int) -> tuple[bytes, datetime]:
    sent = datetime(2020, 4, 1, 8, 0, tzinfo=HANOI) + timedelta(minutes=97 * i)
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 500)))
    boundary, alt = f"mixed-{i}", f"alt-{i}"
    lines = [
        f"From: {SENDERS[i % len(SENDERS)]}",
        "To: tinbai@example.org",
        f"Subject: {TAGS[i % len(TAGS)]} Bản tin số {i}",
        f"Date: {sent:%a, %d %b %Y %H:%M:%S %z}",
        f"Message-ID: <bench-{i}@example.org>",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/mixed; boundary="{boundary}"',
        "",
        f"--{boundary}",
        f'Content-Type: multipart/alternative; boundary="{alt}"',
        "",
        f"--{alt}",
        'Content-Type: text/plain; charset="utf-8"',
        "Content-Transfer-Encoding: base64",
        "",
    ]
    out = "\r\n".join(lines).encode() + b"\r\n" + _wrap(text.encode())
    html = f"<html><body><p>{text}</p></body></html>".encode()
    out += f'--{alt}\r\nContent-Type: text/html; charset="utf-8"\r\nContent-Transfer-Encoding: base64\r\n\r\n'.encode()
    out += _wrap(html) + f"--{alt}--\r\n".encode()
    for j in range(photos):
        data, _ = pool.encoded(rng.randrange(1 << 30), f"bench {i} {j}")
        out += (
            f'--{boundary}\r\nContent-Type: image/jpeg; name="IMG_{i:05d}_{j}.jpg"\r\n'
            f'Content-Disposition: attachment; filename="IMG_{i:05d}_{j}.jpg"\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\n"
        ).encode() + data
    out += f"--{boundary}--\r\n".encode()
    return out, sent


def fill(
    maildir: Path,
    count: int,
    *,
    photos: bool,
    seed: int = 2020,
    pool_size: int = 24,
    exif: int = 0,
) -> int:
    """Write ``count`` messages into ``maildir`` (cur/); return the bytes written."""
    rng = random.Random(seed)  # noqa: S311 — a reproducible mailbox, not a secret
    pool = PhotoPool(pool_size, 2800, 1900, exif) if photos else None
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    total = 0
    start = int(time.time()) - count - 10
    for i in range(count):
        if pool is not None:
            raw, sent = message(i, rng, pool, rng.choices([1, 2, 3, 4], [20, 35, 30, 15])[0])
        else:
            raw, sent = small_message(i, rng)
        # Maildir UIDs follow the time in the file name; INTERNALDATE is the file's mtime.
        path = maildir / "cur" / f"{start + i}.M{i}P1.bench,S={len(raw)}:2,"
        path.write_bytes(raw)
        os.utime(path, (sent.timestamp(), sent.timestamp()))
        total += len(raw)
    return total


def small_message(i: int, rng: random.Random) -> tuple[bytes, datetime]:
    sent = datetime(2020, 4, 1, 8, 0, tzinfo=HANOI) + timedelta(minutes=i)
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 300)))
    raw = (
        f"From: {SENDERS[i % len(SENDERS)]}\r\nTo: tinbai@example.org\r\nSubject: [Tin] Bản tin {i}\r\n"
        f"Date: {sent:%a, %d %b %Y %H:%M:%S %z}\r\nMessage-ID: <small-{i}@example.org>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'
        f"{text}\r\n"
    ).encode()
    return raw, sent


def resync(conf: Path, user: str, maildir: Path) -> None:
    subprocess.run(["chown", "-R", "65534:65534", str(maildir.parent)], check=True)
    subprocess.run(["doveadm", "-c", str(conf), "force-resync", "-u", user, "INBOX"], check=True)
