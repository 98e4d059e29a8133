"""A 20-message mailbox whose counts are known in advance, for the crash and surprise tests.

Every message has a fixed Message-ID, so a run that crashed and a run that did not
can be compared row by row; `truth()` is what the invariants (tests/invariants.py)
check the end state against.
"""

from __future__ import annotations

import functools
from typing import Any

from invariants import Truth
from mailkit import Attachment, build_message, make_jpeg

# (sender, unit): units of three groups; the last sender is mapped to no unit.
SENDERS = (
    ("tuangiao@example.org", "tuan-giao"),
    ("muongcha@example.org", "muong-cha"),
    ("yte@example.org", "y-te"),
    ("tochuc@example.org", "to-chuc"),
)
UNKNOWN = "nguoila@example.net"


def messages(count: int = 20, offset: int = 0) -> tuple[bytes, ...]:
    """``count`` messages: each a [Tin] with one distinct photo, from the senders in turn;
    message 7 resends message 3's photo (same sender: not counted twice), message 11 is
    an auto-reply (ignored), message 13 comes from an unknown sender (counted for no one).
    The same number gives the same bytes, whatever the call.
    """
    return tuple(_message(i) for i in range(offset, offset + count))


@functools.cache
def _message(i: int) -> bytes:
    sender = SENDERS[i % len(SENDERS)][0]
    headers: list[tuple[str, str]] = []
    if i == 11:
        headers.append(("Auto-Submitted", "auto-replied"))
    if i == 13:
        sender = UNKNOWN
    raw = build_message(
        sender=sender,
        subject=f"[Tin] Tin số {i}",
        attachments=[Attachment(f"anh-{i}.jpg", _photo(3 if i == 7 else i))],
        message_id=f"<crash-{i}@example.org>",
        headers=headers,
    )
    return raw


@functools.cache
def _photo(i: int) -> bytes:
    # the same bytes for the same i: make_jpeg's noise is not seeded
    return make_jpeg(400, 300, i)


def truth(count: int = 20, offset: int = 0) -> Truth:
    units: dict[str, dict[str, int]] = {}
    for i in range(offset, offset + count):
        if i in (11, 13):
            continue
        unit = SENDERS[i % len(SENDERS)][1]
        counts = units.setdefault(unit, {"news": 0, "article": 0, "photo": 0})
        counts["news"] += 1
        counts["photo"] += 0 if i == 7 and offset <= 3 else 1
    return Truth(
        message_ids=frozenset(f"<crash-{i}@example.org>" for i in range(offset, offset + count)),
        units=units,
        senders=dict(SENDERS),
    )


def outcome_rows(url: str) -> list[tuple[Any, ...]]:
    """(Message-ID, status, items) of every stored message, comparable between two runs."""
    from invariants import _rows  # noqa: PLC0415

    rows = _rows(
        url,
        "SELECT m.message_id, m.status, i.kind, i.count FROM messages m"
        " LEFT JOIN items i ON i.message_pk = m.id ORDER BY m.message_id, i.kind, i.count",
    )
    return [tuple(r) for r in rows]
