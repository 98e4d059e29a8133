"""Subject tags: `[Tin]`, `Bài:`, `(Ảnh)`, `[Tin+Ảnh]` … in any case, with or without diacritics."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

from classify.message import Kind, ParsedMessage

# Tag words as a unit types them; config may replace them (`[classify.tags]`).
DEFAULT_TAG_WORDS: Mapping[Kind, tuple[str, ...]] = {
    "news": ("tin", "tin tức", "news"),
    "article": ("bài", "bài viết", "bài báo", "article"),
    "photo": ("ảnh", "hình", "hình ảnh", "photo"),
}


def fold(text: str) -> str:
    """Lower-case without diacritics; `đ` becomes `d`. Accepts NFC or NFD input."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.replace("đ", "d").replace("Đ", "D").casefold()


def vocabulary(words: Mapping[Kind, Iterable[str]]) -> dict[str, Kind]:
    """Folded tag word → kind."""
    return {" ".join(fold(w).split()): kind for kind, ws in words.items() for w in ws}


DEFAULT_VOCABULARY: Mapping[str, Kind] = vocabulary(DEFAULT_TAG_WORDS)

_REPLY_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|tl|tr|aw|wg|sv|vs|rv|r|i|chuyen tiep|tra loi)\s*(?:\[\d+\])?\s*:\s*)+",
    re.IGNORECASE,
)
_FORWARD_PREFIX = re.compile(
    r"^\s*(?:re\s*:\s*)*(?:fw|fwd|tr|wg|rv|i|chuyen tiep)\s*(?:\[\d+\])?\s*:", re.IGNORECASE
)
_BRACKETED = re.compile(r"[\[(【]([^\])】]{1,40})[\])】]")
_LEADING_WORD = re.compile(r"^\s*([^\W\d_][^:\-–]{0,20}?)\s*[:\-–]\s")
_SPLIT = re.compile(r"\s*[+&,/;|]\s*|\s+va\s+|\s+and\s+")


def strip_reply_prefixes(subject: str) -> str:
    folded = fold(subject)
    match = _REPLY_PREFIX.match(folded)
    return subject[match.end() :] if match else subject


def is_forward(subject: str) -> bool:
    """Whether the subject says the message forwards someone else's mail."""
    return _FORWARD_PREFIX.match(fold(subject)) is not None


def message_tags(
    message: ParsedMessage, vocabulary: Mapping[str, Kind] = DEFAULT_VOCABULARY
) -> list[Kind]:
    """The kinds a message asks for, by its subject's tags and by plus-addressing."""
    tags = subject_tags(message.subject, vocabulary)
    locals_ = [
        a.split("@")[0]
        for a in (*(x.address for x in (*message.to, *message.cc)), *message.delivered_to)
    ]
    return _dedupe(tags + plus_tags(locals_, vocabulary))


def subject_tags(subject: str, vocabulary: Mapping[str, Kind] = DEFAULT_VOCABULARY) -> list[Kind]:
    """The kinds a subject's tags ask for, in order, without duplicates."""
    subject = unicodedata.normalize("NFC", strip_reply_prefixes(subject))
    candidates: list[str] = [m.group(1) for m in _BRACKETED.finditer(subject)]
    leading = _LEADING_WORD.match(_BRACKETED.sub(" ", subject) if not candidates else "")
    if leading:
        candidates.append(leading.group(1))
    return _dedupe(_words_to_kinds(candidates, vocabulary))


def plus_tags(
    local_parts: Iterable[str], vocabulary: Mapping[str, Kind] = DEFAULT_VOCABULARY
) -> list[Kind]:
    """Kinds asked for by plus-addressing: `collect+tin@…`."""
    found: list[str] = []
    for local in local_parts:
        if "+" in local:
            found.append(local.split("+", 1)[1])
    return _dedupe(_words_to_kinds(found, vocabulary))


def _words_to_kinds(candidates: Iterable[str], vocabulary: Mapping[str, Kind]) -> list[Kind]:
    kinds: list[Kind] = []
    for candidate in candidates:
        for piece in _SPLIT.split(fold(candidate).strip()):
            phrase = " ".join(piece.split())
            kind = vocabulary.get(phrase)
            if kind:
                kinds.append(kind)
                continue
            # "[Tin ảnh]" is two tags; "[Tin hội nghị]" is a tag and a title.
            words = phrase.split()
            if words and all(w in vocabulary for w in words):
                kinds.extend(vocabulary[w] for w in words)
            elif words and words[0] in vocabulary:
                kinds.append(vocabulary[words[0]])
    return kinds


def _dedupe(kinds: list[Kind]) -> list[Kind]:
    return list(dict.fromkeys(kinds))
