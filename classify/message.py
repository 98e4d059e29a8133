"""The values that travel between stages: a parsed message and its classification.

`ingest` builds a `ParsedMessage` (from a file or from IMAP, the same type);
`classify` turns it into a `Classification`; `store` writes both. All frozen.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from classify.reasons import NO_REASON, Reason

Kind = Literal["news", "article", "photo"]
KINDS: tuple[Kind, ...] = ("news", "article", "photo")
Status = Literal["counted", "ignored", "needs-review", "failed"]

# How much of an image's decoded bytes identify it: the IMAP poller fetches just
# this head of each image part, so files and IMAP must fingerprint the same way.
FINGERPRINT_HEAD_BYTES = 8192
# A defect that starts so says ingest stopped at one of its limits (depth, parts):
# what was read is incomplete, so the message goes to review with the limit named.
LIMIT_DEFECT = "limit: "
# A defect that starts so says the From header can be read more than one way (two '@',
# an unclosed comment, a stray bracket: the shapes of CVE-2019-16056 and CVE-2023-27043):
# which address a server authenticated is unknown, so the message goes to review.
AMBIGUOUS_SENDER = "ambiguous sender: "


def image_fingerprint(head: bytes) -> str:
    """Identify a photo by the start of its decoded bytes (EXIF, header, first rows)."""
    return "sha256-head:" + hashlib.sha256(head[:FINGERPRINT_HEAD_BYTES]).hexdigest()


@dataclass(frozen=True)
class Mark:
    """Where a message sits in a mailbox: the key that makes a poll idempotent.

    A folder's high-water mark is a Mark too, whose ``uid`` is the highest UID read.
    """

    account: str
    folder: str
    uidvalidity: int
    uid: int


@dataclass(frozen=True)
class Address:
    address: str  # lower-cased addr-spec, "" when the header had none
    name: str = ""

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>" if self.name else self.address


@dataclass(frozen=True)
class Part:
    """One leaf of the MIME tree, as far as counting needs to know it."""

    path: str  # IMAP-style part number, "1.2"
    content_type: str  # declared, lower-cased, e.g. "image/jpeg"
    filename: str | None = None
    size: int = 0  # decoded bytes (IMAP: estimated from the encoded size)
    disposition: str | None = None  # "attachment" | "inline" | None
    content_id: str | None = None
    sniffed_type: str | None = None  # from the bytes, e.g. "image/jpeg", when known
    fingerprint: str | None = None  # images: `image_fingerprint` of the head
    width: int | None = None
    height: int | None = None
    text: str | None = None  # text parts and documents whose text could be had
    nested_in: str | None = None  # "message/rfc822", "application/ms-tnef", … when not top-level
    note: str = (
        ""  # what ingest could not do with this part (its own technical words, as a parameter)
    )
    members: int | None = None  # archives: how many files were taken out; None when not opened


@dataclass(frozen=True)
class ParsedMessage:
    """What counting needs to know about one message; built without raising."""

    message_id: str | None
    subject: str
    sender: Address | None
    to: tuple[Address, ...] = ()
    cc: tuple[Address, ...] = ()
    delivered_to: tuple[str, ...] = ()
    date: datetime | None = None  # the Date header, timezone-aware
    received_at: datetime | None = None  # INTERNALDATE or topmost Received, aware
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    headers: tuple[tuple[str, str], ...] = ()  # lower-cased name, decoded value
    text: str = ""  # the body as plain text (HTML converted)
    parts: tuple[Part, ...] = ()
    defects: tuple[str, ...] = ()
    size: int = 0
    digest: str = ""  # sha256 of the raw bytes: the same Message-ID with new content differs

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key == name:
                return value
        return None

    def header_all(self, name: str) -> tuple[str, ...]:
        name = name.lower()
        return tuple(value for key, value in self.headers if key == name)


@dataclass(frozen=True)
class Item:
    """Counted pieces of one kind, with the reason a person can read (`texts.reason_text`)."""

    kind: Kind
    count: int
    reason: Reason
    fingerprint: str | None = None
    part: str | None = None


@dataclass(frozen=True)
class RuleHit:
    rule: str  # the rule's stable kebab-case name
    fired: bool
    note: Reason = NO_REASON


@dataclass(frozen=True)
class Classification:
    status: Status
    items: tuple[Item, ...] = ()
    reason: Reason = (
        NO_REASON  # why ignored / needs review; what it counts (``counts``) when counted
    )
    trace: tuple[RuleHit, ...] = field(default=())
    code: str = ""  # the rule that decided a non-counted status: "auto-reply", "bounce", …

    def total(self, kind: Kind) -> int:
        return sum(i.count for i in self.items if i.kind == kind)


@dataclass(frozen=True)
class Review:
    """A stored message that needs a person: nothing could be counted, or counting failed.

    The store finds these and the digest lists them: a plain value both layers share.
    """

    id: int
    received_at: datetime
    sender: str
    subject: str
    status: str
    reason: Reason
