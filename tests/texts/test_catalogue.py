"""The text catalogues: the same keys and fields in every language, clean Vietnamese, one home."""

from __future__ import annotations

import ast
import re
import string
import unicodedata
from pathlib import Path

import pytest

from digest.i18n import labels
from texts import LANGUAGES, catalogue, outcome_label, text, view
from tinbai.web.i18n import words

ROOT = Path(__file__).resolve().parents[2]
VI = catalogue("vi")
EN = catalogue("en")

# The Vietnamese alphabet, composed: the plain and hatted vowels under each of the five tones.
_TONES = ("\u0300", "\u0301", "\u0303", "\u0309", "\u0323")  # huyền, sắc, ngã, hỏi, nặng
_VOWELS = "aăâeêioôơuưy"
VIETNAMESE_LETTERS = frozenset(
    c
    for letter in [
        *_VOWELS,
        *(unicodedata.normalize("NFC", v + t) for v in _VOWELS for t in _TONES),
    ]
    for c in (letter, letter.upper())
) | frozenset("đĐ")
ASCII_LETTERS = frozenset(string.ascii_letters)

# The old style of placing a tone in an open oa/oe/uy syllable (hoà, thuỷ) where the catalogue
# writes the new one (hòa, thủy); "qu" + y (quý) is the consonant qu, so it is left alone.
_OLD_STYLE_TONE = re.compile(r"(?<![qQ])(?:[oO][àáảãạ]|[oO][èéẻẽẹ]|[uU][ỳýỷỹỵ])(?!\w)")


def fields(pattern: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None}


def test_every_language_has_the_same_keys() -> None:
    for language in LANGUAGES:
        assert set(catalogue(language)) == set(VI), language


def test_each_text_has_the_same_fields_in_every_language() -> None:
    differ = {
        key: (fields(VI[key]), fields(catalogue(language)[key]))
        for language in LANGUAGES
        for key in VI
        if fields(VI[key]) != fields(catalogue(language)[key])
    }
    assert differ == {}


def test_every_field_is_named_so_text_can_fill_it() -> None:
    unnamed = [key for key, value in VI.items() if "" in fields(value)]
    assert unnamed == []


def test_vietnamese_texts_are_composed_with_no_loose_combining_marks() -> None:
    loose = [
        key
        for key, value in VI.items()
        if not unicodedata.is_normalized("NFC", value)
        or any(unicodedata.combining(c) for c in value)
    ]
    assert loose == []


def test_vietnamese_texts_use_only_vietnamese_letters() -> None:
    """Mojibake ("Ã¡"), a stray caron (ǎ) or a letter from another language shows up here."""
    strange = {
        key: sorted({c for c in value if c.isalpha()} - VIETNAMESE_LETTERS - ASCII_LETTERS)
        for key, value in VI.items()
    }
    assert {key: chars for key, chars in strange.items() if chars} == {}


def test_vietnamese_texts_place_tones_one_way() -> None:
    old_style = {key: value for key, value in VI.items() if _OLD_STYLE_TONE.search(value)}
    assert old_style == {}


def test_english_texts_hold_no_vietnamese() -> None:
    vietnamese = {
        key: value
        for key, value in EN.items()
        if any(c in VIETNAMESE_LETTERS - ASCII_LETTERS for c in value)
    }
    assert vietnamese == {}


def test_a_language_tinbai_does_not_speak_reads_vietnamese() -> None:
    assert catalogue("fr") is VI
    assert text("quantity.news", "fr", n=3) == "3 tin"


def test_text_fills_fields_and_outcome_label_falls_back_to_the_code() -> None:
    assert text("quantity.photo_one", "en", n=1) == "1 photo"
    assert outcome_label("bounce", "vi") == "Thư báo lỗi gửi thư"
    assert outcome_label("no-such-code", "en") == "no-such-code"


def test_a_view_gives_short_names_and_refuses_two_texts_under_one() -> None:
    assert view("vi", (("kind.", ""), ("web.", "")))["login"] == "Đăng nhập"
    with pytest.raises(ValueError, match="news"):
        view("vi", (("kind.", ""), ("quantity.", "")))


def test_a_word_shared_by_the_digest_and_the_web_admin_is_one_text() -> None:
    for language in LANGUAGES:
        digest, web = labels(language), words(language)
        for word in ("news", "article", "photo", "unit", "group", "totals", "as_of"):
            assert digest[word] is web[word]


# --- one home: no other module keeps a table of words per language

OLD_TABLES = {"LABELS", "_VI", "_EN", "_SINGULAR", "_MONTHS_EN"}
PACKAGES = ("classify", "digest", "ingest", "store", "tinbai")


def _language_tables(tree: ast.Module) -> set[str]:
    """Names given to a dict keyed by language codes, or carrying an old table's name."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = {t.id for t in targets if isinstance(t, ast.Name)}
            keys = (
                {k.value for k in node.value.keys if isinstance(k, ast.Constant)}
                if isinstance(node.value, ast.Dict)
                else set()
            )
            if names & OLD_TABLES or len(keys & set(LANGUAGES)) > 1:
                found |= names
    return found


def test_no_module_outside_texts_keeps_its_own_words_per_language() -> None:
    tables = {
        (path.relative_to(ROOT).as_posix(), name)
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for name in _language_tables(ast.parse(path.read_text(encoding="utf-8")))
    }
    assert tables == set()
