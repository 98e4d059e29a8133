"""Parse raw RFC 5322 bytes into a `ParsedMessage`, without ever raising.

The standard library's `email` package with `policy.default` does the MIME
work; every step that can fail on hostile input is guarded and turns into a
recorded defect instead, so that a broken message still yields what it can.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import hashlib
import html
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage, Message

from classify.message import Address, ParsedMessage, Part, image_fingerprint
from ingest.sniff import sniff_image

log = logging.getLogger(__name__)

# Headers the rules read; everything else stays in the raw message.
KEPT_HEADERS = (
    "content-type",
    "auto-submitted",
    "x-autoreply",
    "x-autorespond",
    "precedence",
    "list-id",
    "x-original-to",
    "delivered-to",
    "return-path",
    "authentication-results",
    "x-mailer",
    "user-agent",
    "x-gm-msgid",
)
_TAG = re.compile(r"<[^>]+>")
_BLOCK = re.compile(r"(?is)<(script|style|head)\b.*?</\1>")
_BREAK = re.compile(r"(?i)<\s*(br|/p|/div|/tr|/li|/h\d)\b[^>]*>")


def parse_message(raw: bytes, received_at: datetime | None = None) -> ParsedMessage:
    """Parse raw bytes; defects are recorded in the result, never raised."""
    defects: list[str] = []
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    defects.extend(type(d).__name__ for d in msg.defects)

    def header(name: str) -> str | None:
        try:
            value = msg.get(name)
        except Exception as e:  # noqa: BLE001 — any header may be malformed beyond repair
            defects.append(f"header {name}: {e}")
            return None
        return None if value is None else _clean(str(value))

    parts: list[Part] = []
    texts: list[str] = []
    try:
        for path, leaf, nested_in in _leaves(msg, "", None):
            part, text = _part(path, leaf, nested_in, defects)
            parts.append(part)
            if text is not None:
                texts.append(text)
    except Exception as e:  # noqa: BLE001 — a broken MIME tree still yields its headers
        defects.append(f"mime: {e}")

    headers = tuple((name, value) for name in KEPT_HEADERS for value in _all(msg, name, defects))
    return ParsedMessage(
        message_id=_message_id(header("message-id")),
        subject=header("subject") or "",
        sender=_first_address(msg, ("from", "sender"), defects),
        to=_addresses(msg, "to", defects),
        cc=_addresses(msg, "cc", defects),
        delivered_to=tuple(
            v.lower() for n in ("delivered-to", "x-original-to") for v in _all(msg, n, defects)
        ),
        date=_date(header("date")),
        received_at=received_at or _received(msg, defects),
        in_reply_to=_message_id(header("in-reply-to")),
        references=tuple(re.findall(r"<[^<>\s]+>", header("references") or "")),
        headers=headers,
        text="\n".join(t for t in texts if t.strip()),
        parts=tuple(parts),
        defects=tuple(defects),
        size=len(raw),
        digest=hashlib.sha256(raw).hexdigest(),
    )


def _clean(value: str) -> str:
    return " ".join(value.replace("\x00", "").split())


def _all(msg: Message, name: str, defects: list[str]) -> list[str]:
    try:
        return [_clean(str(v)) for v in (msg.get_all(name) or [])]
    except Exception as e:  # noqa: BLE001 — malformed header values
        defects.append(f"header {name}: {e}")
        return []


def _message_id(value: str | None) -> str | None:
    if not value:
        return None
    found = re.search(r"<[^<>\s]+>", value)
    return found.group(0) if found else f"<{value.strip('<> ')}>" if value.strip("<> ") else None


def _addresses(msg: Message, name: str, defects: list[str]) -> tuple[Address, ...]:
    values = _all(msg, name, defects)
    try:
        pairs = email.utils.getaddresses(values)
    except Exception as e:  # noqa: BLE001
        defects.append(f"header {name}: {e}")
        return ()
    return tuple(
        Address(addr.strip().lower(), name_.strip()) for name_, addr in pairs if "@" in addr
    )


def _first_address(msg: Message, names: tuple[str, ...], defects: list[str]) -> Address | None:
    for name in names:
        found = _addresses(msg, name, defects)
        if found:
            return found[0]
    return None


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _received(msg: Message, defects: list[str]) -> datetime | None:
    for value in _all(msg, "received", defects):
        stamp = _date(value.rsplit(";", 1)[-1]) if ";" in value else None
        if stamp:
            return stamp
    return None


def _leaves(
    msg: Message, prefix: str, nested_in: str | None
) -> Iterator[tuple[str, Message, str | None]]:
    """Leaf parts with IMAP part numbers; attached messages are walked into."""
    if msg.is_multipart():
        payload = msg.get_payload()
        children = payload if isinstance(payload, list) else []
        for i, child in enumerate(children, 1):
            yield from _leaves(child, f"{prefix}.{i}" if prefix else str(i), nested_in)
        return
    if msg.get_content_type() == "message/rfc822":
        inner = msg.get_payload()
        inner_msg = inner[0] if isinstance(inner, list) and inner else None
        if isinstance(inner_msg, Message):
            yield from _leaves(inner_msg, prefix or "1", "message/rfc822")
            return
    yield (prefix or "1", msg, nested_in)


def _part(
    path: str, leaf: Message, nested_in: str | None, defects: list[str]
) -> tuple[Part, str | None]:
    content_type = leaf.get_content_type()
    try:
        payload = leaf.get_payload(decode=True)
    except Exception as e:  # noqa: BLE001 — broken transfer encodings
        defects.append(f"part {path}: {e}")
        payload = None
    data = payload if isinstance(payload, bytes) else b""
    try:
        filename = leaf.get_filename()
    except Exception:  # noqa: BLE001
        filename = None
    disposition = leaf.get_content_disposition()
    content_id = leaf.get("content-id")
    sniffed = sniff_image(data[:32])
    text: str | None = None
    if content_type in ("text/plain", "text/html") and disposition != "attachment":
        text = _decode_text(leaf, data)
        if content_type == "text/html":
            text = html_to_text(text)
    part = Part(
        path=path,
        content_type=content_type,
        filename=_clean(filename) if filename else None,
        size=len(data),
        disposition=disposition,
        content_id=_clean(str(content_id)).strip("<>") if content_id else None,
        sniffed_type=sniffed,
        fingerprint=image_fingerprint(data)
        if sniffed or content_type.startswith("image/")
        else None,
        text=text,
        nested_in=nested_in,
    )
    return part, text


def _decode_text(leaf: Message, data: bytes) -> str:
    charset = leaf.get_content_charset() or "utf-8"
    try:
        return data.decode(charset, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def html_to_text(markup: str) -> str:
    """Readable text from an HTML body, enough for word counts and previews."""
    markup = _BLOCK.sub(" ", markup)
    markup = _BREAK.sub("\n", markup)
    return html.unescape(_TAG.sub(" ", markup))


def as_email_message(raw: bytes) -> EmailMessage:
    """The stdlib message object, for callers that need more than counting does."""
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed
