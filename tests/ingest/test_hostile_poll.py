"""The hostile-input corpus over both roads: polled from a real Dovecot and `tinbai ingest-file`.

The poller reads headers through its own fast road (ingest/headers.py) and fetches
only the parts counting needs; a count must not depend on the road a message took.
Every case of `tests/classify/hostile.py` is delivered to Dovecot and polled, and the
same bytes are ingested from files into a second database; message by message both
roads must give the case's expected outcome and the same status, reason code, reason,
sender and items (kind, count, part).
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from dovecot import Mailbox
from sqlalchemy import select

from store.models import Item, Message
from store.reasons import decode
from texts import reason_text
from tinbai.app import App

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "classify"))
from hostile import CASES, Case

pytestmark = pytest.mark.integration
_MESSAGE_ID = re.compile(
    rb"(?i)(?:^|[\r\n])message-id:[ \t]*(<[^>]+>)"
)  # bare-cr-lf: a lone CR ends a line
# The poller reads a part's size from BODYSTRUCTURE (encoded size less the base64
# overhead) where the file road has the decoded bytes; nothing else may differ.
_BYTES = re.compile(r"[\d,.]+ (?:bytes|KB|MB|kB)")


@dataclass(frozen=True)
class Outcome:
    status: str
    code: str  # the stored reason's code: "counts", "parse-limit" …
    reason: str  # in English, byte counts replaced
    sender: str
    items: tuple[tuple[str, int, str | None], ...]  # kind, count, part: what was counted
    words: str = field(default="", compare=False)  # the reason as stored, for the case's check


def _outcomes(config: Path, raws: dict[str, bytes]) -> dict[str, Outcome]:
    """Each case's stored outcome, found by its Message-ID."""
    app = App(config_path=config)
    try:
        with app.store.session() as s:
            stored = {m.message_id: m for m in s.scalars(select(Message))}
            found = {}
            for case_id, raw in raws.items():
                row = stored[_MESSAGE_ID.search(raw).group(1).decode()]  # type: ignore[union-attr]
                items = s.scalars(select(Item).where(Item.message_pk == row.id)).all()
                found[case_id] = Outcome(
                    row.status,
                    decode(row.reason).code,
                    _BYTES.sub("<size>", reason_text(decode(row.reason), "en")),
                    row.sender,
                    tuple(sorted((i.kind, i.count, i.part) for i in items if i.count)),
                    reason_text(decode(row.reason), "en"),
                )
            return found
    finally:
        app.close()


def _expected(case: Case, outcome: Outcome) -> bool:
    counts: dict[str, int] = {}
    for kind, count, _ in outcome.items:
        counts[kind] = counts.get(kind, 0) + count
    return (
        outcome.status == case.status
        and case.reason in outcome.words
        and outcome.sender == (case.sender or "")
        and (outcome.status != "counted" or counts == case.counts)
    )


def test_every_hostile_case_has_the_same_outcome_polled_as_from_a_file(
    mailbox: Mailbox, tmp_path: Path, hostile_files: dict[str, Path]
) -> None:
    raws = {case.id: hostile_files[case.id].read_bytes() for case in CASES}
    # Every case, the archives too (the poller fetches a .zip whole and opens it with the
    # file road's code), and parts-50k, whose BODYSTRUCTURE alone is over imaplib's default
    # 1 MB line limit (ingest/imap.py raises it).
    mailbox.deliver(*raws.values())
    started = time.perf_counter()
    mailbox.tinbai("poll")
    # Before the fixes the blank lines took 13 s and the 200,000 divs did not finish; the
    # poll takes about 6 s on a loaded 2-core machine: a generous bound, not a benchmark.
    seconds = time.perf_counter() - started
    assert seconds < 60
    over_imap = _outcomes(mailbox.config, raws)

    folder = tmp_path / "from-files"
    folder.mkdir()
    shutil.copy(mailbox.config, folder / "config.toml")
    ingest = type(mailbox.tinbai)(folder / "config.toml", mailbox.tinbai.env)
    ingest("ingest-file", *(hostile_files[case.id] for case in CASES))
    from_files = _outcomes(folder / "config.toml", raws)

    unexpected = {
        f"{case.id} over {road}": found[case.id]
        for case in CASES
        for road, found in (("imap", over_imap), ("file", from_files))
        if not _expected(case, found[case.id])
    }
    assert unexpected == {}, "\n".join(f"{k}: {v}" for k, v in unexpected.items())
    differ = {
        case_id: (over_imap[case_id], from_files[case_id])
        for case_id in raws
        if over_imap[case_id] != from_files[case_id]
    }
    assert differ == {}, "\n".join(
        f"{k}:\n  imap: {i}\n  file: {f}" for k, (i, f) in differ.items()
    )


def _matrix() -> dict[tuple[str, ...], list[Any]]:
    from test_spoofed import ROWS  # noqa: PLC0415 — the matrix of tests/classify (part 6)

    groups: dict[tuple[str, ...], list[Any]] = {}
    for row in ROWS:
        groups.setdefault(row.trusted, []).append(row)
    return groups


@pytest.mark.parametrize("trusted", list(_matrix()), ids=lambda t: "+".join(t) or "no-trusted-id")
def test_the_spoofing_matrix_has_the_same_outcome_polled_as_from_a_file(
    mailbox: Mailbox, tmp_path: Path, trusted: tuple[str, ...]
) -> None:
    """Authentication-Results and From come over IMAP through the fast header road."""
    from test_spoofed import _raw  # noqa: PLC0415

    with mailbox.config.open("a", encoding="utf-8") as f:
        f.write(f"\n[classify]\ntrusted_authserv_ids = {json.dumps(list(trusted))}\n")
    rows = _matrix()[trusted]
    raws = {r.id: _raw(r).replace(b"<auth@", f"<{r.id}@".encode()) for r in rows}
    mailbox.deliver(*raws.values())
    mailbox.poll()
    over_imap = _outcomes(mailbox.config, raws)

    folder = tmp_path / "from-files"
    folder.mkdir()
    shutil.copy(mailbox.config, folder / "config.toml")
    paths = []
    for row_id, raw in raws.items():
        paths.append(folder / f"{row_id}.eml")
        paths[-1].write_bytes(raw)
    type(mailbox.tinbai)(folder / "config.toml", mailbox.tinbai.env)("ingest-file", *paths)
    from_files = _outcomes(folder / "config.toml", raws)

    for row in rows:
        assert over_imap[row.id].status == row.status, (row.id, over_imap[row.id])
    differ = {k: (over_imap[k], from_files[k]) for k in raws if over_imap[k] != from_files[k]}
    assert differ == {}, "\n".join(
        f"{k}:\n  imap: {i}\n  file: {f}" for k, (i, f) in differ.items()
    )
