"""What a rule may know besides the message, and what it answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from classify.message import Item, Kind, ParsedMessage, Status
from classify.reasons import NO_REASON, Reason
from classify.tags import DEFAULT_VOCABULARY

if TYPE_CHECKING:  # classify.themes reads parts through classify.pieces, which imports this
    from classify.themes import ThemeMatcher


@dataclass(frozen=True)
class ClassifyContext:
    """Thresholds, vocabulary and facts from config (and, per message, from the store)."""

    collection_address: str = ""
    shared_mailbox: bool = False  # the mailbox also gets other mail: check the recipient
    vocabulary: Mapping[str, Kind] = field(default_factory=lambda: dict(DEFAULT_VOCABULARY))
    article_min_words: int = 600  # untagged text this long is an article, shorter is news
    piece_min_words: int = 50  # untagged text shorter than this is a covering note or a caption
    document_article_min_bytes: int = (
        60_000  # a document without readable text: article from this size
    )
    photo_min_bytes: int = 20_000  # smaller images are logos, icons, tracking pixels
    photo_min_pixels: int = 300  # ... as are images whose shorter side is below this
    max_items_per_message: int = 50  # more in one message goes to review (1,000 .txt files …)
    periods: tuple[tuple[datetime, datetime], ...] = ()  # the plans' periods, [start, end), aware
    check_authentication: bool = True
    trusted_authserv_ids: tuple[str, ...] = ()  # empty: trust the topmost Authentication-Results
    known_message_ids: frozenset[str] = frozenset()  # stored messages this one refers to
    own_domain: str = ""  # smtp.from's domain: Message-IDs tinbai made end in it
    themes: ThemeMatcher | None = None  # the plans' themes and dates: tags, not counting rules


@dataclass(frozen=True)
class Verdict:
    """What one rule says about a message."""

    fired: bool
    note: Reason = NO_REASON
    status: Status | None = None  # a final status stops the chain
    code: str = ""  # with a final status: why, as a stable word ("auto-reply", "bounce" …)
    items: tuple[Item, ...] = ()
    review: Reason = (
        NO_REASON  # something a person should look at; the message is not counted until then
    )


class Rule(Protocol):
    name: str
    description: str

    def apply(
        self, message: ParsedMessage, ctx: ClassifyContext, found: Sequence[Item]
    ) -> Verdict: ...
