"""Which stored submissions owe their sender a receipt: decided as each message is stored.

Kept apart from `tinbai.receipts` (composing and sending) so a poll imports only this.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from email.utils import parseaddr

from classify.loops import receipt_refusal
from classify.message import ParsedMessage
from store import Store
from store.receipts import queue_receipt
from texts import reason_text
from tinbai.config import Config

log = logging.getLogger(__name__)

OWED = ("counted", "needs-review")
# Mail that arrived longer ago than this gets no receipt: a mailbox's first sync, or an
# archive fed to `tinbai ingest-file`, would otherwise answer months of old mail at once.
# A week still covers the mail that came in while the service was down.
MAX_AGE = timedelta(days=7)


def own_addresses(config: Config) -> tuple[str, ...]:
    """tinbai's own addresses: it never answers itself."""
    model = config.model
    boxes = [b.address for b in model.named_mailboxes().values()]
    sender = parseaddr(model.smtp.from_)[1] if model.smtp else ""  # may carry a display name
    return tuple(a.lower() for a in (*boxes, sender) if a)


def receipt_addresses(config: Config) -> tuple[str, ...] | None:
    """tinbai's own addresses when receipts are on (what `pipeline.submit` takes), else None."""
    return own_addresses(config) if config.model.receipts.enabled else None


def queue(
    store: Store,
    *,
    message_pk: int,
    parsed: ParsedMessage,
    status: str,
    own: Sequence[str],
    now: datetime,
) -> bool:
    """Owe the sender a receipt for this stored message, unless it must not be answered."""
    if status not in OWED or parsed.sender is None:
        return False
    arrived = parsed.received_at or parsed.date or now
    if now - arrived > MAX_AGE:
        log.info(
            "no receipt for %s: it arrived on %s, more than %d days ago",
            parsed.message_id or message_pk,
            arrived.date().isoformat(),
            MAX_AGE.days,
        )
        return False
    refusal = receipt_refusal(parsed, own)
    if refusal is not None:
        log.info(
            "no receipt for %s: %s", parsed.message_id or message_pk, reason_text(refusal, "en")
        )
        return False
    return queue_receipt(store, message_pk, parsed.sender.address, now)
