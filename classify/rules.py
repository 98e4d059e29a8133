"""The order of the rules, and the tiny interpreter that runs them.

Each rule is a small object with a stable kebab-case `name`, a `description`
and one method, `apply`, that returns a `Verdict`: either a final status for the
message (ignored, with a reason) or items to add. The order is data
(`DEFAULT_RULES`); `classify` runs them and records every rule, hit or miss.
"""

from __future__ import annotations

from collections.abc import Sequence

from classify.context import ClassifyContext, Rule, Verdict
from classify.gates import AutoReply, Bounce, Invitation, NotAddressed, OutsidePeriod, Spoofed
from classify.links import CloudLinks
from classify.loops import ReplyToTinbai
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
from classify.reasons import COUNTS, Reason, joined
from classify.tags import message_tags
from classify.text import words

DEFAULT_RULES: tuple[Rule, ...] = (
    ReplyToTinbai(),
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
    CloudLinks(),
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
    reviews: list[Reason] = []
    for rule in rules:
        verdict = rule.apply(message, ctx, tuple(items))
        trace.append(RuleHit(rule.name, verdict.fired, verdict.note))
        if verdict.status is not None:
            # A final verdict's note says why; its code starts with the rule's name
            # ("bounce.sender"), which is how `labels.code_of` finds the outcome again.
            reason = verdict.note or Reason(rule.name)
            if verdict.status == "needs-review" and reviews:
                reason = joined(*reviews, reason)
            return Classification(
                verdict.status, (), reason, tuple(trace), verdict.code or rule.name
            )
        items.extend(verdict.items)
        if verdict.review:
            reviews.append(verdict.review)
    if reviews:
        return Classification(
            "needs-review", tuple(items), joined(*reviews), tuple(trace), "needs-review"
        )
    return Classification("counted", tuple(items), summary(items), tuple(trace))


PARSED = "parsed"  # the trace's first entry: what the rules saw, for `tinbai explain`


def facts(message: ParsedMessage, ctx: ClassifyContext) -> Reason:
    """What the rules saw in a message, in one line: tags, words, parts, defects."""
    tags = message_tags(message, ctx.vocabulary)
    shown = [
        Reason("facts.tags", {"tags": " ".join(TAG_WORD[t] for t in tags)})
        if tags
        else Reason("facts.no-tags"),
        Reason("facts.words", {"words": words(message.text)}),
    ]
    for part in message.parts[:30]:
        if part.text is not None and part.filename is None:
            continue  # the body, counted above
        shown.append(
            Reason(
                "facts.part-sized",
                {
                    "part": label(part),
                    "type": part.sniffed_type or part.content_type,
                    "bytes": part.size,
                    "width": part.width or 0,
                    "height": part.height or 0,
                },
            )
            if part.width and part.height
            else Reason(
                "facts.part",
                {
                    "part": label(part),
                    "type": part.sniffed_type or part.content_type,
                    "bytes": part.size,
                },
            )
        )
    if message.defects:
        shown.append(Reason("facts.defects", {"defects": len(message.defects)}))
    return joined(*shown)


def summary(items: Sequence[Item]) -> Reason:
    """What a message counts for ("1 news, 3 photos" once rendered), as a `counts` reason."""
    return Reason(COUNTS, {k: sum(i.count for i in items if i.kind == k) for k in KINDS})
