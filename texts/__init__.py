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
- ``alert.*``: the editor's emails about polling (failed since, works again).

This package sits at the bottom with `classify`: it imports nothing of ours, so every
layer may read it. The catalogues are Python rather than TOML on purpose: mypy checks
them, a typo in one fails at import rather than at render time, and there is no loader
or package data to ship.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from types import MappingProxyType

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
