"""The receipts and reminders log: what units are owed, claimed before it is sent.

A receipt row is queued with its message (state ``due``); the sender's next receipt
claims its due rows under the receipt's Message-ID (``claimed``) *before* the mail goes
out, marks them ``sent`` after, and gives them back (``due``) when delivery fails in a
way that may pass. A claim that outlived its sender (tinbai stopped between the claim
and the mark) becomes ``unsure``: never sent again, since the unit may have it already,
and listed by `tinbai receipts` so it is not lost silently. One row per message (a
unique key): a message gets at most one receipt, across restarts.

Reminders: one row per plan, date and unit, claimed before the mail goes out and
deleted again if it could not be sent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from classify.reasons import Reason
from store.errors import StoreError
from store.models import Item, Message, Receipt, ReminderSent
from store.reasons import decode
from store.repo import Store

DUE, CLAIMED, SENT, UNSURE = "due", "claimed", "sent", "unsure"


def queue_receipt(store: Store, message_pk: int, sender: str, now: datetime) -> bool:
    """Owe ``sender`` a receipt for a stored message; False if one is owed or sent already.

    Written in the transaction that stored the message when one is open (the poller
    writes a batch in one): a second connection would wait on SQLite's lock until it
    failed the poll, and on PostgreSQL would not yet see the message row it refers to.
    So the message and the receipt it is owed land together, or neither does.
    """
    try:
        with store.transaction() as conn:
            if conn.scalar(select(Receipt.id).where(Receipt.message_pk == message_pk)):
                return False
            conn.execute(
                insert(Receipt).values(
                    message_pk=message_pk, sender=sender.lower(), state=DUE, queued_at=now
                )
            )
            return True
    except SQLAlchemyError as e:
        raise StoreError(f"cannot queue a receipt: {e} — check database.url") from e


@dataclass(frozen=True)
class Submission:
    """A submission a receipt speaks of: what it counted, or why it did not."""

    row: int
    message_pk: int
    sender: str
    message_id: str | None
    subject: str
    received_at: datetime
    status: str
    reason: Reason
    counts: dict[str, int]


def due_receipts(store: Store) -> dict[str, list[Submission]]:
    """The submissions owed a receipt, per sender, oldest first."""
    stmt = (
        select(
            Receipt.id,
            Message.id,
            Receipt.sender,
            Message.message_id,
            Message.subject,
            Message.received_at,
            Message.status,
            Message.reason,
        )
        .join(Message, Message.id == Receipt.message_pk)
        .where(Receipt.state == DUE)
        .order_by(Message.received_at, Message.id)
    )
    out: dict[str, list[Submission]] = defaultdict(list)
    with store.session() as s:
        rows = s.execute(stmt).all()
        counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        pks = [r[1] for r in rows]
        if pks:
            for pk, kind, n in s.execute(
                select(Item.message_pk, Item.kind, func.sum(Item.count))
                .where(Item.message_pk.in_(pks), Item.duplicate_of.is_(None))
                .group_by(Item.message_pk, Item.kind)
            ):
                counts[pk][kind] = int(n or 0)
        for row, pk, sender, mid, subject, received, status, reason in rows:
            out[sender].append(
                Submission(
                    row,
                    pk,
                    sender,
                    mid,
                    subject,
                    received,
                    status,
                    decode(reason),
                    dict(counts[pk]),
                )
            )
    return dict(out)


def last_receipt_at(store: Store, sender: str) -> datetime | None:
    """When ``sender``'s latest receipt was claimed (sent or not), or None."""
    with store.session() as s:
        return s.scalar(
            select(func.max(Receipt.claimed_at)).where(
                Receipt.sender == sender.lower(), Receipt.state.in_((CLAIMED, SENT, UNSURE))
            )
        )


def claim_receipts(store: Store, rows: Sequence[int], receipt_id: str, now: datetime) -> bool:
    """Claim due rows for one receipt; False (and nothing claimed) if another took any."""
    with store.session() as s, s.begin():
        done = s.execute(
            update(Receipt)
            .where(Receipt.id.in_(rows), Receipt.state == DUE)
            .values(state=CLAIMED, receipt_id=receipt_id, claimed_at=now)
        )
        if done.rowcount != len(rows):  # type: ignore[attr-defined]
            s.rollback()
            return False
        return True


def mark_sent(store: Store, receipt_id: str, now: datetime) -> None:
    with store.session() as s, s.begin():
        s.execute(
            update(Receipt)
            .where(Receipt.receipt_id == receipt_id, Receipt.state == CLAIMED)
            .values(state=SENT, sent_at=now)
        )


def release_receipts(store: Store, receipt_id: str) -> None:
    """The receipt did not go out: its rows are due again."""
    with store.session() as s, s.begin():
        s.execute(
            update(Receipt)
            .where(Receipt.receipt_id == receipt_id, Receipt.state == CLAIMED)
            .values(state=DUE, receipt_id=None, claimed_at=None)
        )


def settle_stale_claims(store: Store, before: datetime) -> list[tuple[str, str, int]]:
    """Claims made before ``before`` that were never marked: now ``unsure``, never resent.

    Returns (sender, receipt Message-ID, submissions) of each, for the log.
    """
    with store.session() as s, s.begin():
        rows = s.execute(
            select(Receipt.sender, Receipt.receipt_id, func.count())
            .where(Receipt.state == CLAIMED, Receipt.claimed_at < before)
            .group_by(Receipt.sender, Receipt.receipt_id)
        ).all()
        s.execute(
            update(Receipt)
            .where(Receipt.state == CLAIMED, Receipt.claimed_at < before)
            .values(state=UNSURE)
        )
    return [(sender, rid or "", int(n)) for sender, rid, n in rows]


@dataclass(frozen=True)
class ReceiptRow:
    sender: str
    state: str
    receipt_id: str | None
    subject: str
    queued_at: datetime
    sent_at: datetime | None


def receipt_log(store: Store, limit: int = 200) -> list[ReceiptRow]:
    """The latest receipt rows, newest first, for `tinbai receipts`."""
    stmt = (
        select(
            Receipt.sender,
            Receipt.state,
            Receipt.receipt_id,
            Message.subject,
            Receipt.queued_at,
            Receipt.sent_at,
        )
        .join(Message, Message.id == Receipt.message_pk)
        .order_by(Receipt.id.desc())
        .limit(limit)
    )
    with store.session() as s:
        return [ReceiptRow(*row) for row in s.execute(stmt)]


# --------------------------------------------------------------------------- reminders


def reminded_units(store: Store, plan_id: str, day: str) -> set[str]:
    with store.session() as s:
        return set(
            s.scalars(
                select(ReminderSent.unit_id).where(
                    ReminderSent.plan_id == plan_id, ReminderSent.day == day
                )
            )
        )


def claim_reminder(
    store: Store,
    *,
    plan_id: str,
    day: str,
    unit_id: str,
    recipients: Sequence[str],
    message_id: str,
    now: datetime,
) -> bool:
    """Record the unit's reminder for ``day`` before it is sent; False if it was already."""
    try:
        with store.session() as s, s.begin():
            s.add(
                ReminderSent(
                    plan_id=plan_id,
                    day=day,
                    unit_id=unit_id,
                    recipients=", ".join(recipients),
                    message_id=message_id,
                    state=CLAIMED,
                    sent_at=now,
                )
            )
        return True
    except IntegrityError:
        return False
    except SQLAlchemyError as e:
        raise StoreError(f"cannot record a reminder: {e} — check database.url") from e


def reminder_sent(store: Store, message_id: str) -> None:
    with store.session() as s, s.begin():
        s.execute(
            update(ReminderSent).where(ReminderSent.message_id == message_id).values(state=SENT)
        )


def release_reminder(store: Store, message_id: str) -> None:
    with store.session() as s, s.begin():
        row = s.scalar(select(ReminderSent).where(ReminderSent.message_id == message_id))
        if row is not None:
            s.delete(row)


def skip_receipts(store: Store, rows: Sequence[int], state: str = "skipped") -> None:
    """Rows that get no receipt (the sender maps to no unit; the server refused it)."""
    with store.session() as s, s.begin():
        s.execute(
            update(Receipt)
            .where(Receipt.id.in_(rows), Receipt.state.in_((DUE, CLAIMED)))
            .values(state=state)
        )
