"""Pure rules: a parsed message in, counted items with readable reasons out.

No I/O happens here: no database, no network, no clock. Everything a rule
needs arrives in the parsed message or in the frozen rule context.
"""

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
