"""The text catalogues: the same keys and fields in every language, clean Vietnamese, one home."""

from __future__ import annotations

import ast
import re
import string
import unicodedata
from pathlib import Path

import pytest

from digest.i18n import labels
from texts import LANGUAGES, catalogue, outcome_label, reason_text, text, view
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


# --- reasons: every code a rule or the store writes has its words in every language


def _reason_codes() -> set[str]:
    """The codes of every ``Reason(...)`` written in the source; ``{kind}`` spelled out."""
    codes: set[str] = set()
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id == "Reason"
                    and node.args
                ):
                    continue
                code = node.args[0]
                if isinstance(code, ast.Constant) and isinstance(code.value, str):
                    codes.add(code.value)
                elif isinstance(code, ast.JoinedStr):
                    head = "".join(v.value for v in code.values if isinstance(v, ast.Constant))
                    codes |= {head + kind for kind in ("news", "article")}
    return codes


def test_every_reason_code_in_the_source_has_a_text() -> None:
    codes = _reason_codes()
    assert {
        "item.body-news",
        "item.document-article",
        "bounce.sender",
        "store.photo-again",
    } <= codes
    special = {"counts", ""}  # rendered from the quantity.* texts; no reason at all
    assert {c for c in codes - special if f"reason.{c}" not in VI} == set()


def test_a_reason_renders_nested_values_and_numbers_the_language_s_way() -> None:
    from classify.reasons import Reason, joined, legacy  # noqa: PLC0415

    part = Reason("part.in-zip", {"part": Reason("part.file", {"name": "anh-1.jpg"})})
    photo = Reason("item.photo", {"part": part, "width": 1200, "height": 800, "bytes": 350_112})
    assert (
        reason_text(photo, "vi") == "ảnh anh-1.jpg (trong tệp nén .zip) (1200×800 px, 350.112 byte)"
    )
    assert reason_text(photo, "en") == (
        "photo anh-1.jpg (inside a .zip archive) (1200×800 px, 350,112 bytes)"
    )
    counts = Reason("counts", {"news": 1, "article": 0, "photo": 2})
    assert reason_text(counts, "vi") == "1 tin, 2 ảnh"
    assert reason_text(counts, "en") == "1 news, 2 photos"
    assert reason_text(joined(counts, legacy("as it was")), "vi") == "1 tin, 2 ảnh; as it was"
    # A code this tinbai has no words for (a newer one wrote it) still shows, never fails.
    assert reason_text(Reason("from.the-future", {"n": 3}), "vi") == "from.the-future (n=3)"


def test_a_reason_survives_the_store_s_encoding() -> None:
    from classify.reasons import Reason, as_data, from_data  # noqa: PLC0415

    why = Reason("kind.tagged", {"tag": "[Tin]"})
    reason = Reason("item.body-news", {"why": why, "text": Reason("body.words", {"words": 15})})
    assert from_data(as_data(reason)) == reason
    assert from_data("an English sentence").params == {"text": "an English sentence"}
