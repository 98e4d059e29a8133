"""A federation-sized database, made fast: issue 13's scale benchmark and the index test.

`Scale.full()` is the issue's size: 2,500 units in 40 groups, 8 quarterly plans (two
years), 300,000 messages holding 1,000,000 counted items, 10,000 unknown senders.
`Scale.small()` is what the index test seeds. Rows are written by bulk inserts
(SQLAlchemy Core, executemany in chunks), shaped as `store.repo.Store.record` writes
them for a counted text message read over IMAP: one `messages` row (status
"counted", its reason the counts, its trace the rules), its `items` (one per piece,
count 1), its `message_locations` row. Photos carry fingerprints, as the ingest's do.
"""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from classify.reasons import COUNTS, Reason
from store import open_store
from store.models import Item, Message, MessageLocation
from store.reasons import encode

ROOT = Path(__file__).resolve().parent.parent
FIRST_DAY = date(2024, 1, 1)
CHUNK = 5000


@dataclass(frozen=True)
class Scale:
    units: int
    groups: int
    plans: int  # quarters from FIRST_DAY
    messages: int
    items: int
    unknown: int  # distinct senders mapped to no unit

    @staticmethod
    def full() -> Scale:
        return Scale(2500, 40, 8, 300_000, 1_000_000, 10_000)

    @staticmethod
    def small() -> Scale:
        return Scale(250, 10, 8, 20_000, 60_000, 1_000)

    @property
    def last_day(self) -> date:
        return quarter_start(self.plans) - timedelta(days=1)


def quarter_start(n: int) -> date:
    months = FIRST_DAY.month - 1 + 3 * n
    return date(FIRST_DAY.year + months // 12, months % 12 + 1, 1)


def unit_address(unit: int) -> str:
    return f"donvi{unit:05d}@example.org"


def unknown_address(n: int) -> str:
    return f"la{n:05d}@example.org"


def write_config(folder: Path, scale: Scale, database_url: str) -> Path:
    """config.toml of the federation: the shipped one's settings, the scale's groups, units, plans."""
    shipped = (ROOT / "config.toml").read_text(encoding="utf-8")
    head = shipped.split(
        "# --------------------------------------------------------------------------- groups"
    )[0]
    head = head.replace('url = "sqlite:///tinbai.db"', f"url = {json.dumps(database_url)}")
    out = [head]
    for g in range(scale.groups):
        out.append(f'[groups.g{g:02d}]\nname = "Nhóm {g + 1}"\nname_en = "Group {g + 1}"\n')
    for u in range(scale.units):
        out.append(
            f'[units.u{u:05d}]\nname = "Đơn vị {u + 1}"\ngroup = "g{u % scale.groups:02d}"\n'
            f'senders = ["{unit_address(u)}"]\n'
        )
    for p in range(scale.plans):
        start, end = quarter_start(p), quarter_start(p + 1) - timedelta(days=1)
        out.append(
            f'[[plans]]\nid = "p{p}"\ntitle = "Kế hoạch quý {p % 4 + 1} năm {start.year}"\n'
            f'start = {start.isoformat()}\nend = {end.isoformat()}\ntimezone = "Asia/Ho_Chi_Minh"\n'
        )
        for g in range(scale.groups):
            members = len(range(g, scale.units, scale.groups))
            out.append(
                f'[[plans.quotas]]\ngroup = "g{g:02d}"\nnews = {members * 2}\narticle = {members}\n'
                f"photo = {members}\nmember_minimum = {{ news = 1 }}\n"
            )
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "config.toml"
    config.write_text("\n".join(out), encoding="utf-8")
    return config


KINDS = ("news", "article", "photo")


def _trace(kinds: dict[str, int]) -> str:
    return json.dumps(
        [["tags", True, {"code": COUNTS, "params": kinds}]],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def seed(database_url: str, scale: Scale, *, progress: bool = False) -> None:
    """Fill an empty database (migrated here) with the scale's messages and items."""
    store = open_store(database_url)
    rng = random.Random(13)  # noqa: S311 — test data, not secrets
    span = (scale.last_day - FIRST_DAY).days + 1
    base = datetime.combine(FIRST_DAY, datetime.min.time(), UTC)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    extra = scale.items - 3 * scale.messages  # messages with a 4th item
    item_id = 0
    with store.engine.begin() as conn:
        for first in range(0, scale.messages, CHUNK):
            messages: list[dict[str, Any]] = []
            items: list[dict[str, Any]] = []
            locations: list[dict[str, Any]] = []
            for i in range(first, min(first + CHUNK, scale.messages)):
                pk = i + 1
                # One in ten from a stranger; each stranger sends at least one.
                if i % 10 == 9:
                    sender = unknown_address((i // 10) % scale.unknown)
                else:
                    sender = unit_address(rng.randrange(scale.units))
                received = base + timedelta(seconds=rng.randrange(span * 86400))
                n = 4 if i < extra else 3
                kinds = [KINDS[rng.randrange(3)] for _ in range(n)]
                counts = {k: kinds.count(k) for k in KINDS}
                messages.append(
                    {
                        "id": pk,
                        "dedup_key": f"<m{pk}@example.org>",
                        "message_id": f"<m{pk}@example.org>",
                        "digest": f"{pk:064x}",
                        "sender": sender,
                        "sender_name": "",
                        "recipients": "tinbai@example.org",
                        "subject": f"[tin] Tin hoạt động số {pk}",
                        "sent_at": received,
                        "received_at": received,
                        "size": 4000 + 1000 * n,
                        "status": "counted",
                        "reason": encode(Reason(COUNTS, counts)),
                        "source": "imap",
                        "trace": _trace(counts),
                        "defects": "",
                        "ingested_at": now,
                    }
                )
                for j, kind in enumerate(kinds):
                    item_id += 1
                    items.append(
                        {
                            "id": item_id,
                            "message_pk": pk,
                            "kind": kind,
                            "count": 1,
                            "reason": encode(Reason(f"classify.{kind}")),
                            "fingerprint": f"{item_id:016x}" if kind == "photo" else None,
                            "part": str(j + 1),
                            "duplicate_of": None,
                        }
                    )
                locations.append(
                    {
                        "message_pk": pk,
                        "account": "tinbai@example.org",
                        "folder": "INBOX",
                        "uidvalidity": 1,
                        "uid": pk,
                    }
                )
            conn.execute(insert(Message.__table__), messages)
            conn.execute(insert(Item.__table__), items)
            conn.execute(insert(MessageLocation.__table__), locations)
            if progress:
                print(f"  seeded {first + len(messages):,} messages", flush=True)
        if conn.dialect.name == "postgresql":  # explicit ids: move the sequences past them
            for table in ("messages", "items"):
                sql = f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"  # noqa: S608 — fixed names
                conn.execute(text(sql))
    analyze(database_url)
    store.engine.dispose()


def analyze(database_url: str) -> None:
    """The planner's statistics, as a long-running deployment has them."""
    store = open_store(database_url, upgrade=False)
    with store.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
            conn.commit()
    store.engine.dispose()


def copy_sqlite(src: Path, dst: Path) -> None:
    shutil.copyfile(src, dst)
