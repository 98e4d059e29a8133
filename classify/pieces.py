"""Rules that find what a message brings: photos, written pieces (documents or body text)."""

from __future__ import annotations

from collections.abc import Sequence

from classify.context import ClassifyContext, Verdict
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
from classify.tags import is_forward, message_tags
from classify.text import own_text, words

_WHERE = {
    "message/rfc822": "in a forwarded message",
    "application/ms-tnef": "inside Outlook's winmail.dat",
    "application/zip": "inside a .zip archive",
}


def label(part: Part) -> str:
    name = part.filename or f"part {part.path}"
    where = _WHERE.get(part.nested_in or "")
    return f"{name} ({where})" if where else name


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


def not_a_photo(part: Part, ctx: ClassifyContext) -> str:
    """Why an image is not a photo, or "" when it is one."""
    kind = part.sniffed_type or part.content_type
    if kind == "image/gif" or (
        part.sniffed_type is None and (part.filename or "").lower().endswith(".gif")
    ):
        return "a GIF is an animation or an icon, not a photo"
    if part.sniffed_type is None and part.size == 0:
        return "empty image"
    by_name = (part.filename or "").lower().endswith(PHOTO_EXTENSIONS)
    if kind not in PHOTO_TYPES and not (part.sniffed_type is None and by_name):
        return f"{kind} is not a photo format"
    if part.size and part.size < ctx.photo_min_bytes:
        return f"{part.size:,} bytes < {ctx.photo_min_bytes:,}: a logo, an icon or a tracking pixel"
    small = part.width is not None and part.height is not None
    if small and min(part.width or 0, part.height or 0) < ctx.photo_min_pixels:
        return f"{part.width}×{part.height} px, below {ctx.photo_min_pixels} px: a logo or a banner"
    return ""


class Photos:
    name = "photos"
    description = (
        "Each distinct image big enough to be a photo counts as one photo; logos and pixels do not."
    )

    def apply(self, message: ParsedMessage, ctx: ClassifyContext, found: Sequence[Item]) -> Verdict:
        items: list[Item] = []
        seen: set[str] = set()
        skipped: list[str] = []
        for part in message.parts:
            if not is_image(part):
                continue
            why = not_a_photo(part, ctx)
            if why:
                skipped.append(f"{label(part)}: {why}")
                continue
            if part.fingerprint and part.fingerprint in seen:
                skipped.append(f"{label(part)}: the same image twice in this message")
                continue
            if part.fingerprint:
                seen.add(part.fingerprint)
            size = (
                f"{part.width}×{part.height} px"
                if part.width and part.height
                else "size unknown: counted by bytes only"
            )
            reason = f"photo {label(part)} ({size}, {part.size:,} bytes)"
            items.append(Item("photo", 1, reason, part.fingerprint, part.path))
        return Verdict(bool(items), "; ".join(skipped), items=tuple(items))


def _written_kind(
    tags: Sequence[Kind], n_words: int | None, size: int, ctx: ClassifyContext
) -> tuple[Kind, str]:
    """News or article: the tag decides; without one (or with both), the length does."""
    written = [t for t in tags if t in ("news", "article")]
    if len(written) == 1:
        return written[0], f"the subject is tagged {TAG_WORD[written[0]]}"
    if n_words is None:
        kind: Kind = "article" if size >= ctx.document_article_min_bytes else "news"
        sign = "≥" if kind == "article" else "<"
        return (
            kind,
            f"text unreadable, decided by size: {size:,} bytes {sign}"
            f" {ctx.document_article_min_bytes:,} (check it)",
        )
    kind = "article" if n_words >= ctx.article_min_words else "news"
    sign = "≥" if kind == "article" else "<"
    return kind, f"{n_words} words {sign} {ctx.article_min_words}"


TAG_WORD: dict[str, str] = {"news": "[Tin]", "article": "[Bài]", "photo": "[Ảnh]"}


class Documents:
    name = "documents"
    description = (
        "Each attached .doc/.docx/.odt/.rtf/.pdf/.txt is one written piece: news or article."
    )

    def apply(self, message: ParsedMessage, ctx: ClassifyContext, found: Sequence[Item]) -> Verdict:
        tags = message_tags(message, ctx.vocabulary)
        items: list[Item] = []
        skipped: list[str] = []
        for part in message.parts:
            if not is_document(part):
                continue
            n_words = words(part.text) if part.text is not None else None
            if n_words == 0 or (n_words is None and part.size == 0):
                skipped.append(f"{label(part)}: empty")
                continue
            if n_words is not None and n_words < ctx.piece_min_words:
                # Outlook's ATT00001.txt footers, a caption file: too short to be a piece,
                # whatever the tag says (a tagged body still counts, see body-piece).
                skipped.append(f"{label(part)}: {n_words} words, too short to be a piece")
                continue
            kind, why = _written_kind(tags, n_words, part.size, ctx)
            items.append(
                Item(kind, 1, f"{_KIND_WORD[kind]}: document {label(part)}; {why}", None, part.path)
            )
        return Verdict(bool(items), "; ".join(skipped), items=tuple(items))


_KIND_WORD: dict[str, str] = {"news": "news item", "article": "article"}


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
                "; ".join(
                    f"{label(p)}: {p.members} file(s) taken out"
                    + (f", skipped: {p.note}" if p.note else "")
                    for p in opened
                ),
            )
        why = "; ".join(f"{label(p)}: {p.note or 'not opened'}" for p in unopened)
        return Verdict(True, why, review=f"an archive could not be opened, count it by hand: {why}")


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
            return Verdict(False, f"replies to {earlier} but brings new files")
        n_words = words(own_text(message.text))
        if n_words >= ctx.piece_min_words:
            return Verdict(False, f"replies to {earlier} with {n_words} new words")
        return Verdict(
            True,
            f"a reply to {earlier} with {n_words} new words and no new file",
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
            return Verdict(False, f"{n_words} words beside the document(s): a covering note")
        written = [t for t in tags if t in ("news", "article")]
        if written:
            # The tag is the unit's own word for what it sent: it counts even when the
            # text is short (a news brief under its photos) or could not be read at all.
            kind, why = _written_kind(tags, n_words, 0, ctx)
            text_note = f"{n_words} words" if n_words else "no readable text, check it"
            return Verdict(
                True, items=(Item(kind, 1, f"{_KIND_WORD[kind]} in the body; {why}, {text_note}"),)
            )
        if "photo" in tags:
            return Verdict(False, f"tagged {TAG_WORD['photo']} only: {n_words} words of caption")
        if n_words < ctx.piece_min_words:
            what = "a caption" if found else "a note, not a piece"
            return Verdict(False, f"{n_words} words < {ctx.piece_min_words}: {what}")
        kind, why = _written_kind((), n_words, 0, ctx)
        return Verdict(
            True, items=(Item(kind, 1, f"{_KIND_WORD[kind]} in the body, untagged; {why}"),)
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
        if not limits:
            return Verdict(False)
        from classify.rules import summary  # noqa: PLC0415 — rules imports this module

        would = summary(found) or "nothing"
        return Verdict(
            True,
            f"read only in part ({'; '.join(limits)[:500]}); what was read would count {would},"
            " count it by hand",
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
            f"it would count {summary(found)}, more than {ctx.max_items_per_message} items"
            " in one message: check it and count it by hand",
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
        return Verdict(True, "no text and no attachment", status="ignored", code=self.name)


class NothingFound:
    name = "nothing-found"
    description = "A message that is not empty but has nothing to count goes to review."

    def apply(self, message: ParsedMessage, ctx: ClassifyContext, found: Sequence[Item]) -> Verdict:
        if found:
            return Verdict(False)
        tags = message_tags(message, ctx.vocabulary)
        wanted = ", ".join(TAG_WORD[t] for t in tags)
        why = (
            f"tagged {wanted} but nothing of that kind was found"
            if tags
            else "nothing to count was found"
        )
        return Verdict(True, why, status="needs-review", code="needs-review")
