"""What a person needs to see of a message: the start of its text, its documents, its images.

Built from the parsed message alone (no I/O), the same way for mail from a file and from
IMAP; `store` keeps it beside the message, so the message page can show what the unit
sent without the mailbox. Bounded: a few hundred words, a few dozen files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

from classify.message import ParsedMessage, Part
from classify.pieces import is_document, is_image
from classify.tags import is_forward
from classify.text import first_words, passages, words

EXCERPT_WORDS = 300  # of the whole text shown, own text first as it comes first
EXCERPT_CHARS = 6000  # a "word" may be very long in hostile mail
MAX_FILES = 60  # a message counting more goes to review anyway (max_items_per_message)
# A thumbnail (ingest.thumbnails makes them): its box, and the bytes past which it is not kept.
THUMBNAIL_PX = 320  # the longer side: sharp at 160 CSS pixels on a phone's 2× screen
THUMBNAIL_MAX_BYTES = 64_000

Role = Literal["own", "quoted", "signature"]


@dataclass(frozen=True)
class Passage:
    role: Role  # own: what the sender wrote; quoted: the mail replied to; signature
    text: str


@dataclass(frozen=True)
class Attached:
    """A document or an image of the message, as far as a person looking at it needs."""

    path: str  # the part's number, as in its item: "2", "2.1", "3/1" (in a .zip)
    name: str  # its file name, "" when it has none
    kind: Literal["document", "image"]
    words: int | None = None  # documents whose text could be read
    fingerprint: str | None = None  # images: to tell a copy from the photo it copies
    width: int | None = None
    height: int | None = None
    size: int = 0


@dataclass(frozen=True)
class Preview:
    passages: tuple[Passage, ...]
    cut: bool  # the text goes on past the passages kept
    forward: bool  # a forward: the whole text is the piece, quoted parts included
    files: tuple[Attached, ...]
    more_files: int = 0  # files past MAX_FILES, not listed


def preview_of(message: ParsedMessage) -> Preview:
    """The start of the body's text, marked own/quoted/signature, and the message's files."""
    forward = is_forward(message.subject)
    runs = [("own", message.text.strip())] if forward else passages(message.text)
    kept: list[Passage] = []
    budget, chars, cut = EXCERPT_WORDS, EXCERPT_CHARS, False
    for role, text in runs:
        if budget <= 0 or chars <= 0:
            cut = True
            break
        shown, was_cut = first_words(text, budget, chars)
        if shown:
            kept.append(Passage(cast(Role, role), shown))
        budget -= words(shown)
        chars -= len(shown)
        if was_cut:
            cut = True
            break
    files = [_attached(p) for p in message.parts if is_image(p) or is_document(p)]
    return Preview(
        tuple(kept), cut, forward, tuple(files[:MAX_FILES]), max(0, len(files) - MAX_FILES)
    )


def _attached(part: Part) -> Attached:
    if is_image(part):
        return Attached(
            part.path,
            part.filename or "",
            "image",
            fingerprint=part.fingerprint,
            width=part.width,
            height=part.height,
            size=part.size,
        )
    return Attached(
        part.path,
        part.filename or "",
        "document",
        words=words(part.text) if part.text is not None else None,
        size=part.size,
    )
