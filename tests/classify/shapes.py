"""Message shapes for the pure rule tests: `ParsedMessage` values built by hand, no MIME."""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import UTC, datetime

from classify import Address, ParsedMessage, Part

WORD = "công nhân lao động tỉnh Điện Biên hưởng ứng Tháng Công nhân năm "  # 12 words


def text(n_words: int) -> str:
    words = (WORD * (n_words // 12 + 1)).split()[:n_words]
    return " ".join(words)


def photo(
    seed: int,
    *,
    size: int = 350_000,
    width: int | None = 1600,
    height: int | None = 1200,
    ctype: str = "image/jpeg",
    name: str | None = None,
    nested_in: str | None = None,
) -> Part:
    return Part(
        path=f"{seed + 2}",
        content_type=ctype,
        filename=name or f"IMG_{seed:04}.jpg",
        size=size,
        disposition="attachment",
        sniffed_type=ctype if ctype.startswith("image/") else "image/jpeg",
        fingerprint="sha256-head:" + hashlib.sha256(str(seed).encode()).hexdigest(),
        width=width,
        height=height,
        nested_in=nested_in,
    )


def logo(seed: int = 900) -> Part:
    return Part(
        path="9",
        content_type="image/png",
        filename="image001.png",
        size=6_200,
        disposition="inline",
        content_id="image001.png@01D6",
        sniffed_type="image/png",
        fingerprint=f"sha256-head:logo{seed}",
        width=180,
        height=60,
    )


def document(
    name: str,
    n_words: int | None,
    size: int = 40_000,
    ctype: str = "application/octet-stream",
    note: str = "",
) -> Part:
    return Part(
        path="3",
        content_type=ctype,
        filename=name,
        size=size,
        disposition="attachment",
        text=text(n_words) if n_words is not None else None,
        note=note,
    )


def message(
    subject: str = "",
    body: str = "",
    parts: tuple[Part, ...] = (),
    *,
    sender: str = "tuangiao@example.org",
    to: str = "tinbai@example.org",
    headers: tuple[tuple[str, str], ...] = (),
    in_reply_to: str | None = None,
    date: datetime | None = datetime(2020, 5, 11, 2, 0, tzinfo=UTC),
) -> ParsedMessage:
    body_part = Part(path="1", content_type="text/plain", size=len(body.encode()), text=body)
    return ParsedMessage(
        message_id="<m@example.org>",
        subject=subject,
        sender=Address(sender) if sender else None,
        to=(Address(to),) if to else (),
        date=date,
        in_reply_to=in_reply_to,
        headers=headers,
        text=body,
        parts=(body_part, *parts),
    )


def to_cp1258(text: str) -> bytes:
    """Windows-1258 bytes as Vietnamese Windows writes them: a precomposed letter where the
    code page has one (â, ê, ô, ơ, ư, đ …), followed by the tone as a combining mark."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", char)
        for i, mark in enumerate(marks):
            letter = unicodedata.normalize("NFC", base + mark)
            rest = "".join(marks[:i] + marks[i + 1 :])
            try:
                out += letter.encode("cp1258") + rest.encode("cp1258")
                break
            except UnicodeEncodeError:
                continue
        else:
            out += (base + "".join(marks)).encode("cp1258")
    return bytes(out)
