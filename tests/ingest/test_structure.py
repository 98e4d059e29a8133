"""Reading a BODYSTRUCTURE and decoding part heads: pure functions, table-driven."""

from __future__ import annotations

import base64
import email.message
import json
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from classify.message import FINGERPRINT_HEAD_BYTES, Address, ParsedMessage
from classify.tags import DEFAULT_VOCABULARY
from classify.tags import vocabulary as tag_vocabulary
from ingest import oauth2
from ingest.reconstruct import plan_fetch
from ingest.structure import Leaf, decode_filename, decode_head, distrust, head_octets, leaves
from tinbai.errors import MailboxError

# What Dovecot answered (via imapclient) for a text body, a photo and a forwarded message.
STRUCTURE = (
    [
        (
            b"text",
            b"plain",
            (b"charset", b"utf-8"),
            None,
            None,
            b"8bit",
            53,
            1,
            None,
            None,
            None,
            None,
        ),
        (
            b"image",
            b"jpeg",
            None,
            None,
            None,
            b"base64",
            410482,
            None,
            (b"attachment", (b"filename", b"a.jpg")),
            None,
            None,
        ),
        (
            b"message",
            b"rfc822",
            None,
            None,
            None,
            b"7bit",
            900,
            (b"env",),
            (
                (b"text", b"plain", None, None, None, b"7bit", 10, 1),
                (b"image", b"png", None, None, None, b"base64", 400),
                b"mixed",
            ),
            20,
        ),
    ],
    b"mixed",
    (b"boundary", b"xyz"),
    None,
)


def test_leaves_carry_imap_part_numbers_into_attached_messages() -> None:
    found = leaves(STRUCTURE)
    assert [(leaf.path, leaf.content_type, leaf.nested_in) for leaf in found] == [
        ("1", "text/plain", None),
        ("2", "image/jpeg", None),
        ("3.1", "text/plain", "message/rfc822"),
        ("3.2", "image/png", "message/rfc822"),
    ]
    assert found[1].filename == "a.jpg"
    assert 295_000 < found[1].size < 305_000  # decoded size estimated from base64


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param([("filename", "ảnh.jpg")], "ảnh.jpg", id="plain"),
        pytest.param([("filename", "=?UTF-8?B?4bqjbmguanBn?=")], "ảnh.jpg", id="rfc2047"),
        pytest.param([("filename*", "utf-8''%E1%BA%A3nh.jpg")], "ảnh.jpg", id="rfc2231"),
        pytest.param(
            [("filename*0*", "utf-8''%E1%BA%A3"), ("filename*1*", "nh.jpg")],
            "ảnh.jpg",
            id="rfc2231-continued",
        ),
        pytest.param([("size", "12")], None, id="absent"),
    ],
)
def test_file_names_are_decoded(params: list[tuple[str, str]], expected: str | None) -> None:
    assert decode_filename(params, "filename") == expected


@given(st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40))
def test_a_plain_ascii_file_name_reads_as_the_email_package_reads_it(name: str) -> None:
    assume("=?" not in name)  # an encoded word: decoded by us, left alone by get_filename
    holder = email.message.Message()
    holder["Content-Disposition"] = "attachment; filename=" + (
        '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    )
    expected = " ".join((holder.get_filename() or "").split()) or None
    assert decode_filename([("filename", name)], "filename") == expected


def test_a_base64_head_with_stray_bytes_decodes_as_if_they_were_not_there() -> None:
    data = bytes(range(256)) * 3
    encoded = base64.b64encode(data)
    dirty = b"\r\n!".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))
    leaf = Leaf("2", "image/jpeg", (), "base64", len(dirty), "attachment", (), None, None, None)
    assert decode_head(leaf, dirty) == data


@pytest.mark.parametrize("line", [76, 64, 57, 10_000])
def test_a_base64_head_decodes_to_the_fingerprint_length_whatever_the_line_length(
    line: int,
) -> None:
    data = bytes(range(256)) * 100
    encoded = base64.b64encode(data)
    wrapped = b"\r\n".join(encoded[i : i + line] for i in range(0, len(encoded), line))
    leaf = Leaf("2", "image/jpeg", (), "base64", len(wrapped), "attachment", (), None, None, None)
    head = decode_head(leaf, wrapped[: head_octets(leaf)])
    assert head[:FINGERPRINT_HEAD_BYTES] == data[:FINGERPRINT_HEAD_BYTES]


def test_an_expired_oauth_token_is_refreshed_and_the_rotated_refresh_token_saved(
    tmp_path: Path,
) -> None:
    path = tmp_path / "token.json"
    path.write_text(
        json.dumps(
            {"provider": "microsoft", "client_id": "app", "refresh_token": "old", "expires_at": 0}
        )
    )
    calls: list[dict[str, str]] = []

    def post(uri: str, form: dict[str, str], timeout: float) -> dict[str, object]:
        calls.append(form)
        assert uri == "https://login.microsoftonline.com/common/oauth2/v2.0/token"
        return {"access_token": "fresh", "expires_in": 3600, "refresh_token": "rotated"}

    assert oauth2.access_token(path, now=1000.0, post=post) == "fresh"
    saved = json.loads(path.read_text())
    assert (saved["refresh_token"], saved["expires_at"]) == ("rotated", 4600)
    assert path.stat().st_mode & 0o777 == 0o600
    # Still valid: no second refresh; a kept session logs in again when one would be due.
    assert oauth2.access_token(path, now=2000.0, post=post) == "fresh"
    assert oauth2.current_token(path, now=2000.0, post=post)[:2] == ("fresh", 4600 - oauth2.EARLY)
    assert len(calls) == 1


def test_a_refused_oauth_refresh_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    path.write_text(
        json.dumps({"provider": "google", "client_id": "app", "refresh_token": "revoked"})
    )

    def post(uri: str, form: dict[str, str], timeout: float) -> dict[str, object]:
        return {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}

    with pytest.raises(MailboxError, match=r"revoked.* — .*redo the OAuth2 set-up"):
        oauth2.access_token(path, now=0.0, post=post)


@pytest.mark.parametrize(
    ("uri", "allowed"),
    [
        ("https://login.example.org/token", True),
        ("http://127.0.0.1:8080/token", True),
        ("http://localhost/token", True),
        ("http://login.example.org/token", False),
        ("ftp://login.example.org/token", False),
    ],
)
def test_a_token_endpoint_is_https_unless_on_this_machine(
    tmp_path: Path, uri: str, allowed: bool
) -> None:
    path = tmp_path / "token.json"
    path.write_text(json.dumps({"client_id": "app", "refresh_token": "r", "token_uri": uri}))
    posted: list[str] = []

    def post(to: str, form: dict[str, str], timeout: float) -> dict[str, object]:
        posted.append(to)
        return {"access_token": "fresh", "expires_in": 3600}

    if allowed:
        assert oauth2.access_token(path, now=0.0, post=post) == "fresh"
    else:
        with pytest.raises(MailboxError, match=r"is not https — use the provider's https"):
            oauth2.access_token(path, now=0.0, post=post)
    assert posted == ([uri] if allowed else [])  # the refresh token never went over plain http


def test_a_refused_access_token_is_refreshed_even_before_it_expires(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    path.write_text(
        json.dumps(
            {"client_id": "app", "refresh_token": "r", "access_token": "dead", "expires_at": 9999}
        )
    )

    def post(uri: str, form: dict[str, str], timeout: float) -> dict[str, object]:
        return {"access_token": "new", "expires_in": 3600}

    kept = oauth2.current_token(path, now=0.0, post=post, refused="other")
    assert (kept.value, kept.refreshed) == ("dead", False)
    fresh = oauth2.current_token(path, now=0.0, post=post, refused="dead")
    assert (fresh.value, fresh.refreshed) == ("new", True)


def _leaf(
    path: str = "1",
    ctype: str = "text/plain",
    encoding: str = "7bit",
    size: int = 100,
    name: str | None = None,
) -> Leaf:
    params = (("name", name),) if name else ()
    return Leaf(path, ctype, params, encoding, size, None, (), None, None, None)


@pytest.mark.parametrize(
    ("structure", "declared_multipart", "message_size", "why"),
    [
        pytest.param(
            [_leaf(), _leaf("2", "image/jpeg", "base64", 400_000)],
            True,
            401_000,
            None,
            id="ordinary",
        ),
        pytest.param(
            [_leaf(encoding="x-uuencode")], False, 1_000, "encoding 'x-uuencode'", id="uuencode"
        ),
        pytest.param(
            [_leaf(), _leaf("2", "application/ms-tnef", "base64")],
            True,
            2_000,
            "container",
            id="tnef",
        ),
        pytest.param(
            [_leaf(), _leaf("2", "application/octet-stream", "base64", name="winmail.dat")],
            True,
            2_000,
            "container",
            id="winmail-dat",
        ),
        pytest.param([_leaf(size=5_000_000)], True, 5_001_000, "one part", id="broken-boundaries"),
        pytest.param(
            [_leaf(size=1_000)], False, 3_000_000, "belong to no part", id="bytes-unaccounted"
        ),
    ],
)
def test_structures_that_cannot_be_trusted_are_named(
    structure: list[Leaf], declared_multipart: bool, message_size: int, why: str | None
) -> None:
    found = distrust(
        structure, declared_multipart=declared_multipart, message_size=message_size, header_size=500
    )
    if why is None:
        assert found is None
    else:
        assert why in (found or "")


def _asked(subject: str, delivered_to: tuple[str, ...] = (), words: str = "") -> set[str]:
    """Which parts the poller fetches of a text body, a .rtf and a photo."""
    parsed = ParsedMessage(
        message_id="<plan@example.org>",
        subject=subject,
        sender=Address("tuangiao@example.org"),
        to=(Address("tinbai@example.org"),),
        delivered_to=delivered_to,
        digest="0" * 64,
    )
    structure = [
        _leaf("1"),
        _leaf("2", "application/x-rtf", "base64", 4_000),  # no file name
        _leaf("3", "image/jpeg", "base64", 400_000),
    ]
    vocabulary = (
        tag_vocabulary({"news": [words], "article": ["bài viết"], "photo": ["ảnh"]})
        if words
        else DEFAULT_VOCABULARY
    )
    return set(plan_fetch(parsed, structure, vocabulary, max_document_bytes=10_000_000))


@pytest.mark.parametrize(
    ("subject", "delivered_to", "words", "asked"),
    [
        pytest.param("Gửi Ban", (), "", {"1", "2", "3"}, id="untagged-needs-the-document"),
        pytest.param("[Tin] Hội nghị", (), "", {"1", "3"}, id="a-tag-decides-the-kind"),
        pytest.param(
            "Gửi Ban", ("tinbai+tin@example.org",), "", {"1", "3"}, id="delivered-to-plus-tag"
        ),
        pytest.param("[Tin] Hội nghị", (), "bản tin", {"1", "2", "3"}, id="tin-is-no-tag-here"),
        pytest.param("[Bản tin] Hội nghị", (), "bản tin", {"1", "3"}, id="custom-tag-word"),
    ],
)
def test_the_fetch_plan_reads_tags_as_the_rules_do(
    subject: str, delivered_to: tuple[str, ...], words: str, asked: set[str]
) -> None:
    assert _asked(subject, delivered_to, words) == asked
