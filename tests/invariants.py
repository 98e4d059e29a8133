"""The invariants every reliability test checks (issue 12), after every crash and restart.

    I1 every message in the mailbox has exactly one outcome row (counted / ignored /
       needs-review / failed), and every row that is not counted says why;
    I2 no item counted twice: no Message-ID or content stored twice, no photo
       fingerprint counted twice, no server location recorded twice;
    I3 per-unit counts equal a recount from the stored rows and the test's own truth;
    I4 `PRAGMA integrity_check` is ok on SQLite (on PostgreSQL: the counts summed by
       the database equal the counts summed from the rows, the same check by two roads);
    I5 nothing on the server was flagged or moved before its row was committed.

The checks read the database by its URL with plain SQL (not through tinbai's own
queries, so a bug there cannot hide itself) and the server through a second IMAP
client. Stable API, copied by other tests: `Truth`, `check_store`, `acted_on`,
`check_acted_committed`, `check_all`, `unit_counts`.
"""

from __future__ import annotations

import email.parser
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import create_engine, text

KINDS = ("news", "article", "photo")
OUTCOMES = frozenset({"counted", "ignored", "needs-review", "failed"})


@dataclass(frozen=True)
class Truth:
    """What the test put in the mailbox and what it must come to.

    ``message_ids``: the Message-ID of every distinct message in the mailbox (each must
    have one row). ``units``: the expected counts per unit id, for the units the test
    mails from (a unit missing here must count nothing). ``senders``: address → unit id,
    the mapping the recount uses (an address missing here counts for no unit).
    """

    message_ids: frozenset[str]
    units: Mapping[str, Mapping[str, int]]
    senders: Mapping[str, str] = field(default_factory=dict)


def _engine(url: str) -> Any:
    return create_engine(url)


def _rows(url: str, sql: str, **params: Any) -> list[Any]:
    engine = _engine(url)
    try:
        with engine.connect() as c:
            return list(c.execute(text(sql), params))
    finally:
        engine.dispose()


def unit_counts(url: str, senders: Mapping[str, str]) -> dict[str, dict[str, int]]:
    """Per-unit counts recounted from the stored rows, in Python (one road)."""
    totals: dict[str, Counter[str]] = {}
    rows = _rows(
        url,
        "SELECT m.sender, i.kind, i.count FROM items i JOIN messages m ON m.id = i.message_pk"
        " WHERE m.status = 'counted' AND i.count > 0",
    )
    for sender, kind, count in rows:
        unit = senders.get(str(sender).lower())
        if unit is not None:
            totals.setdefault(unit, Counter())[kind] += int(count)
    return {u: {k: c[k] for k in KINDS} for u, c in totals.items()}


def _sql_unit_counts(url: str, senders: Mapping[str, str]) -> dict[str, dict[str, int]]:
    """The same recount summed by the database (the other road, for I4 on PostgreSQL)."""
    rows = _rows(
        url,
        "SELECT lower(m.sender), i.kind, SUM(i.count) FROM items i"
        " JOIN messages m ON m.id = i.message_pk WHERE m.status = 'counted' AND i.count > 0"
        " GROUP BY lower(m.sender), i.kind",
    )
    totals: dict[str, Counter[str]] = {}
    for sender, kind, count in rows:
        unit = senders.get(str(sender))
        if unit is not None:
            totals.setdefault(unit, Counter())[kind] += int(count)
    return {u: {k: c[k] for k in KINDS} for u, c in totals.items()}


def _normal(counts: Mapping[str, Mapping[str, int]]) -> dict[str, dict[str, int]]:
    """Units with all-zero counts dropped, every kind present: comparable dicts."""
    out = {u: {k: int(c.get(k, 0)) for k in KINDS} for u, c in counts.items()}
    return {u: c for u, c in out.items() if any(c.values())}


def check_store(url: str, truth: Truth, *, report: Mapping[str, Any] | None = None) -> None:
    """I1–I4 on the database at ``url``; ``report``: `tinbai report --format json`, for I3."""
    rows = _rows(url, "SELECT message_id, status, reason, dedup_key, digest FROM messages")
    # I1: one row per message in the mailbox, each with a known outcome and a reason.
    by_id = Counter(str(r[0]) for r in rows if r[0] is not None)
    missing = sorted(m for m in truth.message_ids if by_id[m] == 0)
    assert not missing, f"I1: {len(missing)} message(s) have no row: {missing[:5]}"
    twice = sorted(m for m, n in by_id.items() if n > 1)
    assert not twice, f"I1/I2: Message-ID(s) stored more than once: {twice[:5]}"
    strays = sorted(m for m in by_id if m not in truth.message_ids)
    assert not strays, f"I1: row(s) for messages the mailbox does not hold: {strays[:5]}"
    bad = [(r[0], r[1]) for r in rows if r[1] not in OUTCOMES]
    assert not bad, f"I1: unknown outcome(s): {bad[:5]}"
    silent = [r[0] for r in rows if r[1] != "counted" and not (r[2] or "").strip()]
    assert not silent, f"I1: row(s) without a reason: {silent[:5]}"
    # I2: nothing counted twice.
    keys = Counter(r[3] for r in rows)
    assert all(n == 1 for n in keys.values()), "I2: a dedup key stored twice"
    photos = _rows(
        url,
        "SELECT i.fingerprint, COUNT(*) FROM items i JOIN messages m ON m.id = i.message_pk"
        " WHERE m.status = 'counted' AND i.count > 0 AND i.kind = 'photo'"
        " AND i.fingerprint IS NOT NULL GROUP BY i.fingerprint HAVING COUNT(*) > 1",
    )
    assert not photos, f"I2: photo(s) counted twice: {photos[:5]}"
    places = _rows(
        url,
        "SELECT account, folder, uidvalidity, uid, COUNT(*) FROM message_locations"
        " GROUP BY account, folder, uidvalidity, uid HAVING COUNT(*) > 1",
    )
    assert not places, f"I2: a server location recorded twice: {places[:5]}"
    orphans = _rows(
        url,
        "SELECT COUNT(*) FROM items i LEFT JOIN messages m ON m.id = i.message_pk"
        " WHERE m.id IS NULL",
    )
    assert orphans[0][0] == 0, "I2/I4: items without their message (half a write)"
    # I3: recount == truth (== the report, when given).
    senders = {a.lower(): u for a, u in truth.senders.items()}
    recount = _normal(unit_counts(url, senders))
    assert recount == _normal(truth.units), f"I3: recount {recount} != truth {dict(truth.units)}"
    if report is not None:
        # every unit of the plan: one the truth does not name must count nothing
        reported = _normal({u["id"]: u["counts"] for u in report["units"]})
        assert reported == recount, f"I3: report {reported} != recount {recount}"
    # I4: the database is sound.
    if url.startswith("sqlite"):
        check = _rows(url, "PRAGMA integrity_check")
        assert [r[0] for r in check] == ["ok"], f"I4: integrity_check: {check[:5]}"
        fks = _rows(url, "PRAGMA foreign_key_check")
        assert not fks, f"I4: foreign_key_check: {fks[:5]}"
    assert _normal(_sql_unit_counts(url, senders)) == recount, "I4: SQL sums != row sums"


def acted_on(client: Any, folder: str, moved_to: str | None = None) -> frozenset[str]:
    """Message-IDs the server shows as acted upon: \\Seen in ``folder``, or in ``moved_to``.

    ``client``: a logged-in imapclient.IMAPClient that is not tinbai's (the test's own).
    """
    found: set[str] = set()
    headers = email.parser.BytesHeaderParser()

    def ids(where: str, criteria: list[str]) -> set[str]:
        if not client.folder_exists(where):
            return set()
        client.select_folder(where, readonly=True)
        uids = client.search(criteria)
        if not uids:
            return set()
        answer = client.fetch(uids, [b"BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
        out = set()
        for data in answer.values():
            raw = data.get(b"BODY[HEADER.FIELDS (MESSAGE-ID)]", b"")
            value = headers.parsebytes(raw)["Message-ID"]
            if value:
                out.add(str(value).strip())
        return out

    found |= ids(folder, ["SEEN"])
    if moved_to:
        found |= ids(moved_to, ["ALL"])
    return frozenset(found)


def check_acted_committed(url: str, acted: Iterable[str]) -> None:
    """I5: every message the server shows as acted upon has a committed row.

    Call it right after a crash, before anything restarts: a flag or a move that a
    crash left without its row would be a message the next poll never reads again.
    """
    stored = {str(r[0]) for r in _rows(url, "SELECT message_id FROM messages") if r[0]}
    early = sorted(set(acted) - stored)
    assert not early, f"I5: acted upon on the server before its row was committed: {early[:5]}"


def check_all(
    url: str,
    truth: Truth,
    *,
    report: Mapping[str, Any] | None = None,
    client: Any = None,
    folder: str = "INBOX",
    moved_to: str | None = None,
) -> None:
    """I1–I4, and I5 when a ``client`` on the server is given."""
    check_store(url, truth, report=report)
    if client is not None:
        check_acted_committed(url, acted_on(client, folder, moved_to))
