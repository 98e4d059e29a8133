"""The IMAP path's cheap header decoder gives the file parser's values, over the real corpus."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from corpus import corpus_files, corpus_params
from fuzzing import EXAMPLES
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.headers import decode_header_block, parse_header_block
from ingest.parse import parse_message
from ingest.reconstruct import HEADER_FIELDS

_FIELD = re.compile(rb"^([!-9;-~]+)[ \t]*:")


def imap_header_block(raw: bytes, fields: tuple[str, ...] = HEADER_FIELDS) -> bytes:
    """What `BODY.PEEK[HEADER.FIELDS (...)]` returns: the wanted fields, folded as sent, a blank line."""
    head = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0]
    wanted = {f.encode() for f in fields}
    kept: list[bytes] = []
    keep = False
    for line in re.split(rb"\r?\n", head):
        if line[:1] in (b" ", b"\t"):
            if keep:
                kept.append(line)
            continue
        found = _FIELD.match(line)
        keep = found is not None and found.group(1).lower() in wanted
        if keep:
            kept.append(line)
    return b"".join(line + b"\r\n" for line in kept) + b"\r\n"


def test_the_corpus_is_there(corpus: Path) -> None:
    assert len(corpus_files()) > 50


@pytest.mark.parametrize("path", corpus_params(), ids=lambda p: p.name)
def test_cheap_decoder_equals_the_file_parser_on_the_corpus(corpus: Path, path: Path) -> None:
    block = imap_header_block(path.read_bytes())
    received = datetime(2020, 5, 11, 2, 0, tzinfo=UTC)

    assert decode_header_block(block, received) == parse_header_block(block, received)


@pytest.mark.parametrize(
    "block",
    [
        b"Subject: =?utf-8?q?=5BTin=5D_H=E1=BB=99i?= =?utf-8?b?IG5naOG7iw==?=\r\n",
        b"Subject: [Tin]=?utf-8?q?H=E1=BB=99i?=\r\n",
        b'From: "=?utf-8?b?TMSQTMSQ?=" <a@example.org>\r\n',
        b"From: =?utf-8?b?TMSQTMSQIGh1eeG7h24=?= <A@Example.org>\r\nTo: x@example.org, Y <y@example.org>\r\n",
        b'To: "Doe, John" <j@example.org>, undisclosed-recipients:;\r\n',
        b"Date: Mon, 11 May 2020 09:00:00 -0000\r\nMessage-ID: abc@example.org\r\n",
        b"Date: not a date\r\nReferences: <a@x> <b@x>\r\nIn-Reply-To: <b@x>\r\n",
        b'Content-Type: multipart/mixed;\r\n boundary="xyz"\r\nSubject: =?bogus?q?x?=\r\n',
        "Subject: [Ảnh] tám bit\r\nX-Mailer: iPhone Mail\r\n".encode(),
        "Subject: [Ảnh] =?utf-8?q?t=C3=A1m?= bit\r\n".encode(),
        "From: Trần Văn <tran@example.org>\r\n".encode(),
        b"Subject: caf\xe9 \xe1\xbb x\r\n",
        b"From: =?utf-8?B?DQ==?= <tuangiao@example.org>\r\n",  # a CR encoded
        b"From: =?utf-8?B?VHU=?= =?utf-8?B?DQ==?= <tuangiao@example.org>\r\n",
        b"Subject: =?utf-16?B?AAAA?= =?utf-16?B?AAAA?=\r\n",  # NULs encoded
        b"Subject: =?utf-16?B?AAEg?= =?utf-16?B?AAAB?=\r\n",  # each word alone undecodable
    ],
    ids=[
        "adjacent-words",
        "glued-word",
        "quoted-word",
        "names",
        "group",
        "no-zone",
        "bad-date",
        "mime",
        "8bit-subject",
        "8bit-and-word",
        "8bit-name",
        "latin1-subject",
        "control-character-name",
        "control-character-in-a-split-name",
        "control-characters-in-a-subject",
        "a-character-split-across-utf-16-words",
    ],
)
def test_cheap_decoder_equals_the_file_parser_on_odd_headers(block: bytes) -> None:
    block += b"\r\n"
    assert decode_header_block(block, None) == parse_header_block(block, None)


@pytest.mark.parametrize(
    "block",
    [
        b"Message-ID: <two words@example.org>\r\nIn-Reply-To: a b@example.org\r\n",
        b"Message-ID: <" + b"x" * 1200 + b"@example.org>\r\n",
        b"Message-ID: " + b"y" * 1200 + b"@example.org\r\n",
        b"Date: Mon, 11 May 99999999999999999999 09:00:00 +0700\r\n",
        b"References: " + b" ".join(b"<r%d@x>" % i for i in range(80)) + b"\r\n",
        "Subject: [Tin] Ho\u0302\u0323i nghi\u0323\r\n".encode(),
    ],
    ids=[
        "msgid-with-spaces",
        "very-long-msgid",
        "very-long-bare-msgid",
        "overflowing-date",
        "many-references",
        "decomposed-subject",
    ],
)
def test_header_fast_path_and_full_parse_give_the_same_key_and_values(block: bytes) -> None:
    """The Message-ID makes a message count once: both roads must read it (and the rest) alike."""
    block += b"\r\n"
    fast = decode_header_block(block, None)
    assert fast == parse_header_block(block, None)
    assert fast.message_id is None or " " not in fast.message_id


def _b(data: bytes, charset: str = "UTF-8") -> str:
    return f"=?{charset}?B?{base64.b64encode(data).decode()}?="


# RFC 2047 §6.2: the white space between adjacent encoded words is not part of the text.
# Outlook and Gmail split a long Vietnamese name across words, often mid-syllable.
@pytest.mark.parametrize(
    ("display_name", "shown"),
    [
        (f"{_b('LĐLĐ huyện Tu'.encode())} {_b('ần Giáo'.encode())}", "LĐLĐ huyện Tuần Giáo"),
        (f"{_b('Nguyễn Văn'.encode())}\r\n {_b(b' An')}", "Nguyễn Văn An"),  # folded
        (_b("Tuần".encode()[:4]) + " " + _b("ần Giáo".encode()[2:]), "Tuần Giáo"),  # "ầ" split
        (
            f"{_b('Công đoàn '.encode('cp1258'), 'windows-1258')} =?utf-8?q?Tu=E1=BA=A7n?=",
            "Công đoàn Tuần",
        ),
        (f"{_b(b'Tu')} {_b('ần'.encode())} Giáo", "Tuần Giáo"),  # then a plain word
    ],
    ids=["split-syllable", "folded", "split-bytes", "two-charsets", "then-plain-word"],
)
def test_adjacent_encoded_words_in_a_display_name_are_joined_on_both_roads(
    display_name: str, shown: str
) -> None:
    raw = (
        f"From: {display_name} <tuangiao@example.org>\r\nTo: {display_name} <tinbai@example.org>\r\n"
        "Subject: [Tin] Hội nghị\r\nMessage-ID: <name@example.org>\r\n\r\nKính gửi.\r\n"
    ).encode()
    block = imap_header_block(raw)
    for parsed in (
        parse_message(raw),
        decode_header_block(block, None),
        parse_header_block(block, None),
    ):
        assert parsed.sender is not None
        assert (parsed.sender.address, parsed.sender.name) == ("tuangiao@example.org", shown)
        assert [a.name for a in parsed.to] == [shown]


def _word(charset: str, data: bytes, encoding: str) -> str:
    if encoding == "B":
        return f"=?{charset}?B?{base64.b64encode(data).decode()}?="
    return f"=?{charset}?Q?{''.join(f'={b:02X}' for b in data)}?="


_WORDS = st.builds(
    _word,
    st.sampled_from(["utf-8", "UTF-8", "windows-1258", "iso-8859-1", "utf-16", "x-unknown"]),
    st.binary(max_size=12),
    st.sampled_from(["B", "Q"]),
)
_NAME_PIECES = st.one_of(
    _WORDS, _WORDS, st.sampled_from(["Tuần", "Giáo", '"', "(", ")", ",", "=?", "?=", "<", "@"])
)


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.lists(st.tuples(_NAME_PIECES, st.sampled_from([" ", "\t", "\r\n ", ""])), max_size=8))
def test_fuzzed_encoded_words_read_the_same_on_both_header_roads(
    pieces: list[tuple[str, str]],
) -> None:
    """Encoded words, split or glued, in any charset: the fast road equals the file parser."""
    value = "".join(p + s for p, s in pieces).rstrip()
    raw = (
        f"From: {value} <tuangiao@example.org>\r\nTo: {value} <tinbai@example.org>\r\n"
        f"Subject: {value}\r\nMessage-ID: <fuzz@example.org>\r\n\r\nbody\r\n"
    ).encode()
    parsed = parse_message(raw)
    block = imap_header_block(raw)
    for road in (decode_header_block(block, None), parse_header_block(block, None)):
        assert (road.sender, road.to, road.subject) == (parsed.sender, parsed.to, parsed.subject)
