"""Every real message of the shared corpus goes through parse + classify, and mutated ones too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from corpus import corpus_files
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classify import classify
from classify.message import KINDS
from ingest.parse import parse_message

GOLDEN = json.loads(
    (Path(__file__).parent / "data" / "corpus_expected.json").read_text(encoding="utf-8")
)


def test_the_corpus_is_there_and_whole(corpus: Path) -> None:
    assert len(corpus_files()) >= 118


def test_every_corpus_message_parses_and_classifies(corpus: Path) -> None:
    problems = []
    for path in corpus_files():
        try:
            result = classify(parse_message(path.read_bytes()))
        except Exception as e:  # noqa: BLE001 — collect every failure and report them all at once
            problems.append(f"{path.name}: {type(e).__name__}: {e}")
            continue
        if result.status not in ("counted", "ignored", "needs-review"):
            problems.append(f"{path.name}: status {result.status}")
        if any(item.count < 0 for item in result.items):
            problems.append(f"{path.name}: negative count")
    assert problems == []


@pytest.mark.parametrize("name", sorted(GOLDEN), ids=sorted(GOLDEN))
def test_corpus_message_is_classified_as_recorded(corpus: Path, name: str) -> None:
    result = classify(parse_message((corpus / name).read_bytes()))
    counts = {k: result.total(k) for k in KINDS if result.total(k)}
    assert {"status": result.status, "code": result.code, "counts": counts} == GOLDEN[name]


def _mutate(raw: bytes, data: st.DataObject) -> bytes:
    how = data.draw(st.sampled_from(["truncate", "flip", "boundary", "huge-header", "nul"]))
    if not raw:
        return b"Subject: " + b"x" * 100_000
    if how == "truncate":
        return raw[: data.draw(st.integers(0, len(raw)))]
    if how == "flip":
        out = bytearray(raw)
        for _ in range(data.draw(st.integers(1, 40))):
            out[data.draw(st.integers(0, len(out) - 1))] = data.draw(st.integers(0, 255))
        return bytes(out)
    if how == "boundary":
        cut = data.draw(
            st.sampled_from([b"--", b"boundary=", b"\r\n\r\n", b"\n\n", b"Content-Type:"])
        )
        return raw.replace(cut, data.draw(st.sampled_from([b"", b"-", b"\r\n", cut * 2])))
    if how == "huge-header":
        name = data.draw(
            st.sampled_from([b"Subject", b"From", b"To", b"References", b"X-Junk", b"Content-Type"])
        )
        value = data.draw(st.sampled_from([b"=?utf-8?q?Ti=E1=BB=81n?= ", b"a", b"<x@y> ", b"\xff"]))
        return name + b": " + value * data.draw(st.integers(10_000, 60_000)) + b"\r\n" + raw
    return raw.replace(b"\n", b"\n\x00", data.draw(st.integers(1, 50)))


@pytest.fixture(scope="module")
def readers_loaded(corpus: Path) -> None:
    """Import the document readers (lxml, pypdf …) once, so no example pays for an import."""
    parse_message((corpus / "phpmime__issue274.eml").read_bytes())
    parse_message((corpus / "mimekit__rich-text.eml").read_bytes())


@settings(
    max_examples=40,
    deadline=1000,  # milliseconds: no message may take a poll more than a second
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_mutated_corpus_messages_never_raise_and_stay_fast(
    readers_loaded: None, data: st.DataObject
) -> None:
    path = data.draw(st.sampled_from(corpus_files()))
    raw = _mutate(path.read_bytes(), data)
    parsed = parse_message(raw)
    result = classify(parsed)
    assert result.status in ("counted", "ignored", "needs-review")
    assert all(item.count >= 0 for item in result.items)
    assert classify(parse_message(raw)) == result  # deterministic


HOSTILE_HEADERS = [
    (name, value)
    for name in (b"Content-Type", b"Content-Disposition", b"Subject", b"From", b"References")
    for value in (b"=?utf-8?q?Ti=E1=BB=81n?= ", b"a; b=", b"\xff")
]


@settings(max_examples=len(HOSTILE_HEADERS) * 2, deadline=1000, derandomize=True)
@given(header=st.sampled_from(HOSTILE_HEADERS), name=st.sampled_from(["rfc3834-06", "raw_email2"]))
def test_a_60_kb_header_costs_neither_seconds_nor_gigabytes(
    readers_loaded: None, header: tuple[bytes, bytes], name: str
) -> None:
    # The stdlib's header parser is quadratic: one such Content-Type once took 24 GB.
    path = next(p for p in corpus_files() if name in p.name)
    raw = header[0] + b": " + header[1] * 60_000 + b"\r\n" + path.read_bytes()
    parsed = parse_message(raw)
    assert not parsed.defects or not parsed.defects[0].startswith("unparseable")
    classify(parsed)


OUTCOMES = json.loads(
    (Path(__file__).parent / "data" / "corpus_outcomes.json").read_text(encoding="utf-8")
)


def test_every_corpus_file_has_its_recorded_outcome_and_a_reason(corpus: Path) -> None:
    """Issue 12, part 5: every file of ../shared/corpus, its outcome and reason (never a silent zero)."""
    from texts import reason_text  # noqa: PLC0415

    names = [p.name for p in corpus_files()]
    assert sorted(OUTCOMES) == names
    for name in names:
        result = classify(parse_message((corpus / name).read_bytes()))
        counts = {k: result.total(k) for k in KINDS if result.total(k)}
        got = {"status": result.status, "code": result.code, "counts": counts}
        want = {k: OUTCOMES[name][k] for k in ("status", "code", "counts")}
        assert got == want, name
        assert reason_text(result.reason, "en").strip(), name
        assert result.status != "counted" or counts, name
