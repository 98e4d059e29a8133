"""Every text a person reads — digest, report, web admin, outcome labels — one catalogue per language.

`texts/vi.py` (the default) and `texts/en.py` each hold one flat mapping from a namespaced
key to its text; a text that holds values has ``str.format`` fields (``{n} tin``), filled
by `text`. A word used in several places (``kind.news`` is "Tin" in the digest, the report
and the web admin alike) is written once. The namespaces:

- ``kind.*``, ``plan.*``, ``quantity.*``, ``standing.*``, ``status.*``, ``outcome.*``,
  ``date.*``: shared by every place that shows them;
- ``digest.*``: the weekly digest and its spreadsheet (and the report's few words);
- ``web.*``: the web admin;
- ``content.*``: what a message holds, on its web page and in `tinbai submissions show`;
- ``alert.*``: the editor's emails about polling (failed since, works again);
- ``reason.*``: a reason by its code (`classify.reasons.Reason`), filled by `reason_text`;
- ``explain.*``: `tinbai explain`;
- ``cli.*``: the admin's tables in the CLI (`submissions list`, `unmapped`, `senders list`).
- ``plans.*``: `tinbai plan new` and `tinbai plan check` (not ``plan.*``, the progress table's
  words, which the digest and the web admin take whole).

This package sits at the bottom with `classify`: it imports nothing of ours, so every
layer may read it. The catalogues are Python rather than TOML on purpose: mypy checks
them, a typo in one fails at import rather than at render time, and there is no loader
or package data to ship.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from types import MappingProxyType
from typing import Protocol, runtime_checkable

from texts import en, vi

DEFAULT_LANGUAGE = "vi"
LANGUAGES: tuple[str, ...] = ("vi", "en")

_CATALOGUES: Mapping[str, Mapping[str, str]] = {
    "vi": MappingProxyType(dict(vi.CATALOGUE)),
    "en": MappingProxyType(dict(en.CATALOGUE)),
}


def catalogue(language: str) -> Mapping[str, str]:
    """Every text in `language`; Vietnamese for a language tinbai does not speak."""
    return _CATALOGUES.get(language, _CATALOGUES[DEFAULT_LANGUAGE])


def text(key: str, language: str, **params: object) -> str:
    """The text of `key` in `language`, its ``{fields}`` filled from `params`."""
    return catalogue(language)[key].format(**params)


def outcome_label(code: str, language: str = DEFAULT_LANGUAGE) -> str:
    """What an outcome code (`classify.labels.code_of`) is called; the code itself if unnamed."""
    return catalogue(language).get(f"outcome.{code}", code)


@runtime_checkable
class Coded(Protocol):
    """A reason as `classify.reasons.Reason` holds it: a code and the values that fill it."""

    @property
    def code(self) -> str: ...

    @property
    def params(self) -> Mapping[str, object]: ...


def review_reason(outcome: str, reason: Coded, language: str) -> str:
    """A reason as the editor reads it beside a message to review.

    ``outcome`` is the message's outcome code (`classify.labels.code_of`). Possible
    spoofing says so first ("Có thể người gửi bị giả mạo: máy chủ nhận thư báo
    dmarc=fail"): the reason alone names only what the receiving server reported.
    """
    words = reason_text(reason, language)
    return f"{outcome_label(outcome, language)}: {words}" if outcome == "spoofed" else words


# The codes `reason_text` knows without a ``reason.<code>`` text (see classify/reasons.py).
_LEGACY, _JOINED, _COUNTS = "legacy", "joined", "counts"
_KINDS = ("news", "article", "photo")


def reason_text(reason: Coded, language: str) -> str:
    """A reason in words: the text of ``reason.<code>`` filled with its parameters.

    A parameter that is a reason is rendered first, several are joined with "; ", a whole
    number is grouped by thousands the language's way. ``counts`` (what a message counts
    for) reads "1 tin, 3 ảnh"; ``joined`` is its parts one after another; ``legacy`` (a
    sentence stored before reasons had codes) is its text as it is. A code with no text
    (a newer tinbai wrote it) shows as the code and its values rather than failing.
    """
    code, params = reason.code, reason.params
    special = _SPECIAL.get(code)
    if special is not None:
        return special(params, language)
    texts = catalogue(language)
    filled = {name: _param_text(value, language) for name, value in params.items()}
    pattern = texts.get(f"reason.{code}")
    if pattern is None and not params:
        pattern = texts.get(f"outcome.{code}", code)  # a rule's bare name: its outcome's label
    if pattern is not None:
        try:
            return pattern.format(**filled)
        except (KeyError, IndexError):  # stored by another version of tinbai, with other values
            pass
    shown = ", ".join(f"{name}={value}" for name, value in filled.items())
    return f"{code} ({shown})"


def number(n: int, language: str) -> str:
    """A whole number grouped by thousands as `language` writes it: 350,112 or 350.112.

    Four digits stay together (1200×800 px, 2020), as most style guides write them.
    """
    if -10_000 < n < 10_000:
        return str(n)
    return f"{n:,}".replace(",", catalogue(language)["number.thousands"])


def _param_text(value: object, language: str) -> str:
    if isinstance(value, tuple | list):
        return "; ".join(_param_text(v, language) for v in value)
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return number(value, language)
    if isinstance(value, Coded):
        return reason_text(value, language)
    return str(value)


def _counts_text(counts: Mapping[str, object], language: str) -> str:
    """ "1 tin, 3 ảnh": the kinds a message counts for, in order; "nothing" when none."""
    texts = catalogue(language)
    shown = []
    for kind in _KINDS:
        n = counts.get(kind, 0)
        if isinstance(n, int) and n:
            key = f"quantity.{kind}_one" if n == 1 else f"quantity.{kind}"
            shown.append(texts[key].format(n=n))
    return ", ".join(shown) or texts["reason.counts-none"]


_SPECIAL: Mapping[str, Callable[[Mapping[str, object], str], str]] = {
    "": lambda params, language: "",
    _LEGACY: lambda params, language: str(params.get("text", "")),
    _JOINED: lambda params, language: _param_text(params.get("parts", ()), language),
    _COUNTS: _counts_text,
}


@cache
def view(language: str, names: tuple[tuple[str, str], ...]) -> Mapping[str, str]:
    """The texts under some namespaces, keyed by the short names one place uses.

    `names` pairs a catalogue prefix with the prefix it gets in the view:
    ``(("kind.", ""), ("web.", ""))`` turns ``kind.news`` into ``news`` and ``web.login``
    into ``login``, so a template can write ``t.login``.
    """
    out: dict[str, str] = {}
    for key, value in catalogue(language).items():
        for prefix, short in names:
            if key.startswith(prefix):
                name = short + key.removeprefix(prefix)
                if name in out:
                    raise ValueError(f"two texts are called {name!r} in this view")
                out[name] = value
                break
    return MappingProxyType(out)
