"""The order of the rules, and the tiny interpreter that runs them.

Each rule is a small object with a stable kebab-case `name`, a `description`
and one method, `apply`, that returns a `Verdict`: either a final status for the
message (ignored, with a reason) or items to add. The order is data
(`DEFAULT_RULES`); `classify` runs them and records every rule, hit or miss.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from classify.context import ClassifyContext, Rule, Verdict
from classify.gates import AutoReply, Bounce, Invitation, NotAddressed, OutsidePeriod, Spoofed
from classify.message import KINDS, Classification, Item, ParsedMessage, RuleHit
from classify.pieces import (
    TAG_WORD,
    Archives,
    BodyPiece,
    Documents,
    Empty,
    NothingFound,
    ParseLimit,
    Photos,
    Revision,
    TooManyItems,
    label,
)
from classify.tags import message_tags
from classify.text import words

DEFAULT_RULES: tuple[Rule, ...] = (
    Bounce(),
    AutoReply(),
    Invitation(),
    Spoofed(),
    NotAddressed(),
    OutsidePeriod(),
    Photos(),
    Documents(),
    Archives(),
    Revision(),
    BodyPiece(),
    ParseLimit(),
    TooManyItems(),
    Empty(),
    NothingFound(),
)

__all__ = ["DEFAULT_RULES", "ClassifyContext", "Rule", "Verdict", "classify", "summary"]


def classify(
    message: ParsedMessage,
    ctx: ClassifyContext | None = None,
    rules: Sequence[Rule] = DEFAULT_RULES,
) -> Classification:
    """Run the rules in order; the first final status stops the chain."""
    ctx = ctx or ClassifyContext()
    items: list[Item] = []
    trace: list[RuleHit] = [RuleHit(PARSED, True, facts(message, ctx))]
    reviews: list[str] = []
    for rule in rules:
        verdict = rule.apply(message, ctx, tuple(items))
        trace.append(RuleHit(rule.name, verdict.fired, verdict.note))
        if verdict.status is not None:
            reason = f"{rule.name}: {verdict.note}" if verdict.note else rule.name
            if verdict.status == "needs-review" and reviews:
                reason = "; ".join([*reviews, reason])
            return Classification(
                verdict.status, (), reason, tuple(trace), verdict.code or rule.name
            )
        items.extend(verdict.items)
        if verdict.review:
            reviews.append(verdict.review)
    if reviews:
        return Classification(
            "needs-review", tuple(items), "; ".join(reviews), tuple(trace), "needs-review"
        )
    return Classification("counted", tuple(items), summary(items), tuple(trace))


PARSED = "parsed"  # the trace's first entry: what the rules saw, for `tinbai explain`


def facts(message: ParsedMessage, ctx: ClassifyContext) -> str:
    """What the rules saw in a message, in one line: tags, words, parts, defects."""
    tags = message_tags(message, ctx.vocabulary)
    shown = [
        f"tags {' '.join(TAG_WORD[t] for t in tags) or 'none'}",
        f"{words(message.text)} words of text",
    ]
    for part in message.parts[:30]:
        if part.text is not None and part.filename is None:
            continue  # the body, counted above
        size = f", {part.width}×{part.height} px" if part.width and part.height else ""
        shown.append(
            f"{label(part)} [{part.sniffed_type or part.content_type}, {part.size:,} bytes{size}]"
        )
    if message.defects:
        shown.append(f"{len(message.defects)} MIME defect(s)")
    return "; ".join(shown)[:2000]


def summary(items: Sequence[Item]) -> str:
    """ "1 news, 3 photos": what a message counts for, in one line."""
    totals: Counter[str] = Counter()
    for item in items:
        totals[item.kind] += item.count
    words = {
        "news": ("news", "news"),
        "article": ("article", "articles"),
        "photo": ("photo", "photos"),
    }
    return ", ".join(f"{totals[k]} {words[k][totals[k] != 1]}" for k in KINDS if totals[k])
