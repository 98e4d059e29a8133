"""Decoded bytes at any offset of a part, worked out from its encoded line layout."""

from __future__ import annotations

import base64
import os

import pytest

from ingest.partial import decoded_reader

DATA = os.urandom(50_000)


def _lines(encoded: bytes, width: int, eol: bytes) -> bytes:
    return b"".join(encoded[i : i + width] + eol for i in range(0, len(encoded), width))


def _served(part: bytes) -> tuple[list[tuple[int, int]], object]:
    asked: list[tuple[int, int]] = []

    def fetch(start: int, length: int) -> bytes:
        asked.append((start, length))
        return part[start : start + length]

    return asked, fetch


@pytest.mark.parametrize(
    ("width", "eol"),
    [(76, b"\r\n"), (76, b"\n"), (72, b"\r\n"), (64, b"\n")],
    ids=["outlook-76-crlf", "76-lf", "72-crlf", "64-lf"],
)
@pytest.mark.parametrize("offset", [0, 1, 2, 3, 8191, 20_006, 49_990])
def test_any_decoded_range_comes_from_one_encoded_range(
    width: int, eol: bytes, offset: int
) -> None:
    part = _lines(base64.b64encode(DATA), width, eol)
    asked, fetch = _served(part)
    read = decoded_reader("base64", part[:11_000], fetch)  # type: ignore[arg-type]
    assert read is not None
    assert read(offset, 4096) == DATA[offset : offset + 4096]
    assert len(asked) == 1
    assert asked[0][1] < 4096 * 4 // 3 + 3 * (width + len(eol))  # no more than the range needs


def test_an_unencoded_part_is_read_at_the_same_offsets() -> None:
    _, fetch = _served(DATA)
    read = decoded_reader("binary", DATA[:100], fetch)  # type: ignore[arg-type]
    assert read is not None
    assert read(30_000, 10) == DATA[30_000:30_010]


@pytest.mark.parametrize(
    ("encoding", "head"),
    [
        ("quoted-printable", b"=FF=D8=FF" * 100),
        (
            "base64",
            _lines(base64.b64encode(DATA[:300]), 76, b"\r\n")[:200].replace(b"\r\n", b"", 1),
        ),
        ("base64", base64.b64encode(DATA[:3000])),  # one long line: no layout to trust
    ],
    ids=["quoted-printable", "irregular-lines", "no-line-breaks"],
)
def test_no_reader_when_the_layout_cannot_be_trusted(encoding: str, head: bytes) -> None:
    assert decoded_reader(encoding, head, lambda start, length: b"") is None
