"""The one path every message takes, from IMAP or from a file: classify, then store."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from email.utils import parseaddr

from classify import Classification, ClassifyContext, ParsedMessage, classify
from classify.message import Mark, RuleHit
from classify.reasons import Reason
from classify.themes import message_themes
from store import RecordOutcome, Store
from tinbai.config import (
    Config,
    MailboxConfig,
    PlanConfig,
    mailbox_config,
    tag_vocabulary,
    theme_matcher,
)
from tinbai.receipt_queue import queue

log = logging.getLogger(__name__)


def classify_context(config: Config, mailbox_name: str | None = None) -> ClassifyContext:
    """The rules' context from the `[classify]` section, a mailbox and its plans.

    `mailbox_name` is the mailbox the message came to; without it, the only mailbox, or
    with several none in particular (no collection address, every plan).
    """
    boxes = config.model.named_mailboxes()
    if mailbox_name is not None:
        mailbox: MailboxConfig | None = mailbox_config(config, mailbox_name)
    else:
        mailbox = next(iter(boxes.values())) if len(boxes) == 1 else None
    rules = config.model.classify
    plans = [
        p for p in config.model.plans if not mailbox or not mailbox.plans or p.id in mailbox.plans
    ]
    periods = tuple(_period(config, plan) for plan in plans) if rules.ignore_outside_plans else ()
    return ClassifyContext(
        collection_address=mailbox.address.lower() if mailbox else "",
        shared_mailbox=mailbox.shared if mailbox else False,
        vocabulary=tag_vocabulary(config),
        article_min_words=rules.article_min_words,
        piece_min_words=rules.piece_min_words,
        document_article_min_bytes=rules.document_article_min_bytes,
        photo_min_bytes=rules.photo_min_bytes,
        photo_min_pixels=rules.photo_min_pixels,
        max_items_per_message=rules.max_items_per_message,
        periods=periods,
        check_authentication=rules.check_authentication,
        trusted_authserv_ids=tuple(rules.trusted_authserv_ids),
        themes=theme_matcher(config),
        own_domain=parseaddr(config.model.smtp.from_)[1].rpartition("@")[2]
        if config.model.smtp
        else "",
    )


def _period(config: Config, plan: PlanConfig) -> tuple[datetime, datetime]:
    tz = config.plan_timezone(plan)
    return (
        datetime.combine(plan.start, time(0), tzinfo=tz),
        datetime.combine(plan.end + timedelta(days=1), time(0), tzinfo=tz),
    )


def with_history(parsed: ParsedMessage, ctx: ClassifyContext, store: Store) -> ClassifyContext:
    """The context plus which of the messages this one replies to are already stored."""
    refs = [r for r in (parsed.in_reply_to, *parsed.references[-20:]) if r]
    known = store.stored_message_ids(refs)
    return replace(ctx, known_message_ids=known) if known else ctx


@dataclass(frozen=True)
class Submitted:
    outcome: RecordOutcome
    classification: Classification
    parsed: ParsedMessage


def submit(
    parsed: ParsedMessage,
    *,
    store: Store,
    ctx: ClassifyContext,
    source: str,
    now: datetime,
    location: Mark | None = None,
    advance: Mark | None = None,
    thumbnails: Mapping[str, bytes] | None = None,
    receipts: Sequence[str] | None = None,
) -> Submitted:
    """Classify and store one message. A rule that breaks marks it failed; nothing is lost."""
    try:
        result = classify(parsed, with_history(parsed, ctx, store))
    except Exception as e:
        log.exception("classification failed for %s", parsed.message_id or parsed.digest[:12])
        result = Classification(
            "failed",
            (),
            Reason("failed.crash", {"error": f"{type(e).__name__}: {e}"}),
            (RuleHit("crash", True, Reason("failed.error", {"error": str(e)})),),
        )
    outcome = store.record(
        parsed,
        result,
        source=source,
        location=location,
        advance=advance,
        now=now,
        thumbnails=thumbnails,
        themes=_themes(parsed, ctx),
    )
    if receipts is not None and outcome.created:
        # `receipts` holds tinbai's own addresses when receipts are on. Queued in the
        # transaction that stored the message (the poller's batch, if one is open).
        queue(
            store,
            message_pk=outcome.message_pk,
            parsed=parsed,
            status=result.status,
            own=receipts,
            now=now,
        )
    return Submitted(outcome, result, parsed)


def _themes(parsed: ParsedMessage, ctx: ClassifyContext) -> tuple[str, ...]:
    """The plan's themes the message touches; a matcher that breaks tags nothing."""
    try:
        return message_themes(parsed, ctx.themes)
    except Exception:
        log.exception("theme matching failed for %s", parsed.message_id or parsed.digest[:12])
        return ()
