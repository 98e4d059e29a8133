"""The rules that turn a parsed message into counted items, and their interpreter.

Each rule is a small object with a stable kebab-case `name`, a `description`
and one method, `apply`, that returns a `Verdict`: either a final status for the
message (ignored, with a reason) or items to add. The order is data
(`DEFAULT_RULES`); `classify` runs them and records which fired.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from classify.message import Classification, Item, Kind, ParsedMessage, Part, RuleHit, Status
from classify.tags import DEFAULT_VOCABULARY, plus_tags, subject_tags

IMAGE_TYPES = frozenset(
    {"image/jpeg", "image/png", "image/heic", "image/heif", "image/webp", "image/tiff", "image/bmp", "image/gif"}
)
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".heic", ".heif", ".webp", ".tif", ".tiff", ".bmp"})
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class ClassifyContext:
    """Everything the rules may know besides the message, built from config."""

    collection_address: str = ""
    vocabulary: Mapping[str, Kind] = field(default_factory=lambda: dict(DEFAULT_VOCABULARY))
    article_min_words: int = 400  # untagged text this long is an article, shorter is news
    piece_min_words: int = 60  # untagged text shorter than this is a covering note
    photo_min_bytes: int = 20_000  # smaller images are logos, icons, pixels
    photo_min_pixels: int = 200  # ... as are images narrower or lower than this


@dataclass(frozen=True)
class Verdict:
    fired: bool
    note: str = ""
    status: Status | None = None  # a final status stops the chain
    items: tuple[Item, ...] = ()


class Rule(Protocol):
    name: str
    description: str

    def apply(self, message: ParsedMessage, ctx: ClassifyContext, found: Sequence[Item]) -> Verdict: ...


def _is_image(part: Part) -> bool:
    if part.sniffed_type in IMAGE_TYPES:
        return True
    if part.content_type in IMAGE_TYPES:
        return True
    name = (part.filename or "").lower()
    return any(name.endswith(ext) for ext in IMAGE_EXTENSIONS)


def _is_photo(part: Part, ctx: ClassifyContext) -> tuple[bool, str]:
    if part.size and part.size < ctx.photo_min_bytes:
        return False, f"{part.size:,} bytes is below {ctx.photo_min_bytes:,}: a logo or icon"
    small = [d for d in (part.width, part.height) if d is not None and d < ctx.photo_min_pixels]
    if small:
        return False, f"{part.width}×{part.height} px is below {ctx.photo_min_pixels} px: a logo or icon"
    return True, ""


class AutoReply:
    name = "auto-reply"
    description = "Out-of-office and other automatic replies are not submissions."

    def apply(self, message: ParsedMessage, ctx: ClassifyContext, found: Sequence[Item]) -> Verdict:
        auto = (message.header("auto-submitted") or "no").strip().lower()
        if auto != "no":
            return Verdict(True, f"Auto-Submitted: {auto}", status="ignored")
        if message.header("x-autoreply") or message.header("x-autorespond"):
            return Verdict(True, "X-Autoreply header", status="ignored")
        return Verdict(False)


class Bounce:
    name = "bounce"
    description = "Delivery failure reports (bounces) are not submissions."

    def apply(self, message: ParsedMessage, ctx: ClassifyContext, found: Sequence[Item]) -> Verdict:
        content_type = (message.header("content-type") or "").lower()
        if content_type.startswith("multipart/report"):
            return Verdict(True, "a multipart/report delivery notice", status="ignored")
        local = message.sender.address.split("@")[0] if message.sender else ""
        if local in {"mailer-daemon", "postmaster"}:
            return Verdict(True, f"sent by {local}", status="ignored")
        return Verdict(False)


class Photos:
    name = "photos"
    description = "Each distinct image big enough to be a photo counts as one photo."

    def apply(self, message: ParsedMessage, ctx: ClassifyContext, found: Sequence[Item]) -> Verdict:
        items: list[Item] = []
        seen: set[str] = set()
        skipped: list[str] = []
        for part in message.parts:
            if not _is_image(part):
                continue
            label = part.filename or f"part {part.path}"
            ok, why = _is_photo(part, ctx)
            if not ok:
                skipped.append(f"{label}: {why}")
                continue
            if part.fingerprint and part.fingerprint in seen:
                skipped.append(f"{label}: the same image twice in this message")
                continue
            if part.fingerprint:
                seen.add(part.fingerprint)
            items.append(Item("photo", 1, f"image {label} ({part.size:,} bytes)", part.fingerprint, part.path))
        return Verdict(bool(items), "; ".join(skipped), items=tuple(items))


class WrittenPiece:
    name = "written-piece"
    description = "A tagged or long enough text is one news item or one article; the tag decides."

    def apply(self, message: ParsedMessage, ctx: ClassifyContext, found: Sequence[Item]) -> Verdict:
        tags = subject_tags(message.subject, ctx.vocabulary)
        locals_ = [a.address.split("@")[0] for a in (*message.to, *message.cc)]
        tags += [k for k in plus_tags(locals_, ctx.vocabulary) if k not in tags]
        words = len(_WORD.findall(message.text))
        written = [k for k in tags if k in ("news", "article")]
        if written:
            kind = written[0]
            return Verdict(True, f"subject tag {kind}", items=(Item(kind, 1, f"subject tagged as {kind}"),))
        if "photo" in tags or any(i.kind == "photo" for i in found):
            return Verdict(False, "photos only: the text is a caption")
        if words >= ctx.article_min_words:
            return Verdict(True, items=(Item("article", 1, f"untagged text of {words} words ≥ {ctx.article_min_words}"),))
        if words >= ctx.piece_min_words:
            return Verdict(True, items=(Item("news", 1, f"untagged text of {words} words < {ctx.article_min_words}"),))
        return Verdict(False, f"untagged text of {words} words: a note, not a piece")


DEFAULT_RULES: tuple[Rule, ...] = (AutoReply(), Bounce(), Photos(), WrittenPiece())


def classify(
    message: ParsedMessage, ctx: ClassifyContext | None = None, rules: Sequence[Rule] = DEFAULT_RULES
) -> Classification:
    """Run the rules in order; the first final status stops the chain."""
    ctx = ctx or ClassifyContext()
    items: list[Item] = []
    trace: list[RuleHit] = []
    for rule in rules:
        verdict = rule.apply(message, ctx, tuple(items))
        trace.append(RuleHit(rule.name, verdict.fired, verdict.note))
        if verdict.status is not None:
            return Classification(verdict.status, (), f"{rule.name}: {verdict.note}", tuple(trace))
        items.extend(verdict.items)
    if not items:
        return Classification("needs-review", (), "nothing to count was found", tuple(trace))
    return Classification("counted", tuple(items), "", tuple(trace))
