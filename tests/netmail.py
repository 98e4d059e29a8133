"""A mailbox of N messages whose outcome is known, for the network-fault and kill tests.

Every message has a fixed Message-ID and a known count: a ``[Tin]`` from one of four
mapped units, every fifth with a distinct photo, every ninth a ``[Bài]``, every
thirteenth from a sender mapped to no unit. `truth(ids)` is what tests/invariants.py
checks against, for all of them or for the ones stored so far (after a kill).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from crashkit import SENDERS, UNKNOWN
from invariants import Truth
from mailkit import Attachment, build_message, make_jpeg


def message_id(i: int, tag: str = "net") -> str:
    return f"<{tag}-{i}@example.org>"


@functools.cache
def _photo(i: int) -> bytes:
    return make_jpeg(400, 300, i)


def _shape(i: int) -> tuple[str, str, dict[str, int]]:
    """(sender, subject, counts) of message i."""
    sender = UNKNOWN if i % 13 == 12 else SENDERS[i % len(SENDERS)][0]
    if i % 9 == 8:
        return sender, f"[Bài] Bài viết số {i}", {"news": 0, "article": 1, "photo": 0}
    photos = 1 if i % 5 == 0 else 0
    return sender, f"[Tin] Tin số {i}", {"news": 1, "article": 0, "photo": photos}


@functools.cache
def message(i: int, tag: str = "net") -> bytes:
    sender, subject, counts = _shape(i)
    attachments = [Attachment(f"anh-{i}.jpg", _photo(i))] if counts["photo"] else []
    body = f"Kính gửi Ban Tuyên giáo, đơn vị gửi tin số {i}: hoạt động tháng Năm của đơn vị."
    if counts["article"]:
        body = " ".join(["Bài viết về phong trào thi đua của công nhân lao động."] * 80)
    return build_message(
        sender=sender,
        subject=subject,
        body=body,
        attachments=attachments,
        message_id=message_id(i, tag),
    )


def truth(numbers: Iterable[int], tag: str = "net") -> Truth:
    """The end state for messages ``numbers`` (all of the mailbox, or those stored so far)."""
    units: dict[str, dict[str, int]] = {}
    ids = []
    mapped = dict(SENDERS)
    for i in numbers:
        ids.append(message_id(i, tag))
        sender, _, counts = _shape(i)
        unit = mapped.get(sender)
        if unit is None:
            continue
        into = units.setdefault(unit, {"news": 0, "article": 0, "photo": 0})
        for k, v in counts.items():
            into[k] += v
    return Truth(message_ids=frozenset(ids), units=units, senders=mapped)


def number(mid: str) -> int:
    """The i of a Message-ID made by `message_id`."""
    return int(mid.strip("<>").split("@")[0].rsplit("-", 1)[1])
