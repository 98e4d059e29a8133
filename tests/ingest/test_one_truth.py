"""One truth: a message counts the same over IMAP as from a file.

Every shape of `roads.py`, and every message of the shared corpus, is appended to a
real Dovecot and polled (the poller's road: BODYSTRUCTURE and partial fetches),
and the same bytes are ingested from files into a second database (the full
parse). Message by message, both must give the same status, the same reason, the
same items (kind, count, part) and the same item reasons. A stored reason is a code plus
parameters; it is compared as English words (`texts.reason_text`), so a parameter that
differs shows, and `_comparable` can name what may differ.

Where the two roads cannot agree to the letter, `_comparable` says why, in one
place: nothing else is left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dovecot import Mailbox, set_table
from roads import EXPECTED, SHAPES
from sqlalchemy import select

from ingest.parse import parse_message
from store.models import Item, Message, MessageLocation
from store.reasons import decode
from texts import reason_text
from tinbai.app import App
from tinbai.pipeline import classify_context, submit

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Outcome:
    status: str
    code: str  # the stored reason's code: "counts", "revision.nothing-new" …
    reason: str
    items: tuple[tuple[str, int, str | None, str], ...]  # kind, count, part, reason


def _shapes() -> list[tuple[str, bytes]]:
    return [(shape.__name__, shape()) for shape in SHAPES]


def _corpus(folder: Path) -> list[tuple[str, bytes]]:
    # An empty file cannot reach a mailbox at all (IMAP refuses to APPEND zero bytes).
    files = sorted(folder.glob("*.eml"))
    return [(p.name, raw) for p in files if (raw := p.read_bytes()).strip()]


# A byte count the poller reads from BODYSTRUCTURE (the encoded size, less the base64
# overhead) where the full parse has the decoded bytes: "(350,112 bytes" vs "(350,110 bytes".
_BYTES = re.compile(r"[\d,.]+ (?:bytes|KB|MB|kB)")


def _comparable(stored: str) -> str:
    """The stored reason in English, with what may differ between the roads for a stated reason replaced."""
    return _BYTES.sub("<size>", reason_text(decode(stored), "en"))


def _outcomes(app: App, keys: dict[int, str]) -> dict[str, Outcome]:
    """The stored outcome of each message, by name, from its primary key."""
    found: dict[str, Outcome] = {}
    with app.store.session() as s:
        for pk, name in keys.items():
            row = s.get(Message, pk)
            assert row is not None, name
            items = s.scalars(select(Item).where(Item.message_pk == pk).order_by(Item.part)).all()
            found[name] = Outcome(
                row.status,
                decode(row.reason).code,
                _comparable(row.reason),
                tuple(
                    sorted(
                        (i.kind, i.count, i.part, _comparable(i.reason))
                        for i in items
                        if i.count or i.duplicate_of is None
                    )
                ),
            )
    return found


# A file carries no arrival time, a mailbox stamps one (INTERNALDATE): both roads get the
# same one, the time the message's own headers give (else a fixed day inside the plan).
def _arrival(raw: bytes) -> datetime:
    parsed = parse_message(raw)
    return parsed.received_at or parsed.date or datetime(2020, 5, 11, 9, 0, tzinfo=UTC)


def _polled(mailbox: Mailbox, messages: list[tuple[str, bytes]]) -> dict[str, Outcome]:
    uids = []
    with mailbox.server.client(mailbox.user) as client:
        for _, raw in messages:
            answer = client.append("INBOX", raw, msg_time=_arrival(raw))
            found = re.search(rb"APPENDUID \d+ (\d+)", answer)
            assert found, answer
            uids.append(int(found.group(1)))
    names = dict(zip(uids, (name for name, _ in messages), strict=True))
    mailbox.poll()
    app = mailbox.app()
    try:
        with app.store.session() as s:
            located = s.execute(select(MessageLocation.uid, MessageLocation.message_pk)).all()
        keys = {pk: names[uid] for uid, pk in located if uid in names}
        assert len(keys) == len(set(names.values())) or len(located) == len(uids)
        return _outcomes(app, keys)
    finally:
        app.close()


def _from_files(config: Path, messages: list[tuple[str, bytes]]) -> dict[str, Outcome]:
    app = App(config_path=config)
    try:
        ctx = classify_context(app.config)
        keys: dict[int, str] = {}
        for name, raw in messages:
            parsed = parse_message(raw, received_at=_arrival(raw))
            done = submit(parsed, store=app.store, ctx=ctx, source="file", now=app.now())
            keys.setdefault(done.outcome.message_pk, name)
        return _outcomes(app, keys)
    finally:
        app.close()


def _both_roads(
    mailbox: Mailbox, tmp_path: Path, messages: list[tuple[str, bytes]]
) -> tuple[dict[str, Outcome], dict[str, Outcome]]:
    """Each message's outcome over IMAP and from a file (into a second database)."""
    over_imap = _polled(mailbox, messages)
    file_config = tmp_path / "files" / "config.toml"
    file_config.parent.mkdir()
    file_config.write_bytes(mailbox.config.read_bytes())
    set_table(file_config, "database", url="sqlite:///files.db")
    return over_imap, _from_files(file_config, messages)


def _assert_the_same(over_imap: dict[str, Outcome], from_files: dict[str, Outcome]) -> None:
    assert over_imap.keys() == from_files.keys()
    differ = {
        name: {"imap": over_imap[name], "file": from_files[name]}
        for name in over_imap
        if over_imap[name] != from_files[name]
    }
    assert differ == {}, "\n".join(
        f"{name}:\n  imap: {d['imap']}\n  file: {d['file']}" for name, d in differ.items()
    )


def test_every_shape_counts_as_the_readme_says_and_the_same_over_imap_as_from_a_file(
    mailbox: Mailbox, tmp_path: Path
) -> None:
    over_imap, from_files = _both_roads(mailbox, tmp_path, _shapes())
    for road, found in (("imap", over_imap), ("file", from_files)):
        shapes = {
            name: (o.status, o.reason if o.status == "counted" else o.code.split(".")[0] + ": ")
            for name, o in found.items()
            if name in EXPECTED
        }
        assert shapes == EXPECTED, f"over {road}, the shapes do not count as README.md says"
    _assert_the_same(over_imap, from_files)


def test_every_corpus_message_counts_the_same_over_imap_as_from_a_file(
    mailbox: Mailbox, tmp_path: Path, corpus: Path
) -> None:
    _assert_the_same(*_both_roads(mailbox, tmp_path, _corpus(corpus)))
