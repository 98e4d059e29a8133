"""Which of the plan's themes a text touches: whole words and phrases, any case, any accents.

A theme (or a date of the plan's calendar) is a tag and its keywords. A keyword matches
a run of whole words of the text: "ma túy" is found in "MA TUY" and in "Ma tuý" (the old
and the new place of the tone mark are the same word), never inside a longer word
("laođộng" is not "lao động"), and "Covid-19" is the two words "covid" and "19", so
"COVID 19" matches it too.

Diacritics are ignored where one side has none: mail typed without accents (a phone
without a Vietnamese keyboard) matches every keyword, and a keyword written without
accents matches every spelling. Where both sides have accents they must agree, so
"mà tùy" (as you like) is not "ma túy" (drugs). `đ` is `d` for the comparison.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from classify.message import ParsedMessage
from classify.pieces import is_document

_WORD = re.compile(r"[^\W_]+")
# The five Vietnamese tone marks, as combining characters: where they sit in a syllable
# varies between spelling conventions, so a word's tone is compared apart from its letters.
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
# Bounded: a document of a hundred pages is still read whole, a hostile 1 GB one is not.
MAX_TEXT_CHARS = 2_000_000


@dataclass(frozen=True)
class Topic:
    """The words that mark a text as being about one theme or one date of the plan."""

    tag: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class _Word:
    bare: str  # no marks at all, đ as d, case folded: "dien"
    exact: str | None  # letters with their vowel marks, then the tone: "điên|\u0323"; None if bare

    def same(self, other: _Word) -> bool:
        if self.exact is None or other.exact is None:
            return self.bare == other.bare
        return self.exact == other.exact


@lru_cache(maxsize=65536)
def _word(token: str) -> _Word:
    folded = unicodedata.normalize("NFD", token.casefold())
    tone = "".join(c for c in folded if c in _TONES)
    letters = unicodedata.normalize("NFC", "".join(c for c in folded if c not in _TONES))
    bare = "".join(c for c in folded if not unicodedata.combining(c)).replace("đ", "d")
    exact = None if bare == folded else f"{letters}|{tone}"
    return _Word(bare, exact)


def words_of(text: str, max_chars: int = MAX_TEXT_CHARS) -> list[_Word]:
    return [_word(t) for t in _WORD.findall(text[:max_chars])]


@dataclass(frozen=True)
class _Phrase:
    tag: str
    words: tuple[_Word, ...]

    @property
    def bares(self) -> list[str]:
        return [w.bare for w in self.words]


class ThemeMatcher:
    """Topics compiled once: phrases indexed by their first word's bare form."""

    def __init__(self, topics: Iterable[Topic], *, max_chars: int = MAX_TEXT_CHARS) -> None:
        self.max_chars = max_chars
        index: dict[str, list[tuple[_Phrase, list[str]]]] = {}
        tags: list[str] = []
        for topic in topics:
            tags.append(topic.tag)
            for keyword in topic.keywords:
                phrase = tuple(words_of(keyword))
                if phrase:
                    entry = _Phrase(topic.tag, phrase)
                    index.setdefault(phrase[0].bare, []).append((entry, entry.bares))
        self.tags: tuple[str, ...] = tuple(dict.fromkeys(tags))  # the config's order
        self._index: Mapping[str, Sequence[tuple[_Phrase, list[str]]]] = index

    def match(self, *texts: str) -> frozenset[str]:
        """The tags whose keywords occur, as whole words, in any of ``texts``."""
        found: set[str] = set()
        index = self._index
        for text in texts:
            run = words_of(text, self.max_chars)
            bares = [w.bare for w in run]
            for i, bare in enumerate(bares):
                for phrase, phrase_bares in index.get(bare, ()):
                    end = i + len(phrase_bares)
                    # The bare words first (cheap, and most candidates differ there).
                    if phrase.tag in found or bares[i:end] != phrase_bares:
                        continue
                    if all(w.same(p) for w, p in zip(run[i:end], phrase.words, strict=True)):
                        found.add(phrase.tag)
        return frozenset(found)


TAG_MAX_CHARS = 128  # the store's column


def date_tag(day: date, name: str) -> str:
    """The tag of a calendar date's own keywords: its day and its name's bare words.

    Derived from what the config says, not from its position, so a reordered calendar
    keeps the tags already stored: "day:2020-05-07:chien-thang-dien-bien-phu".
    """
    slug = "-".join(w.bare for w in words_of(name))
    return f"day:{day.isoformat()}:{slug}"[:TAG_MAX_CHARS]


def message_texts(message: ParsedMessage) -> tuple[str, ...]:
    """What a message says: its subject, its body and the text of its documents."""
    documents = tuple(p.text for p in message.parts if p.text and is_document(p))
    return (message.subject, message.text, *documents)


def message_themes(message: ParsedMessage, matcher: ThemeMatcher | None) -> tuple[str, ...]:
    """The tags ``message`` touches, in the matcher's order (the config's)."""
    if matcher is None:
        return ()
    found = matcher.match(*message_texts(message))
    return tuple(tag for tag in matcher.tags if tag in found)
