"""The queries tinbai needs, returning plain values; a message lands whole or not at all."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, CursorResult, Engine, Table, bindparam, func, insert, select
from sqlalchemy import update as db_update
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from classify.message import KINDS, Classification, Mark, ParsedMessage
from classify.preview import preview_of
from classify.reasons import COUNTS, NO_REASON, Reason, joined
from store.db import make_engine, masked_url, migrate
from store.errors import StoreError
from store.models import (
    MAX_ID,
    DataGeneration,
    FolderStateRow,
    Item,
    Message,
    MessageLocation,
    Sender,
)
from store.previews import add_preview
from store.reasons import decode, encode, encode_trace
from store.themes import add_themes

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecordOutcome:
    message_pk: int
    created: bool  # False: the message was already stored, nothing changed
    note: Reason = NO_REASON
    counted: tuple[tuple[str, int], ...] = ()  # (kind, count) as stored, duplicates removed

    def count(self, kind: str) -> int:
        return sum(n for k, n in self.counted if k == kind)


@dataclass(frozen=True)
class MessageRow:
    id: int
    message_id: str | None
    sender: str
    sender_name: str
    subject: str
    received_at: datetime
    status: str
    reason: Reason
    items: tuple[tuple[str, int, Reason], ...]  # (kind, count, reason)


class Store:
    """All database access of tinbai, behind plain-valued methods."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._open = threading.local()  # this thread's open transaction, if any

    def session(self) -> Session:
        return self._sessions()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction for several writes; a call made inside joins the open one.

        The poller writes a whole batch of messages, their items, their locations and
        the folder's high-water mark in one transaction: all of it lands, or none.
        Per thread, so the web admin's writes never join the poller's transaction.
        """
        current: Connection | None = getattr(self._open, "conn", None)
        if current is not None:
            yield current
            return
        try:
            with self.engine.begin() as conn:
                self._open.conn = conn
                try:
                    yield conn
                finally:
                    self._open.conn = None
        except (IntegrityError, OperationalError) as e:
            raise StoreError(f"cannot write to the database: {e.orig} — {_write_hint(e)}") from e

    def generation(self) -> int | None:
        """The number every write to what a report reads makes grow (migration 0016).

        Read it before reading what it stands for: a result computed afterwards is at
        least as new as the number. None when the row is missing (then keep nothing).
        """
        with self.engine.connect() as c:
            n = c.scalar(select(DataGeneration.n).where(DataGeneration.id == 1))
        return None if n is None else int(n)

    # ------------------------------------------------------------------ messages

    def record(
        self,
        parsed: ParsedMessage,
        result: Classification,
        *,
        source: str,
        location: Mark | None = None,
        advance: Mark | None = None,
        now: datetime,
        thumbnails: Mapping[str, bytes] | None = None,
        themes: Sequence[str] = (),
    ) -> RecordOutcome:
        """Store a message, its items and its location in one transaction (or in the open one).

        ``themes``: the tags of the plan's themes the message touches (`classify.themes`).

        With it, what the message page shows of it (`store.previews`): the start of its
        text and its files, and ``thumbnails`` of its images by part (mail from a file).

        ``advance`` moves the folder's high-water mark in that same transaction,
        so a crash can never leave a message counted but not marked, or the reverse.

        Re-recording the same message (same Message-ID and bytes, or same bytes
        without a Message-ID) changes nothing, and so does the same letter read once
        from a file and once over IMAP (see `_same_letter`). A reused Message-ID with
        other content is stored as a message of its own, never silently dropped.

        Written with SQLAlchemy Core, not the ORM: a first sync records thousands of
        messages, and the ORM's unit of work (a flush per item) was half its time.
        """
        key = parsed.message_id or f"sha256:{parsed.digest}"
        try:
            with self.transaction() as conn:
                existing = conn.execute(_FIND_MESSAGE, {"key": key}).first()
                note = NO_REASON
                if (
                    existing is not None
                    and existing.digest != parsed.digest
                    and parsed.message_id
                    and not _same_letter(existing, parsed, source)
                ):
                    note = Reason("store.reused-id", {"id": parsed.message_id})
                    key = f"{parsed.message_id}#{parsed.digest[:16]}"
                    existing = conn.execute(_FIND_MESSAGE, {"key": key}).first()
                if existing is not None:
                    if location is not None:
                        self._add_location(conn, existing.id, location)
                    if advance is not None:
                        self.set_folder_state(conn, advance, now)
                    return RecordOutcome(existing.id, created=False)
                values = _message_values(parsed, result, key=key, source=source, now=now, note=note)
                inserted = conn.execute(_INSERT_MESSAGE, values)
                message_pk = _new_id(inserted)
                counted = _add_items(conn, message_pk, result)
                add_preview(conn, message_pk, preview_of(parsed), thumbnails or {})
                if themes:
                    add_themes(conn, message_pk, themes)
                honest = _after_duplicates(result, counted)
                if honest is not None:
                    conn.execute(
                        db_update(_messages)
                        .where(_messages.c.id == message_pk)
                        .values(reason=encode(joined(honest, note)))
                    )
                if location is not None:  # a message created now has no location yet
                    conn.execute(_INSERT_LOCATION, {"message_pk": message_pk, **vars(location)})
                if advance is not None:
                    self.set_folder_state(conn, advance, now)
                return RecordOutcome(message_pk, created=True, note=note, counted=counted)
        except (IntegrityError, OperationalError) as e:
            raise StoreError(
                f"cannot store message {key}: {e.orig} — is another tinbai writing the same database?"
            ) from e

    def stored_message_ids(self, refs: Iterable[str]) -> frozenset[str]:
        """Which of these Message-IDs are stored, seen from the open transaction if any.

        The poller records a batch in one transaction: a reply in the same batch as the
        message it replies to must see that message, as it would a poll later.
        """
        wanted = list(dict.fromkeys(refs))
        if not wanted:
            return frozenset()
        with self.transaction() as conn:
            rows = conn.execute(
                select(_messages.c.message_id).where(_messages.c.message_id.in_(wanted))
            )
            return frozenset(row.message_id for row in rows)

    @staticmethod
    def _add_location(db: Connection | Session, message_pk: int, loc: Mark) -> None:
        conn = db.connection() if isinstance(db, Session) else db
        if conn.execute(_FIND_LOCATION, vars(loc)).first() is None:
            conn.execute(_INSERT_LOCATION, {"message_pk": message_pk, **vars(loc)})

    def messages_by_sender(
        self, start: datetime, end: datetime, statuses: Sequence[str] = ("counted", "needs-review")
    ) -> dict[str, int]:
        """How many messages each sender sent in [start, end) with one of ``statuses``.

        Auto-replies and bounces are left out by default: they are not submissions.
        """
        stmt = (
            select(Message.sender, func.count(Message.id))
            .where(
                Message.received_at >= start,
                Message.received_at < end,
                Message.status.in_(statuses),
            )
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
            row = find_message(s, ref)
            if row is None:
                return None
            return MessageRow(
                row.id,
                row.message_id,
                row.sender,
                row.sender_name,
                row.subject,
                row.received_at,
                row.status,
                decode(row.reason),
                tuple((i.kind, i.count, decode(i.reason)) for i in row.items),
            )

    # ------------------------------------------------------------------ folders

    def folder_state(self, account: str, folder: str) -> Mark | None:
        """A folder's mark (uid: the highest read): read by every poll, so a prebuilt Core query."""
        with self.transaction() as conn:
            row = conn.execute(_FOLDER_STATE, {"account": account, "folder": folder}).first()
        return None if row is None else Mark(*row)

    def set_folder_state(self, s: Connection | Session, state: Mark, now: datetime) -> None:
        """Advance a folder's high-water mark (``state.uid``) inside the caller's transaction."""
        conn = s.connection() if isinstance(s, Session) else s
        values = {
            "account": state.account,
            "folder": state.folder,
            "uidvalidity": state.uidvalidity,
            "highest_uid": state.uid,
            "updated_at": now,
        }
        if conn.execute(_UPDATE_STATE, {f"w_{k}": v for k, v in values.items()}).rowcount == 0:
            conn.execute(_INSERT_STATE, values)

    # ------------------------------------------------------------------ senders

    def senders(self) -> list[tuple[str, str]]:
        with self.session() as s:
            return [
                (p, u)
                for p, u in s.execute(
                    select(Sender.pattern, Sender.unit_id).order_by(Sender.pattern)
                )
            ]

    def sender_names(
        self, addresses: Iterable[str], start: datetime, end: datetime
    ) -> dict[str, str]:
        """The display name each address gave its mail received in [start, end)."""
        wanted = list(addresses)
        if not wanted:
            return {}
        out: dict[str, str] = {}
        with self.session() as s:
            for first in range(0, len(wanted), 1000):
                stmt = (
                    select(Message.sender, func.max(Message.sender_name))
                    .where(
                        Message.sender.in_(wanted[first : first + 1000]),
                        Message.received_at >= start,
                        Message.received_at < end,
                    )
                    .group_by(Message.sender)
                )
                out.update({a: n or "" for a, n in s.execute(stmt)})
        return out


# The mapped classes' tables, for Core statements (the ORM's unit of work is too slow here).
_messages = cast(Table, Message.__table__)
_items = cast(Table, Item.__table__)
_locations = cast(Table, MessageLocation.__table__)
_folder_states = cast(Table, FolderStateRow.__table__)


# Built once: a statement made per call costs more than SQLite takes to run it.
_FIND_MESSAGE = select(
    _messages.c.id,
    _messages.c.digest,
    _messages.c.source,
    _messages.c.sender,
    _messages.c.subject,
    _messages.c.sent_at,
).where(_messages.c.dedup_key == bindparam("key"))
_INSERT_MESSAGE = insert(_messages)
_INSERT_ITEM = insert(_items)
_FIND_LOCATION = select(_locations.c.id).where(
    _locations.c.account == bindparam("account"),
    _locations.c.folder == bindparam("folder"),
    _locations.c.uidvalidity == bindparam("uidvalidity"),
    _locations.c.uid == bindparam("uid"),
)
_INSERT_LOCATION = insert(_locations)
_UPDATE_STATE = (
    db_update(_folder_states)
    .where(
        _folder_states.c.account == bindparam("w_account"),
        _folder_states.c.folder == bindparam("w_folder"),
    )
    .values(
        uidvalidity=bindparam("w_uidvalidity"),
        highest_uid=bindparam("w_highest_uid"),
        updated_at=bindparam("w_updated_at"),
    )
)
_INSERT_STATE = insert(_folder_states)
_FOLDER_STATE = select(
    _folder_states.c.account,
    _folder_states.c.folder,
    _folder_states.c.uidvalidity,
    _folder_states.c.highest_uid,
).where(
    _folder_states.c.account == bindparam("account"),
    _folder_states.c.folder == bindparam("folder"),
)
_EARLIER_PHOTOS = (
    select(_items.c.fingerprint, _items.c.id, _items.c.message_pk)
    .join(_messages, _messages.c.id == _items.c.message_pk)
    .where(
        _items.c.kind == "photo",
        _items.c.fingerprint.in_(bindparam("fingerprints", expanding=True)),
        _items.c.count > 0,
        _messages.c.status == "counted",
    )
    .order_by(_items.c.id)
)


def _write_hint(e: Exception) -> str:
    """What to do about a failed write: the cause's fix, not a guess at another one."""
    text = str(getattr(e, "orig", e)).lower()
    if "full" in text or "no space left" in text:  # SQLITE_FULL; PostgreSQL 53100 disk_full
        return "free some disk space where the database lives; nothing of this write was kept"
    if "readonly" in text or "read-only" in text:
        return "make the database file and its folder writable"
    return "is another tinbai writing the same database?"


def _same_letter(stored: Any, parsed: ParsedMessage, source: str) -> bool:
    """A stored message with this Message-ID is this letter, read by the other road.

    A file's digest is of its bytes; an IMAP message's is of its headers and MIME
    structure (its bytes are never all fetched), so the same letter exported to an
    mbox and also polled has two digests. Across the two roads, the same sender,
    subject and Date header with the same Message-ID make it one letter, counted once.
    """
    return (
        stored.source != source
        and parsed.date is not None
        and stored.sent_at == parsed.date
        and stored.sender == (parsed.sender.address if parsed.sender else "")
        and stored.subject == parsed.subject
    )


def _new_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _message_values(
    parsed: ParsedMessage,
    result: Classification,
    *,
    key: str,
    source: str,
    now: datetime,
    note: Reason,
) -> dict[str, Any]:
    return {
        "dedup_key": key,
        "message_id": parsed.message_id,
        "digest": parsed.digest,
        "sender": parsed.sender.address if parsed.sender else "",
        "sender_name": parsed.sender.name if parsed.sender else "",
        "recipients": ", ".join(a.address for a in (*parsed.to, *parsed.cc)),
        "subject": parsed.subject,
        "sent_at": parsed.date,
        "received_at": parsed.received_at or parsed.date or now,
        "size": parsed.size,
        "status": result.status,
        "reason": encode(joined(result.reason, note)),
        "source": source,
        "trace": encode_trace(result.trace),
        "defects": stored_defects(parsed.defects),
        "ingested_at": now,
    }


MAX_STORED_DEFECTS = 50  # a hostile message had 3.3 MB of them; the first ones say enough
MAX_DEFECT_CHARS = 500


def stored_defects(defects: tuple[str, ...]) -> str:
    """A message's defects as stored: the first MAX_STORED_DEFECTS, each cut, and how many more."""
    kept = [d[:MAX_DEFECT_CHARS] for d in defects[:MAX_STORED_DEFECTS]]
    if len(defects) > MAX_STORED_DEFECTS:
        kept.append(f"and {len(defects) - MAX_STORED_DEFECTS:,} more")
    return "\n".join(" ".join(d.splitlines()) for d in kept)


def _after_duplicates(
    result: Classification, counted: tuple[tuple[str, int], ...]
) -> Reason | None:
    """A counted message's status line as counted, when photos sent before took away from it.

    The classifier says what a message holds ("3 photos"); the store knows which of
    those photos it had counted already. The line a person reads states what counted.
    """
    if result.status != "counted":
        return None
    now: dict[str, int] = dict.fromkeys(KINDS, 0)
    for kind, count in counted:
        now[kind] += count
    again = result.total("photo") - now["photo"]
    if again <= 0:
        return None
    before = Reason(COUNTS, {"photo": again})
    if any(now.values()):
        counts = Reason(COUNTS, {kind: now[kind] for kind in KINDS})
        return Reason("store.counts-again", {"counts": counts, "again": before})
    return Reason("store.nothing-new", {"again": before})


def _earlier_photos(conn: Connection, fingerprints: set[str]) -> dict[str, tuple[int, int]]:
    """The first counted photo stored under each fingerprint: {fingerprint: (item id, message pk)}.

    One query per message (IN over its fingerprints), not one per photo.
    """
    if not fingerprints:
        return {}
    rows = conn.execute(_EARLIER_PHOTOS, {"fingerprints": sorted(fingerprints)}).all()
    first: dict[str, tuple[int, int]] = {}
    for fp, item_id, message_pk in rows:
        first.setdefault(str(fp), (int(item_id), int(message_pk)))
    return first


def _add_items(
    conn: Connection, message_pk: int, result: Classification
) -> tuple[tuple[str, int], ...]:
    """Insert a message's items; a photo seen before (in a counted message) is kept with count 0."""
    photos = {it.fingerprint for it in result.items if it.kind == "photo" and it.fingerprint}
    earlier = _earlier_photos(conn, photos)
    counts_here = (
        result.status == "counted"
    )  # only then does a photo of this message count as "seen"
    rows: list[dict[str, Any]] = []
    first_here: dict[str, int] = {}  # fingerprint -> index in rows of its first counted photo here
    for item in result.items:
        count, reason, duplicate_of, dup_index = item.count, item.reason, None, None
        fp = item.fingerprint if item.kind == "photo" else None
        if fp and fp in earlier:
            count, duplicate_of = 0, earlier[fp][0]
            reason = Reason(
                "store.photo-again", {"item": item.reason, "message": str(earlier[fp][1])}
            )
        elif fp and fp in first_here:
            count, dup_index = 0, first_here[fp]
            reason = Reason("store.photo-again", {"item": item.reason, "message": str(message_pk)})
        elif fp and counts_here and count > 0:
            first_here[fp] = len(rows)
        rows.append(
            {
                "message_pk": message_pk,
                "kind": item.kind,
                "count": count,
                "reason": encode(reason),
                "fingerprint": item.fingerprint,
                "part": item.part,
                "duplicate_of": duplicate_of,
                "_dup_index": dup_index,
            }
        )
    if any(r["_dup_index"] is not None for r in rows):
        # The same photo twice in one message (rare): the copy points at the first one's id.
        ids: list[int] = []
        for r in rows:
            index = r.pop("_dup_index")
            if index is not None:
                r["duplicate_of"] = ids[index]
            ids.append(_new_id(conn.execute(_INSERT_ITEM, r)))
    elif rows:
        for r in rows:
            del r["_dup_index"]
        conn.execute(_INSERT_ITEM, rows)
    return tuple((r["kind"], r["count"]) for r in rows)


def find_message(s: Session, ref: str) -> Message | None:
    """A stored message by its number or its Message-ID (with or without <>)."""
    ref = ref.strip()
    if ref.isascii() and ref.isdigit():
        number = int(ref)
        return s.get(Message, number) if number <= MAX_ID else None
    mid = ref if ref.startswith("<") else f"<{ref}>"
    return s.scalar(select(Message).where(Message.message_id == mid).order_by(Message.id).limit(1))


def open_store(url: str, *, upgrade: bool = True) -> Store:
    """Open the database at ``url``, migrating it to the latest schema first."""
    engine = make_engine(url)
    try:
        if upgrade:
            migrate(engine)
    except SQLAlchemyError as e:
        raise StoreError(
            f"cannot open the database {masked_url(url)!r}: {e} — check database.url"
        ) from e
    return Store(engine)


__all__: Sequence[str] = (
    "RecordOutcome",
    "Store",
    "open_store",
)
