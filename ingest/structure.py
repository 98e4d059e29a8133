"""Read an IMAP BODYSTRUCTURE into leaves, and decide what of each leaf to fetch.

The server has already parsed the MIME tree; walking its answer tells us every
part's type, encoding, size and file name without downloading a byte of it.
From that, `plan_fetch` decides per part: a text part is fetched whole, an
image only its head (enough for `image_fingerprint`), a document only when a
word count needs it. `distrust` says when the structure cannot be relied on,
so the message is fetched whole and parsed instead.
"""

from __future__ import annotations

import base64
import binascii
import email.header
import email.message
import email.utils
import quopri
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from classify.message import FINGERPRINT_HEAD_BYTES
from classify.mime import DOCUMENT_EXTENSIONS, DOCUMENT_TYPES, IMAGE_EXTENSIONS, UNTYPED, is_tnef
from ingest.parse import MAX_DEPTH, MAX_PARTS

KNOWN_ENCODINGS = frozenset({"7bit", "8bit", "binary", "base64", "quoted-printable"})
TEXT_LIMIT = 2_000_000  # bytes of one text part worth fetching; a longer body is cut


@dataclass(frozen=True)
class Leaf:
    """One leaf of the server's MIME tree, in the server's own words."""

    path: str  # IMAP part number, "1.2"
    content_type: str  # lower-cased "type/subtype"
    params: tuple[tuple[str, str], ...]  # Content-Type parameters, raw, names lower-cased
    encoding: str  # Content-Transfer-Encoding, lower-cased
    encoded_size: int  # octets on the server
    disposition: str | None
    disposition_params: tuple[tuple[str, str], ...]
    content_id: str | None
    nested_in: str | None  # "message/rfc822" inside an attached message
    alternative_of: str | None  # path of the multipart/alternative it is one choice of

    @cached_property
    def filename(self) -> str | None:  # asked several times per part while planning a fetch
        return decode_filename(self.disposition_params, "filename") or decode_filename(
            self.params, "name"
        )

    @property
    def size(self) -> int:
        """Decoded bytes, estimated from the encoded size (base64: 3 per 4, less line breaks)."""
        if self.encoding == "base64":
            lines = -(-self.encoded_size // 78)
            return max(0, (self.encoded_size - 2 * lines) * 3 // 4)
        return self.encoded_size

    def is_text_body(self) -> bool:
        return self.content_type in ("text/plain", "text/html") and self.disposition != "attachment"

    def is_document(self) -> bool:
        name = (self.filename or "").lower()
        return self.content_type in DOCUMENT_TYPES or (
            not self.is_text_body() and name.endswith(DOCUMENT_EXTENSIONS)
        )

    def may_be_image(self) -> bool:
        """Worth a head fetch: declared an image, named like one, or of no telling type."""
        name = (self.filename or "").lower()
        return (
            self.content_type.startswith("image/")
            or name.endswith(IMAGE_EXTENSIONS)
            or self.content_type in UNTYPED
        )

    def mime_header(self) -> bytes:
        """A MIME header for this part alone, so the file parser can decode its body."""
        ctype = self.content_type + "".join(f"; {k}={_quote(v)}" for k, v in self.params)
        lines = [f"Content-Type: {ctype}", f"Content-Transfer-Encoding: {self.encoding}"]
        if self.disposition:
            params = "".join(f"; {k}={_quote(v)}" for k, v in self.disposition_params)
            lines.append(f"Content-Disposition: {self.disposition}{params}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "replace")


class StructureError(ValueError):
    """The server's BODYSTRUCTURE has a shape we do not understand."""


def leaves(body: Any) -> list[Leaf]:
    """Every leaf of a BODYSTRUCTURE answer, attached messages walked into."""
    try:
        return list(_walk(body, "", None, None))
    except (IndexError, TypeError, ValueError, AttributeError) as e:
        raise StructureError(f"unreadable BODYSTRUCTURE: {type(e).__name__}: {e}") from e


def _walk(
    node: Any, prefix: str, nested_in: str | None, alternative_of: str | None
) -> Iterator[Leaf]:
    children, rest = _split_multipart(node)
    if children is not None:
        subtype = _text(rest[0]).lower() if rest else "mixed"
        for i, child in enumerate(children, 1):
            path = f"{prefix}.{i}" if prefix else str(i)
            alt = (prefix or "0") if subtype == "alternative" else alternative_of
            yield from _walk(child, path, nested_in, alt)
        return
    path = prefix or "1"
    ctype = f"{_text(node[0])}/{_text(node[1])}".lower()
    index = 7
    if ctype.startswith("text/"):
        index = 8  # + number of lines
    elif (
        ctype in ("message/rfc822", "message/global")
        and len(node) > 9
        and isinstance(node[8], tuple | list)
    ):
        inner = node[8]
        inner_children, _ = _split_multipart(inner)
        yield from _walk(
            inner, path if inner_children is not None else f"{path}.1", "message/rfc822", None
        )
        return
    disposition = node[index + 1] if len(node) > index + 1 else None
    disp_name: str | None = None
    disp_params: tuple[tuple[str, str], ...] = ()
    if isinstance(disposition, tuple | list) and disposition:
        disp_name = _text(disposition[0]).lower() or None
        disp_params = _pairs(disposition[1] if len(disposition) > 1 else None)
    yield Leaf(
        path=path,
        content_type=ctype,
        params=_pairs(node[2]),
        encoding=(_text(node[5]) or "7bit").lower(),
        encoded_size=int(node[6] or 0),
        disposition=disp_name,
        disposition_params=disp_params,
        content_id=_text(node[3]).strip("<> ") or None,
        nested_in=nested_in,
        alternative_of=alternative_of,
    )


def _split_multipart(node: Any) -> tuple[Sequence[Any] | None, Sequence[Any]]:
    if not isinstance(node, tuple | list) or not node:
        raise StructureError("empty body structure")
    if isinstance(node[0], list):  # imapclient's BodyData nests the children in a list
        return node[0], node[1:]
    if isinstance(node[0], tuple):  # a raw nested structure (inside message/rfc822)
        i = 0
        while i < len(node) and isinstance(node[i], tuple | list):
            i += 1
        return node[:i], node[i:]
    return None, node


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _pairs(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, tuple | list):
        return ()
    items = [_text(v) for v in value]
    return tuple((items[i].lower(), items[i + 1]) for i in range(0, len(items) - 1, 2))


# A parameter value the email package would hand back unchanged: printable ASCII
# without quotes, escapes, angle brackets, "%" or an encoded word.
_PLAIN_NAME = re.compile(r"(?:[ !#$&'()*+,\-./0-9:;=?@A-Z\[\]^_`a-z{|}~](?<!=\?)){0,255}")


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def decode_filename(params: Sequence[tuple[str, str]], name: str) -> str | None:
    """A file name from raw parameters: RFC 2231 continuations and RFC 2047 words decoded."""
    relevant = [(k, v) for k, v in params if k == name or k.startswith(name + "*")]
    if not relevant:
        return None
    if len(relevant) == 1 and relevant[0][0] == name and _PLAIN_NAME.fullmatch(relevant[0][1]):
        return " ".join(relevant[0][1].split()) or None  # nothing to decode (most names)
    holder = email.message.Message()
    holder["Content-Disposition"] = "attachment" + "".join(
        f"; {k}={_quote(v)}" for k, v in relevant
    )
    try:
        value = holder.get_param(name, header="content-disposition")
        text = email.utils.collapse_rfc2231_value(value) if value else ""
        if "=?" in text:
            text = str(email.header.make_header(email.header.decode_header(text)))
    except (ValueError, LookupError, TypeError, UnicodeError, email.errors.HeaderParseError):
        text = relevant[0][1]
    text = " ".join(text.replace("\x00", "").split())
    return text or None


# ----------------------------------------------------------------------- trust


def distrust(
    structure: Sequence[Leaf], *, declared_multipart: bool, message_size: int, header_size: int
) -> str | None:
    """Why the server's structure cannot be relied on for counting, or None."""
    # Past the file parser's limits, let it decide (and name the limit): both roads agree.
    deepest = max((leaf.path.count(".") + 1 for leaf in structure), default=0)
    if deepest > MAX_DEPTH or len(structure) > MAX_PARTS:
        return f"{len(structure)} parts nested {deepest} deep: past the parser's limits"
    for leaf in structure:
        if leaf.encoding not in KNOWN_ENCODINGS:
            return f"part {leaf.path} has the encoding {leaf.encoding!r}"
        if is_tnef(leaf.content_type, leaf.filename):
            return f"part {leaf.path} is a {leaf.content_type} container"
    if (
        declared_multipart
        and len(structure) == 1
        and not structure[0].content_type.startswith("multipart/")
    ):
        return "the header says multipart but the server found one part: broken MIME boundaries"
    accounted = sum(leaf.encoded_size for leaf in structure)
    unaccounted = message_size - header_size - accounted
    if unaccounted > 256_000 and unaccounted > accounted:
        return f"{unaccounted:,} bytes of the message belong to no part the server described"
    return None


# ----------------------------------------------------------------------- heads


def head_octets(leaf: Leaf, wanted: int = FINGERPRINT_HEAD_BYTES) -> int:
    """How many encoded octets to fetch to decode at least ``wanted`` bytes."""
    if leaf.encoding == "base64":
        chars = -(-wanted // 3) * 4
        return chars + 2 * -(-chars // 57) + 64  # line breaks of lines as short as 57
    if leaf.encoding == "quoted-printable":
        return wanted * 3 + 64
    return wanted


_NOT_BASE64 = bytes(
    b for b in range(256) if not (chr(b).isascii() and (chr(b).isalnum() or chr(b) in "+/="))
)


def decode_base64(data: bytes) -> bytes:
    """Base64 from a run of whole quads, line breaks and stray bytes skipped; b"" if broken."""
    # What the regex [^A-Za-z0-9+/=] did, 20× faster. The padding stays: a whole part's last
    # bytes (a zip's central directory) are in its final, padded quad.
    clean = data.translate(None, _NOT_BASE64)
    clean = clean[: len(clean) // 4 * 4]
    try:
        return base64.b64decode(clean)
    except (binascii.Error, ValueError):
        return b""


def decode_head(leaf: Leaf, data: bytes) -> bytes:
    """The decoded start of a part from the start of its encoded body."""
    if leaf.encoding == "base64":
        return decode_base64(data)
    if leaf.encoding == "quoted-printable":
        cut = data.rfind(b"=", max(0, len(data) - 3))
        return quopri.decodestring(data[:cut] if cut != -1 else data)
    return data
