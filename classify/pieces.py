"""Rules that find what a message brings: photos, written pieces (documents or body text)."""

from __future__ import annotations

from collections.abc import Sequence

from classify.context import ClassifyContext, Verdict
from classify.links import sent_links
from classify.message import LIMIT_DEFECT, Item, Kind, ParsedMessage, Part
from classify.mime import (
    ARCHIVE_EXTENSIONS,
    ARCHIVE_TYPES,
    DOCUMENT_EXTENSIONS,
    DOCUMENT_TYPES,
    IMAGE_EXTENSIONS,
    PHOTO_EXTENSIONS,
    PHOTO_TYPES,
)
from classify.reasons import NO_REASON, Reason, joined
from classify.tags import is_forward, message_tags
from classify.text import own_text, words

# Where a nested part sits, as the code of the words that say so (``reason.part.in-forward``).
_WHERE = {
    "message/rfc822": "part.in-forward",
    "application/ms-tnef": "part.in-tnef",
    "application/zip": "part.in-zip",
}


def label(part: Part) -> Reason:
    """A part as a person names it: its file name, else its number; where it sits if nested."""
    name = (
        Reason("part.file", {"name": part.filename})
        if part.filename
        else Reason("part.number", {"path": part.path})
    )
    where = _WHERE.get(part.nested_in or "")
    return Reason(where, {"part": name}) if where else name


def skipped(part: Part, why: Reason) -> Reason:
    """A part a rule looked at and left out, with why."""
    return Reason("part.skipped", {"part": label(part), "why": why})


def is_image(part: Part) -> bool:
    if part.sniffed_type is not None:
        return part.sniffed_type.startswith("image/")
    name = (part.filename or "").lower()
    return part.content_type.startswith("image/") or name.endswith(IMAGE_EXTENSIONS)


def is_document(part: Part) -> bool:
    if part.sniffed_type is not None or (
        part.disposition is None and part.content_type.startswith("text/")
    ):
        return False
    name = (part.filename or "").lower()
    if part.content_type == "text/plain":
        return part.filename is not None and name.endswith(".txt")
    return part.content_type in DOCUMENT_TYPES or name.endswith(DOCUMENT_EXTENSIONS)


def is_archive(part: Part) -> bool:
    name = (part.filename or "").lower()
    declared = part.content_type in ARCHIVE_TYPES or name.endswith(ARCHIVE_EXTENSIONS)
    return declared and not is_document(part)  # a .docx sent as application/zip is a document


def not_a_photo(part: Part, ctx: ClassifyContext) -> Reason:
    """Why an image is not a photo, or `NO_REASON` when it is one."""
    kind = part.sniffed_type or part.content_type
    if kind == "image/gif" or (
        part.sniffed_type is None and (part.filename or "").lower().endswith(".gif")
    ):
        return Reason("photo.gif")
    if part.sniffed_type is None and part.size == 0:
        return Reason("photo.empty")
    by_name = (part.filename or "").lower().endswith(PHOTO_EXTENSIONS)
    if kind not in PHOTO_TYPES and not (part.sniffed_type is None and by_name):
        return Reason("photo.format", {"type": kind})
    if part.size and part.size < ctx.photo_min_bytes:
        return Reason("photo.few-bytes", {"bytes": part.size, "min": ctx.photo_min_bytes})
    small = part.width is not None and part.height is not None
    if small and min(part.width or 0, part.height or 0) < ctx.photo_min_pixels:
        return Reason(
            "photo.few-pixels",
            {"width": part.width or 0, "height": part.height or 0, "min": ctx.photo_min_pixels},
        )
    return NO_REASON


class Photos:
    name = "photos"
    description = (
        "Each distinct image big enough to be a photo counts as one photo; logos and pixels do not."
    )

    def apply(self, message: ParsedMessage, ctx: ClassifyContext, found: Sequence[Item]) -> Verdict:
        items: list[Item] = []
        seen: set[str] = set()
        left: list[Reason] = []
        for part in message.parts:
            if not is_image(part):
                continue
            why = not_a_photo(part, ctx)
            if why:
                left.append(skipped(part, why))
                continue
            if part.fingerprint and part.fingerprint in seen:
                left.append(skipped(part, Reason("photo.twice")))
                continue
            if part.fingerprint:
                seen.add(part.fingerprint)
            reason = (
                Reason(
                    "item.photo",
                    {
                        "part": label(part),
                        "width": part.width or 0,
                        "height": part.height or 0,
                        "bytes": part.size,
                    },
                )
                if part.width and part.height
                else Reason("item.photo-unsized", {"part": label(part), "bytes": part.size})
            )
            items.append(Item("photo", 1, reason, part.fingerprint, part.path))
        return Verdict(bool(items), joined(*left), items=tuple(items))


def _written_kind(
    tags: Sequence[Kind], n_words: int | None, size: int, ctx: ClassifyContext
) -> tuple[Kind, Reason]:
    """News or article: the tag decides; without one (or with both), the length does."""
    written = [t for t in tags if t in ("news", "article")]
    if len(written) == 1:
        return written[0], Reason("kind.tagged", {"tag": TAG_WORD[written[0]]})
    if n_words is None:
        kind: Kind = "article" if size >= ctx.document_article_min_bytes else "news"
        sign = "≥" if kind == "article" else "<"
        return kind, Reason(
            "kind.by-size", {"bytes": size, "sign": sign, "min": ctx.document_article_min_bytes}
        )
    kind = "article" if n_words >= ctx.article_min_words else "news"
    sign = "≥" if kind == "article" else "<"
    return kind, Reason(
        "kind.by-words", {"words": n_words, "sign": sign, "min": ctx.article_min_words}
    )


TAG_WORD: dict[str, str] = {"news": "[Tin]", "article": "[Bài]", "photo": "[Ảnh]"}


class Documents:
    name = "documents"
    description = (
        "Each attached .doc/.docx/.odt/.rtf/.pdf/.txt is one written piece: news or article."
    )

    def apply(self, message: ParsedMessage, ctx: ClassifyContext, found: Sequence[Item]) -> Verdict:
        tags = message_tags(message, ctx.vocabulary)
        items: list[Item] = []
        left: list[Reason] = []
        for part in message.parts:
            if not is_document(part):
                continue
            n_words = words(part.text) if part.text is not None else None
            if n_words == 0 or (n_words is None and part.size == 0):
                left.append(skipped(part, Reason("document.empty")))
                continue
            if n_words is not None and n_words < ctx.piece_min_words:
                # Outlook's ATT00001.txt footers, a caption file: too short to be a piece,
                # whatever the tag says (a tagged body still counts, see body-piece).
                left.append(skipped(part, Reason("document.short", {"words": n_words})))
                continue
            kind, why = _written_kind(tags, n_words, part.size, ctx)
            reason = Reason(f"item.document-{kind}", {"part": label(part), "why": why})
            items.append(Item(kind, 1, reason, None, part.path))
        return Verdict(bool(items), joined(*left), items=tuple(items))


class Archives:
    name = "archives"
    description = (
        "A .zip is opened and what is inside counts; one that cannot be opened goes to review."
    )

    def apply(self, message: ParsedMessage, ctx: ClassifyContext, found: Sequence[Item]) -> Verdict:
        unopened = [p for p in message.parts if is_archive(p) and p.members is None]
        if not unopened:
            opened = [p for p in message.parts if is_archive(p)]
            return Verdict(
                bool(opened),
                joined(
                    *(
                        Reason(
                            "archive.opened-skipped" if p.note else "archive.opened",
                            {"part": label(p), "files": p.members or 0, "skipped": p.note}
                            if p.note
                            else {"part": label(p), "files": p.members or 0},
                        )
                        for p in opened
                    )
                ),
            )
        why = joined(
            *(
                Reason("archive.unopened", {"part": label(p), "note": p.note})
                if p.note
                else skipped(p, Reason("archive.not-opened"))
                for p in unopened
            )
        )
        return Verdict(True, why, review=Reason("archive.review", {"why": why}))


class Revision:
    name = "revision"
    description = (
        "A reply to a stored message with no new file and little new text is no new piece."
    )

    def apply(self, message: ParsedMessage, ctx: ClassifyContext, found: Sequence[Item]) -> Verdict:
        refs = [r for r in (message.in_reply_to, *message.references) if r]
        earlier = next((r for r in refs if r in ctx.known_message_ids), None)
        if earlier is None:
            return Verdict(False)
        if found:
            return Verdict(False, Reason("revision.new-files", {"ref": earlier}))
        if sent_links(message):  # "here is the Drive folder": a reply, but with new pieces
            return Verdict(False, Reason("revision.new-links", {"ref": earlier}))
        n_words = words(own_text(message.text))
        if n_words >= ctx.piece_min_words:
            return Verdict(False, Reason("revision.new-words", {"ref": earlier, "words": n_words}))
        return Verdict(
            True,
            Reason("revision.nothing-new", {"ref": earlier, "words": n_words}),
            status="ignored",
            code=self.name,
        )


class BodyPiece:
    name = "body-piece"
    description = (
        "The body is a piece when tagged [Tin]/[Bài] or long enough;"
        " beside a document it is a covering note,"
        " beside photos a caption."
    )

    def apply(self, message: ParsedMessage, ctx: ClassifyContext, found: Sequence[Item]) -> Verdict:
        tags = message_tags(message, ctx.vocabulary)
        text = message.text if is_forward(message.subject) else own_text(message.text)
        n_words = words(text)
        if any(i.kind in ("news", "article") for i in found):
            return Verdict(False, Reason("body.covering-note", {"words": n_words}))
        written = [t for t in tags if t in ("news", "article")]
        if written:
            # The tag is the unit's own word for what it sent: it counts even when the
            # text is short (a news brief under its photos) or could not be read at all.
            kind, why = _written_kind(tags, n_words, 0, ctx)
            text_note = (
                Reason("body.words", {"words": n_words}) if n_words else Reason("body.unreadable")
            )
            reason = Reason(f"item.body-{kind}", {"why": why, "text": text_note})
            return Verdict(True, items=(Item(kind, 1, reason),))
        if "photo" in tags:
            return Verdict(
                False, Reason("body.caption-tagged", {"tag": TAG_WORD["photo"], "words": n_words})
            )
        if n_words < ctx.piece_min_words:
            what = "body.short-caption" if found else "body.short-note"
            return Verdict(False, Reason(what, {"words": n_words, "min": ctx.piece_min_words}))
        kind, why = _written_kind((), n_words, 0, ctx)
        return Verdict(
            True, items=(Item(kind, 1, Reason(f"item.body-untagged-{kind}", {"why": why})),)
        )


class ParseLimit:
    name = "parse-limit"
    description = (
        "A message that ingest read only in part (too deeply nested, too many parts)"
        " goes to review, with the limit and what the part read would count."
    )

    def apply(self, message: ParsedMessage, ctx: ClassifyContext, found: Sequence[Item]) -> Verdict:
        limits = [
            d.removeprefix(LIMIT_DEFECT) for d in message.defects if d.startswith(LIMIT_DEFECT)
        ]
        # A document that hit a limit (a decompression bomb), when its words were needed:
        # a news or article tag decides the kind without them, and the poller then never
        # fetches the document (ingest/reconstruct.py `plan_fetch`): the same on both roads.
        if not any(t in ("news", "article") for t in message_tags(message, ctx.vocabulary)):
            limits += [
                f"{p.filename or p.path}: {p.note.removeprefix(LIMIT_DEFECT)}"
                for p in message.parts
                if p.note.startswith(LIMIT_DEFECT)
            ]
        if not limits:
            return Verdict(False)
        from classify.rules import summary  # noqa: PLC0415 — rules imports this module

        return Verdict(
            True,
            Reason(
                "parse-limit.partial", {"limits": "; ".join(limits)[:500], "would": summary(found)}
            ),
            status="needs-review",
            code="needs-review",
        )


class TooManyItems:
    name = "too-many-items"
    description = "A message counting more than `max_items_per_message` items goes to review."

    def apply(self, message: ParsedMessage, ctx: ClassifyContext, found: Sequence[Item]) -> Verdict:
        total = sum(item.count for item in found)
        if total <= ctx.max_items_per_message:
            return Verdict(False)
        from classify.rules import summary  # noqa: PLC0415 — rules imports this module

        return Verdict(
            True,
            Reason(
                "too-many-items.over", {"would": summary(found), "max": ctx.max_items_per_message}
            ),
            status="needs-review",
            code="needs-review",
        )


class Empty:
    name = "empty"
    description = "A message with no text and no file is empty: recorded, not counted."

    def apply(self, message: ParsedMessage, ctx: ClassifyContext, found: Sequence[Item]) -> Verdict:
        if found:
            return Verdict(False)
        files = [
            p for p in message.parts if p.filename or p.fingerprint or p.disposition == "attachment"
        ]
        if files or words(message.text):
            return Verdict(False)
        return Verdict(True, Reason("empty.nothing"), status="ignored", code=self.name)


class NothingFound:
    name = "nothing-found"
    description = "A message that is not empty but has nothing to count goes to review."

    def apply(self, message: ParsedMessage, ctx: ClassifyContext, found: Sequence[Item]) -> Verdict:
        if found:
            return Verdict(False)
        tags = message_tags(message, ctx.vocabulary)
        wanted = ", ".join(TAG_WORD[t] for t in tags)
        why = (
            Reason("nothing-found.tagged", {"tags": wanted})
            if tags
            else Reason("nothing-found.nothing")
        )
        return Verdict(True, why, status="needs-review", code="needs-review")
