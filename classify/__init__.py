"""Pure rules: a parsed message in, counted items with readable reasons out.

No I/O happens here: no database, no network, no clock. Everything a rule
needs arrives in the parsed message or in the frozen rule context.

The names below load on first use: every command imports `classify.errors` (the root
of tinbai's errors), and that alone must not load the rules, the gates and the
public suffix list a report or `tinbai unmapped` never runs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from classify.context import ClassifyContext, Rule, Verdict
    from classify.message import (
        KINDS,
        Address,
        Classification,
        Item,
        Mark,
        ParsedMessage,
        Part,
        RuleHit,
        image_fingerprint,
    )
    from classify.rules import DEFAULT_RULES, classify

_HOMES = {
    "ClassifyContext": "classify.context",
    "Rule": "classify.context",
    "Verdict": "classify.context",
    "KINDS": "classify.message",
    "Address": "classify.message",
    "Classification": "classify.message",
    "Item": "classify.message",
    "Mark": "classify.message",
    "ParsedMessage": "classify.message",
    "Part": "classify.message",
    "RuleHit": "classify.message",
    "image_fingerprint": "classify.message",
    "DEFAULT_RULES": "classify.rules",
    "classify": "classify.rules",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'classify' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)


__all__ = [
    "DEFAULT_RULES",
    "KINDS",
    "Address",
    "Classification",
    "ClassifyContext",
    "Item",
    "Mark",
    "ParsedMessage",
    "Part",
    "Rule",
    "RuleHit",
    "Verdict",
    "classify",
    "image_fingerprint",
]
