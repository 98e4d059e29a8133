"""Subject tags: `[Tin]`, `Bài:`, `(Ảnh)`, `[Tin+Ảnh]` … in any case, with or without diacritics."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

from classify.message import Kind

# Tag words as a unit types them, folded (no diacritics, lower case).
DEFAULT_VOCABULARY: Mapping[str, Kind] = {
    "tin": "news",
    "tin tuc": "news",
    "bai": "article",
    "bai viet": "article",
    "anh": "photo",
    "hinh": "photo",
    "hinh anh": "photo",
    "photo": "photo",
    "news": "news",
    "article": "article",
}

_REPLY_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|tl|tr|aw|wg|sv|vs|rv|r|i|chuyen tiep|tra loi)\s*(?:\[\d+\])?\s*:\s*)+",
    re.IGNORECASE,
)
_BRACKETED = re.compile(r"[\[(【]([^\])】]{1,40})[\])】]")
_LEADING_WORD = re.compile(r"^\s*([^\W\d_][^:\-–]{0,20}?)\s*[:\-–]\s")
_SPLIT = re.compile(r"\s*[+&,/;|]\s*|\s+va\s+|\s+and\s+")


def fold(text: str) -> str:
    """Lower-case without diacritics; `đ` becomes `d`. Accepts NFC or NFD input."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.replace("đ", "d").replace("Đ", "D").casefold()


def strip_reply_prefixes(subject: str) -> str:
    folded = fold(subject)
    match = _REPLY_PREFIX.match(folded)
    return subject[match.end() :] if match else subject


def subject_tags(subject: str, vocabulary: Mapping[str, Kind] = DEFAULT_VOCABULARY) -> list[Kind]:
    """The kinds a subject's tags ask for, in order, without duplicates."""
    subject = unicodedata.normalize("NFC", strip_reply_prefixes(subject))
    candidates: list[str] = [m.group(1) for m in _BRACKETED.finditer(subject)]
    leading = _LEADING_WORD.match(_BRACKETED.sub(" ", subject) if not candidates else "")
    if leading:
        candidates.append(leading.group(1))
    return _dedupe(_words_to_kinds(candidates, vocabulary))


def plus_tags(local_parts: Iterable[str], vocabulary: Mapping[str, Kind] = DEFAULT_VOCABULARY) -> list[Kind]:
    """Kinds asked for by plus-addressing: `collect+tin@…`."""
    found: list[str] = []
    for local in local_parts:
        if "+" in local:
            found.append(local.split("+", 1)[1])
    return _dedupe(_words_to_kinds(found, vocabulary))


def _words_to_kinds(candidates: Iterable[str], vocabulary: Mapping[str, Kind]) -> list[Kind]:
    kinds: list[Kind] = []
    for candidate in candidates:
        for word in _SPLIT.split(fold(candidate).strip()):
            kind = vocabulary.get(" ".join(word.split()))
            if kind:
                kinds.append(kind)
    return kinds


def _dedupe(kinds: list[Kind]) -> list[Kind]:
    return list(dict.fromkeys(kinds))
