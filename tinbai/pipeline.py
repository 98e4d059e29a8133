"""The one path every message takes, from IMAP or from a file: classify, then store."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from classify import Classification, ClassifyContext, ParsedMessage, classify
from classify.message import RuleHit
from ingest.parse import parse_message
from store import FolderState, Location, RecordOutcome, Store
from tinbai.config import Config

log = logging.getLogger(__name__)


def classify_context(config: Config) -> ClassifyContext:
    mailbox = config.model.mailbox
    return ClassifyContext(collection_address=mailbox.address.lower() if mailbox else "")


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
    location: Location | None = None,
    advance: FolderState | None = None,
) -> Submitted:
    """Classify and store one message. A rule that breaks marks it failed; nothing is lost."""
    try:
        result = classify(parsed, ctx)
    except Exception as e:
        log.exception("classification failed for %s", parsed.message_id or parsed.digest[:12])
        result = Classification(
            "failed", (), f"classification failed: {type(e).__name__}: {e}", (RuleHit("crash", True, str(e)),)
        )
    outcome = store.record(parsed, result, source=source, location=location, advance=advance, now=now)
    return Submitted(outcome, result, parsed)


def submit_raw(raw: bytes, *, store: Store, ctx: ClassifyContext, source: str, now: datetime) -> Submitted:
    return submit(parse_message(raw), store=store, ctx=ctx, source=source, now=now)
