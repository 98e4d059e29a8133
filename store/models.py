"""The tables. The schema itself is owned by the Alembic migrations in `migrations/`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out — SQLite keeps no zone."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


# Id columns are INTEGER: 32 bits on PostgreSQL. A larger number names no row, and binding
# one fails (OverflowError on SQLite), so callers check against this first.
MAX_ID = 2**31 - 1


class Sender(Base):
    __tablename__ = "senders"

    id: Mapped[int] = mapped_column(primary_key=True)
    pattern: Mapped[str] = mapped_column(String(320), unique=True)  # name@host or @host
    unit_id: Mapped[str] = mapped_column(String(64), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_received_status_sender", "received_at", "status", "sender", "id"),
        Index("ix_messages_sender_received", "sender", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(512), unique=True)
    message_id: Mapped[str | None] = mapped_column(String(998), index=True)
    digest: Mapped[str] = mapped_column(String(64))
    sender: Mapped[str] = mapped_column(String(320), index=True)
    sender_name: Mapped[str] = mapped_column(Text, default="")
    recipients: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)  # ix_messages_received_status_sender
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(16))
    trace: Mapped[str] = mapped_column(Text, default="[]")  # JSON: which rules fired, why
    defects: Mapped[str] = mapped_column(Text, default="")
    ingested_at: Mapped[datetime] = mapped_column(UtcDateTime)

    items: Mapped[list[Item]] = relationship(back_populates="message", cascade="all, delete-orphan")
    locations: Mapped[list[MessageLocation]] = relationship(
        back_populates="message", cascade="all, delete-orphan"
    )


class MessageLocation(Base):
    """Where a message was seen: the same message may sit in several folders."""

    __tablename__ = "message_locations"
    __table_args__ = (UniqueConstraint("account", "folder", "uidvalidity", "uid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_pk: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    account: Mapped[str] = mapped_column(String(320))
    folder: Mapped[str] = mapped_column(String(512))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    uid: Mapped[int] = mapped_column(BigInteger)

    message: Mapped[Message] = relationship(back_populates="locations")


class MessagePreview(Base):
    """What the message page shows of a message: `classify.preview.Preview` as JSON."""

    __tablename__ = "message_previews"

    message_pk: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    preview: Mapped[str] = mapped_column(Text)


class Thumbnail(Base):
    """A small JPEG of one image of a message read from a file (IMAP mail: a disk cache)."""

    __tablename__ = "thumbnails"

    message_pk: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    part: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class FolderStateRow(Base):
    """The high-water mark of one polled folder."""

    __tablename__ = "folder_states"
    __table_args__ = (UniqueConstraint("account", "folder"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(320))
    folder: Mapped[str] = mapped_column(String(512))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    highest_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # How far the after-processing action (mark seen, move) has got: below the mark
    # after a crash between a batch's commit and its action; the next poll catches up.
    acted_uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    acted_uid: Mapped[int | None] = mapped_column(BigInteger)


class PollHealthRow(Base):
    """A mailbox whose polls are failing: since when, and whether the editor was emailed.

    Kept in the database so that a restart of `tinbai run` neither emails the editor a
    second time about the same outage nor forgets to say when it is over.
    """

    __tablename__ = "poll_health"

    account: Mapped[str] = mapped_column(String(320), primary_key=True)
    failing_since: Mapped[datetime] = mapped_column(UtcDateTime)
    failures: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str] = mapped_column(Text)
    alerted: Mapped[bool] = mapped_column(Boolean)


class Item(Base):
    __tablename__ = "items"
    __table_args__ = (
        Index("ix_items_kind_fingerprint", "kind", "fingerprint"),
        Index("ix_items_message_kind_count", "message_pk", "kind", "count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_pk: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    count: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str | None] = mapped_column(String(128))
    part: Mapped[str | None] = mapped_column(String(64))
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("items.id", ondelete="SET NULL"))

    message: Mapped[Message] = relationship(back_populates="items")


class DigestSent(Base):
    __tablename__ = "digests"
    __table_args__ = (UniqueConstraint("plan_id", "week_end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(64))
    week_start: Mapped[str] = mapped_column(String(10))  # ISO dates, in the plan's timezone
    week_end: Mapped[str] = mapped_column(String(10))
    recipients: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(998))
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # None: claimed, delivery not confirmed (a crash may have come between): send again.
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Receipt(Base):
    """A submission a unit gets a receipt for: due, claimed (receipt_id set), sent or unsure."""

    __tablename__ = "receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_pk: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), unique=True
    )
    sender: Mapped[str] = mapped_column(String(320), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    receipt_id: Mapped[str | None] = mapped_column(String(998))
    queued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ReminderSent(Base):
    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("plan_id", "day", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(64))
    day: Mapped[str] = mapped_column(String(10))  # the configured date, ISO
    unit_id: Mapped[str] = mapped_column(String(64))
    recipients: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(998))
    state: Mapped[str] = mapped_column(String(16))  # "claimed" | "sent"
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(Text)
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)


class User(Base):
    """Someone who may sign in to the web admin: an admin maps senders, an editor corrects counts."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id, PHC string
    role: Mapped[str] = mapped_column(String(16))  # "admin" | "editor"
    # Bumped at sign-out and password change: every session signed with an older epoch ends.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Override(Base):
    """A person's counts for one message; they replace its items and survive re-polls."""

    __tablename__ = "overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_pk: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), unique=True
    )
    news: Mapped[int] = mapped_column(Integer)
    article: Mapped[int] = mapped_column(Integer)
    photo: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(320))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class SenderPeriod(Base):
    """An earlier mapping kept by `senders add --from`: mail received before `until` counts for `unit_id`."""

    __tablename__ = "sender_periods"
    __table_args__ = (UniqueConstraint("pattern", "until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pattern: Mapped[str] = mapped_column(String(320), index=True)
    unit_id: Mapped[str] = mapped_column(String(64))
    until: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LoginFailure(Base):
    """A failed sign-in to the web admin, kept for the rate limit's window.

    In the database, not in memory, so `tinbai users unlock` reaches a running server.
    """

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_address_name", "address", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    address: Mapped[str] = mapped_column(String(64))  # the client's IP address
    name: Mapped[str] = mapped_column(String(64), index=True)  # as typed, lower-cased


class MessageTheme(Base):
    """A theme of the plan (or a date's keywords) that a message touches: `classify.themes`."""

    __tablename__ = "message_themes"

    message_pk: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(128), primary_key=True, index=True)


class DataGeneration(Base):
    """One row whose number grows with every write to what a report reads (migration 0016).

    Database triggers bump it, on SQLite per row, on PostgreSQL once per transaction
    at its commit, so whatever a process computed from those tables can be kept while
    the number stands: any writer, any process, any road (poll, web, CLI, a script).
    """

    __tablename__ = "data_generation"

    id: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, default=0)
    xid: Mapped[int | None] = mapped_column(BigInteger)  # PostgreSQL: the last bumping transaction
