"""The queries tinbai needs, returning plain values; one transaction per message."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from classify.message import Classification, ParsedMessage
from store.admin import counted_rows
from store.db import make_engine, migrate
from store.models import AuditEntry, FolderStateRow, Item, Message, MessageLocation, Sender
from store.senders import normalize_pattern
from tinbai.errors import StoreError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Location:
    """Where IMAP holds a message: the key that makes a poll idempotent."""

    account: str
    folder: str
    uidvalidity: int
    uid: int


@dataclass(frozen=True)
class FolderState:
    account: str
    folder: str
    uidvalidity: int
    highest_uid: int


@dataclass(frozen=True)
class RecordOutcome:
    message_pk: int
    created: bool  # False: the message was already stored, nothing changed
    note: str = ""
    counted: tuple[tuple[str, int], ...] = ()  # (kind, count) as stored, duplicates removed

    def count(self, kind: str) -> int:
        return sum(n for k, n in self.counted if k == kind)


@dataclass(frozen=True)
class SenderCount:
    address: str
    kind: str
    count: int
    unit: str | None = None  # set when a `--from` move keeps this mail with an earlier unit


@dataclass(frozen=True)
class MessageRow:
    id: int
    message_id: str | None
    sender: str
    sender_name: str
    subject: str
    received_at: datetime
    status: str
    reason: str
    items: tuple[tuple[str, int, str], ...]  # (kind, count, reason)


class Store:
    """All database access of tinbai, behind plain-valued methods."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def session(self) -> Session:
        return self._sessions()

    # ------------------------------------------------------------------ messages

    def record(
        self,
        parsed: ParsedMessage,
        result: Classification,
        *,
        source: str,
        location: Location | None = None,
        advance: FolderState | None = None,
        now: datetime,
    ) -> RecordOutcome:
        """Store a message, its items and its location in one transaction.

        ``advance`` moves the folder's high-water mark in that same transaction,
        so a crash can never leave a message counted but not marked, or the reverse.

        Re-recording the same message (same Message-ID and bytes, or same bytes
        without a Message-ID) changes nothing. A reused Message-ID with other
        content is stored as a message of its own, never silently dropped.
        """
        key = parsed.message_id or f"sha256:{parsed.digest}"
        try:
            with self.session() as s, s.begin():
                existing = s.scalar(select(Message).where(Message.dedup_key == key))
                note = ""
                if existing is not None and existing.digest != parsed.digest and parsed.message_id:
                    note = f"Message-ID {parsed.message_id} reused with other content"
                    key = f"{parsed.message_id}#{parsed.digest[:16]}"
                    existing = s.scalar(select(Message).where(Message.dedup_key == key))
                if existing is not None:
                    if location is not None:
                        self._add_location(s, existing.id, location)
                    if advance is not None:
                        self.set_folder_state(s, advance, now)
                    return RecordOutcome(existing.id, created=False)
                row = self._message_row(parsed, result, key=key, source=source, now=now, note=note)
                s.add(row)
                s.flush()
                counted = self._add_items(s, row, result)
                if location is not None:
                    self._add_location(s, row.id, location)
                if advance is not None:
                    self.set_folder_state(s, advance, now)
                return RecordOutcome(row.id, created=True, note=note, counted=counted)
        except (IntegrityError, OperationalError) as e:
            raise StoreError(f"cannot store message {key}: {e.orig} — is another tinbai writing the same database?") from e

    @staticmethod
    def _message_row(
        parsed: ParsedMessage, result: Classification, *, key: str, source: str, now: datetime, note: str
    ) -> Message:
        reason = "; ".join(r for r in (result.reason, note) if r)
        return Message(
            dedup_key=key,
            message_id=parsed.message_id,
            digest=parsed.digest,
            sender=parsed.sender.address if parsed.sender else "",
            sender_name=parsed.sender.name if parsed.sender else "",
            recipients=", ".join(a.address for a in (*parsed.to, *parsed.cc)),
            subject=parsed.subject,
            sent_at=parsed.date,
            received_at=parsed.received_at or parsed.date or now,
            size=parsed.size,
            status=result.status,
            reason=reason,
            source=source,
            trace=json.dumps([[h.rule, h.fired, h.note] for h in result.trace], ensure_ascii=False),
            defects="\n".join(parsed.defects),
            ingested_at=now,
        )

    def _add_items(self, s: Session, row: Message, result: Classification) -> tuple[tuple[str, int], ...]:
        counted: list[tuple[str, int]] = []
        for item in result.items:
            count, reason, duplicate_of = item.count, item.reason, None
            if item.kind == "photo" and item.fingerprint:
                earlier = s.execute(
                    select(Item.id, Item.message_pk)
                    .join(Message)
                    .where(Item.kind == "photo", Item.fingerprint == item.fingerprint, Item.count > 0)
                    .where(Message.status == "counted")
                    .limit(1)
                ).first()
                if earlier is not None:
                    count, duplicate_of = 0, earlier.id
                    reason = f"{item.reason}: the same photo as in message #{earlier.message_pk}, not counted again"
            s.add(
                Item(
                    message_pk=row.id,
                    kind=item.kind,
                    count=count,
                    reason=reason,
                    fingerprint=item.fingerprint,
                    part=item.part,
                    duplicate_of=duplicate_of,
                )
            )
            s.flush()  # the next photo of this message must see this one
            counted.append((item.kind, count))
        return tuple(counted)

    @staticmethod
    def _add_location(s: Session, message_pk: int, loc: Location) -> None:
        found = s.scalar(
            select(MessageLocation.id).where(
                MessageLocation.account == loc.account,
                MessageLocation.folder == loc.folder,
                MessageLocation.uidvalidity == loc.uidvalidity,
                MessageLocation.uid == loc.uid,
            )
        )
        if found is None:
            s.add(MessageLocation(message_pk=message_pk, **vars(loc)))

    def counted_by_sender(self, start: datetime, end: datetime) -> list[SenderCount]:
        """Counted items per sender address and kind, received in [start, end).

        A manual override replaces its message's items (store.admin.counted_rows).
        """
        with self.session() as s:
            return [SenderCount(a, kind, n, unit) for a, unit, kind, n in counted_rows(s, start, end)]

    def messages_by_sender(
        self, start: datetime, end: datetime, statuses: Sequence[str] = ("counted", "needs-review")
    ) -> dict[str, int]:
        """How many messages each sender sent in [start, end) with one of ``statuses``.

        Auto-replies and bounces are left out by default: they are not submissions.
        """
        stmt = (
            select(Message.sender, func.count(Message.id))
            .where(Message.received_at >= start, Message.received_at < end, Message.status.in_(statuses))
            .group_by(Message.sender)
        )
        with self.session() as s:
            return {addr: int(n) for addr, n in s.execute(stmt)}

    def message_count(self) -> int:
        with self.session() as s:
            return int(s.scalar(select(func.count(Message.id))) or 0)

    def get_message(self, ref: str) -> MessageRow | None:
        """A message by its number or its Message-ID."""
        with self.session() as s:
            if ref.isdigit():
                row = s.get(Message, int(ref))
            else:
                mid = ref if ref.startswith("<") else f"<{ref}>"
                row = s.scalar(select(Message).where(Message.message_id == mid).order_by(Message.id).limit(1))
            if row is None:
                return None
            return MessageRow(
                row.id, row.message_id, row.sender, row.sender_name, row.subject, row.received_at,
                row.status, row.reason, tuple((i.kind, i.count, i.reason) for i in row.items),
            )

    # ------------------------------------------------------------------ folders

    def folder_state(self, account: str, folder: str) -> FolderState | None:
        with self.session() as s:
            row = s.scalar(
                select(FolderStateRow).where(FolderStateRow.account == account, FolderStateRow.folder == folder)
            )
            return None if row is None else FolderState(row.account, row.folder, row.uidvalidity, row.highest_uid)

    def set_folder_state(self, s: Session, state: FolderState, now: datetime) -> None:
        """Advance a folder's high-water mark inside the caller's transaction."""
        row = s.scalar(
            select(FolderStateRow).where(
                FolderStateRow.account == state.account, FolderStateRow.folder == state.folder
            )
        )
        if row is None:
            s.add(FolderStateRow(**vars(state), updated_at=now))
        else:
            row.uidvalidity, row.highest_uid, row.updated_at = state.uidvalidity, state.highest_uid, now

    # ------------------------------------------------------------------ senders

    def senders(self) -> list[tuple[str, str]]:
        with self.session() as s:
            return [(p, u) for p, u in s.execute(select(Sender.pattern, Sender.unit_id).order_by(Sender.pattern))]

    def add_sender(self, pattern: str, unit_id: str, *, actor: str, now: datetime) -> str | None:
        """Map a sender; returns the unit it was mapped to before, if any."""
        pattern = normalize_pattern(pattern)
        with self.session() as s, s.begin():
            row = s.scalar(select(Sender).where(Sender.pattern == pattern))
            old = row.unit_id if row else None
            if row is None:
                s.add(Sender(pattern=pattern, unit_id=unit_id, created_at=now))
            else:
                row.unit_id = unit_id
            if old != unit_id:
                s.add(AuditEntry(at=now, actor=actor, action="sender-map", target=pattern, old=old, new=unit_id))
            return old

    def remove_sender(self, pattern: str, *, actor: str, now: datetime) -> str | None:
        """Unmap a sender; returns the unit it was mapped to, or None if it was not."""
        pattern = normalize_pattern(pattern)
        with self.session() as s, s.begin():
            row = s.scalar(select(Sender).where(Sender.pattern == pattern))
            if row is None:
                return None
            s.delete(row)
            s.add(AuditEntry(at=now, actor=actor, action="sender-unmap", target=pattern, old=row.unit_id, new=None))
            return row.unit_id

    def sender_names(self, addresses: Iterable[str]) -> dict[str, str]:
        wanted = list(addresses)
        if not wanted:
            return {}
        with self.session() as s:
            stmt = (
                select(Message.sender, func.max(Message.sender_name))
                .where(Message.sender.in_(wanted))
                .group_by(Message.sender)
            )
            return {a: n or "" for a, n in s.execute(stmt)}


def open_store(url: str, *, upgrade: bool = True) -> Store:
    """Open the database at ``url``, migrating it to the latest schema first."""
    engine = make_engine(url)
    try:
        if upgrade:
            migrate(engine)
    except SQLAlchemyError as e:
        raise StoreError(f"cannot open the database {url!r}: {e} — check database.url") from e
    return Store(engine)


def utcnow() -> datetime:
    return datetime.now(UTC)


__all__: Sequence[str] = ("FolderState", "Location", "RecordOutcome", "SenderCount", "Store", "open_store")
