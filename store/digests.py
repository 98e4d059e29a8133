"""The digest's queries: messages that need a person, and the log of digests sent.

The log makes sending idempotent: a week's row is claimed *before* the mail
goes out, released if delivery fails, and marked delivered once the SMTP server
accepted it, so two senders racing (the scheduler and an editor's `--send`)
cannot both send the same week, and a crash between claim and delivery does not
leave the week believed sent (the next send takes the claim over).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from classify.message import Review
from store.errors import StoreError
from store.models import DigestSent, Message, Override
from store.reasons import decode
from store.repo import Store

REVIEW_STATUSES: tuple[str, ...] = ("needs-review", "failed")


def messages_to_review(
    store: Store, start: datetime, end: datetime, statuses: Sequence[str] = REVIEW_STATUSES
) -> list[Review]:
    """Messages received in [start, end) that nothing could be counted from, oldest first."""
    stmt = (
        select(
            Message.id,
            Message.received_at,
            Message.sender,
            Message.subject,
            Message.status,
            Message.reason,
        )
        .where(
            Message.received_at >= start, Message.received_at < end, Message.status.in_(statuses)
        )
        .where(Message.id.not_in(select(Override.message_pk)))  # a person has settled it already
        .order_by(Message.received_at, Message.id)
    )
    with store.session() as s:
        return [Review(*row[:5], decode(row[5])) for row in s.execute(stmt)]


@dataclass(frozen=True)
class SentDigest:
    plan_id: str
    week_start: date
    week_end: date
    recipients: tuple[str, ...]
    message_id: str
    sent_at: datetime
    # None: claimed, the SMTP server's acceptance not recorded (a crash may have come
    # between): the next send of the week delivers it again rather than lose it.
    delivered_at: datetime | None = None


def _value(row: DigestSent) -> SentDigest:
    return SentDigest(
        plan_id=row.plan_id,
        week_start=date.fromisoformat(row.week_start),
        week_end=date.fromisoformat(row.week_end),
        recipients=tuple(r for r in row.recipients.split(", ") if r),
        message_id=row.message_id,
        sent_at=row.sent_at,
        delivered_at=row.delivered_at,
    )


def sent_digest(store: Store, plan_id: str, week_end: date) -> SentDigest | None:
    with store.session() as s:
        row = s.scalar(
            select(DigestSent).where(
                DigestSent.plan_id == plan_id, DigestSent.week_end == week_end.isoformat()
            )
        )
        return None if row is None else _value(row)


@dataclass(frozen=True)
class Claim:
    """The outcome of claiming a week: ``granted`` or already sent (``previous``)."""

    granted: bool
    previous: SentDigest | None


def claim_digest(store: Store, sending: SentDigest, *, force: bool = False) -> Claim:
    """Record ``sending`` as sent unless its week was sent already (or ``force``).

    A claim never confirmed delivered (its sender died between claim and the SMTP
    server's answer) is taken over: the caller holds the digest lock, so no live
    sender holds it. That may send the week twice, once; never not at all.
    """
    try:
        with store.session() as s, s.begin():
            row = s.scalar(
                select(DigestSent).where(
                    DigestSent.plan_id == sending.plan_id,
                    DigestSent.week_end == sending.week_end.isoformat(),
                )
            )
            previous = None if row is None else _value(row)
            if row is not None and not force and row.delivered_at is not None:
                return Claim(granted=False, previous=previous)
            if row is None:
                row = DigestSent(plan_id=sending.plan_id, week_end=sending.week_end.isoformat())
                s.add(row)
            _fill(row, sending)
            return Claim(granted=True, previous=previous)
    except IntegrityError:
        # Another sender claimed the week between our read and our write.
        return Claim(granted=False, previous=sent_digest(store, sending.plan_id, sending.week_end))
    except SQLAlchemyError as e:
        raise StoreError(
            f"cannot record the digest in the database: {e} — check database.url"
        ) from e


def release_digest(store: Store, sending: SentDigest, previous: SentDigest | None) -> None:
    """Undo a claim whose mail did not go out: the week counts as not sent (or as before)."""
    with store.session() as s, s.begin():
        row = s.scalar(_this_sending(sending))
        if row is None:
            return
        if previous is None:
            s.delete(row)
        else:
            _fill(row, previous)


def _this_sending(sending: SentDigest) -> Select[DigestSent]:
    """The row of ``sending`` itself: its week, as long as no later sending took it over."""
    return select(DigestSent).where(
        DigestSent.plan_id == sending.plan_id,
        DigestSent.week_end == sending.week_end.isoformat(),
        DigestSent.message_id == sending.message_id,
    )


def _fill(row: DigestSent, value: SentDigest) -> None:
    row.week_start = value.week_start.isoformat()
    row.recipients = ", ".join(value.recipients)
    row.message_id = value.message_id
    row.sent_at = value.sent_at
    row.delivered_at = value.delivered_at


def mark_delivered(store: Store, sending: SentDigest, at: datetime) -> None:
    """The SMTP server accepted ``sending``: the week is sent for good."""
    with store.session() as s, s.begin():
        row = s.scalar(_this_sending(sending))
        if row is not None:
            row.delivered_at = at


def sent_digests(store: Store, plan_id: str | None = None) -> list[SentDigest]:
    """Every digest sent (of ``plan_id``, else of every plan), oldest week first."""
    stmt = select(DigestSent).order_by(DigestSent.week_end)
    if plan_id is not None:
        stmt = stmt.where(DigestSent.plan_id == plan_id)
    with store.session() as s:
        return [_value(row) for row in s.scalars(stmt)]


@dataclass(frozen=True)
class ArrivalRow:
    id: int
    sender: str
    subject: str
    status: str
    dated: datetime | None
    received_at: datetime


def dated_before(store: Store, start: datetime, end: datetime) -> list[ArrivalRow]:
    """Messages received in [start, end) whose Date is before ``start``: late-mail candidates.

    Auto-replies, bounces and the rest that a rule set aside are left out: no submissions.
    """
    stmt = (
        select(
            Message.id,
            Message.sender,
            Message.subject,
            Message.status,
            Message.sent_at,
            Message.received_at,
        )
        .where(
            Message.received_at >= start,
            Message.received_at < end,
            Message.sent_at < start,
            Message.status.in_(("counted", *REVIEW_STATUSES)),
        )
        .order_by(Message.received_at, Message.id)
    )
    with store.session() as s:
        return [ArrivalRow(*row) for row in s.execute(stmt)]
