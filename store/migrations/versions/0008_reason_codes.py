"""reason codes: stored reasons become a code plus parameters, so they render in any language

Rows written before this held English sentences in ``messages.reason``, ``items.reason``
and the notes of ``messages.trace``. Each becomes the JSON object `store.reasons` reads
(``{"code": …, "params": {…}}``): the sentences tinbai wrote most (what a message counted,
a photo, a written piece, a duplicate photo, the common ignore reasons) are read back into
their codes; any other sentence is kept whole as a ``legacy`` reason and shown as it is.

The sentence patterns are copied here on purpose: a migration must read the rows as the
tinbai of their time wrote them, whatever the rules say later.

Revision ID: 0008_reason_codes
Revises: 0007_previews
"""

from __future__ import annotations

import json
import re
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0008_reason_codes"
down_revision = "0007_previews"
branch_labels = None
depends_on = None

Data = dict[str, Any]


def _r(code: str, **params: Any) -> Data:
    return {"code": code, "params": params}


def _legacy(text: str) -> Data:
    return _r("legacy", text=text)


def _int(text: str) -> int:
    return int(text.replace(",", ""))


# --- what a message counted: "1 news, 3 photos"
_KIND = {"news": "news", "article": "article", "articles": "article"}
_KIND |= {"photo": "photo", "photos": "photo"}
_QUANTITY = re.compile(r"^(\d+) (news|articles?|photos?)$")


def _counts(text: str) -> Data | None:
    counts = {"news": 0, "article": 0, "photo": 0}
    for piece in text.split(", "):
        found = _QUANTITY.match(piece)
        if found is None:
            return None
        counts[_KIND[found.group(2)]] += int(found.group(1))
    return _r("counts", **counts)


_AGAIN = re.compile(r"^(.+) \((\d+) photos? already counted before, not again\)$")
_NOTHING_NEW = re.compile(r"^nothing new: (\d+) photos? already counted before, not again$")


def _status_line(text: str) -> Data | None:
    if (found := _NOTHING_NEW.match(text)) is not None:
        return _r("store.nothing-new", again=_r("counts", photo=int(found.group(1))))
    if (found := _AGAIN.match(text)) is not None and (counts := _counts(found.group(1))):
        again = _r("counts", photo=int(found.group(2)))
        return _r("store.counts-again", counts=counts, again=again)
    return _counts(text)


# --- a part's name: "anh.jpg", "part 1.2", "anh.jpg (inside a .zip archive)"
_WHERE = {
    "in a forwarded message": "part.in-forward",
    "inside Outlook's winmail.dat": "part.in-tnef",
    "inside a .zip archive": "part.in-zip",
}
_NESTED = re.compile(r"^(.+) \((" + "|".join(re.escape(w) for w in _WHERE) + r")\)$")
_NUMBER = re.compile(r"^part (\d+(?:\.\d+)*)$")


def _part(text: str) -> Data:
    if (found := _NESTED.match(text)) is not None:
        return _r(_WHERE[found.group(2)], part=_part(found.group(1)))
    if (found := _NUMBER.match(text)) is not None:
        return _r("part.number", path=found.group(1))
    return _r("part.file", name=text)


# --- why a written piece is news or an article
_TAGGED = re.compile(r"^the subject is tagged (\S+)$")
_BY_WORDS = re.compile(r"^(\d+) words (≥|<) (\d+)$")
_BY_SIZE = re.compile(
    r"^text unreadable, decided by size: ([\d,]+) bytes (≥|<) ([\d,]+) \(check it\)$"
)


def _why(text: str) -> Data | None:
    if (found := _TAGGED.match(text)) is not None:
        return _r("kind.tagged", tag=found.group(1))
    if (found := _BY_WORDS.match(text)) is not None:
        words, sign, least = found.groups()
        return _r("kind.by-words", words=int(words), sign=sign, min=int(least))
    if (found := _BY_SIZE.match(text)) is not None:
        size, sign, least = found.groups()
        return _r("kind.by-size", bytes=_int(size), sign=sign, min=_int(least))
    return None


# --- an item's reason
_ITEM_KIND = {"news item": "news", "article": "article"}
_PHOTO = re.compile(r"^photo (.+) \((\d+)×(\d+) px, ([\d,]+) bytes\)$")
_PHOTO_UNSIZED = re.compile(r"^photo (.+) \(size unknown: counted by bytes only, ([\d,]+) bytes\)$")
_DOCUMENT = re.compile(r"^(news item|article): document (.+?); (.+)$")
_BODY = re.compile(
    r"^(news item|article) in the body; (.+), (\d+ words|no readable text, check it)$"
)
_BODY_UNTAGGED = re.compile(r"^(news item|article) in the body, untagged; (.+)$")
_DUPLICATE = re.compile(r"^(.+): the same photo as in message #(\d+), not counted again$")


def _item(text: str) -> Data | None:  # noqa: PLR0911 — one return per sentence read back
    if (found := _DUPLICATE.match(text)) is not None and (item := _item(found.group(1))):
        return _r("store.photo-again", item=item, message=found.group(2))
    if (found := _PHOTO.match(text)) is not None:
        name, width, height, size = found.groups()
        return _r(
            "item.photo", part=_part(name), width=int(width), height=int(height), bytes=_int(size)
        )
    if (found := _PHOTO_UNSIZED.match(text)) is not None:
        return _r("item.photo-unsized", part=_part(found.group(1)), bytes=_int(found.group(2)))
    if (found := _DOCUMENT.match(text)) is not None and (why := _why(found.group(3))):
        kind = _ITEM_KIND[found.group(1)]
        return _r(f"item.document-{kind}", part=_part(found.group(2)), why=why)
    if (found := _BODY.match(text)) is not None and (why := _why(found.group(2))):
        said = found.group(3)
        words = (
            _r("body.words", words=int(said.split()[0]))
            if said[0].isdigit()
            else _r("body.unreadable")
        )
        return _r(f"item.body-{_ITEM_KIND[found.group(1)]}", why=why, text=words)
    if (found := _BODY_UNTAGGED.match(text)) is not None and (why := _why(found.group(2))):
        return _r(f"item.body-untagged-{_ITEM_KIND[found.group(1)]}", why=why)
    return None


# --- a rule's note, and "rule: note" as a message's reason
_FIXED = {
    "no text and no attachment": "empty.nothing",
    "nothing to count was found": "nothing-found.nothing",
    "a calendar invitation": "invitation.calendar",
    "a read receipt (disposition notification)": "auto-reply.read-receipt",
    "a multipart/report delivery notice": "bounce.report",
    "an X-Failed-Recipients header": "bounce.failed-recipients",
    "the receiving server reports dmarc=fail": "spoofed.dmarc-fail",
    "the receiving server reports spf=fail and no valid DKIM": "spoofed.spf-fail",
    "authentication checks are off": "spoofed.off",
    "no trusted Authentication-Results header": "spoofed.no-header",
    "the mailbox is the collection address's own": "not-addressed.own-mailbox",
    "no date to check": "outside-period.no-date",
    "no plan period configured": "outside-period.no-period",
}
_NOTES: tuple[tuple[re.Pattern[str], str, tuple[str, ...]], ...] = (
    (re.compile(r"^sent by (\S+)$"), "bounce.sender", ("sender",)),
    (re.compile(r"^Precedence: (\S+)$"), "auto-reply.precedence", ("value",)),
    (re.compile(r"^Auto-Submitted: (.+)$"), "auto-reply.auto-submitted", ("value",)),
    (re.compile(r"^dated (\S+), outside every plan's period$"), "outside-period.dated", ("date",)),
    (
        re.compile(r"^tagged (.+) but nothing of that kind was found$"),
        "nothing-found.tagged",
        ("tags",),
    ),
    (re.compile(r"^addressed to (\S+)$"), "not-addressed.addressed", ("address",)),
    (re.compile(r"^replies to (\S+) but brings new files$"), "revision.new-files", ("ref",)),
)
_WORDS_NOTES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"^a reply to (\S+) with (\d+) new words and no new file$"),
        "revision.nothing-new",
    ),
    (re.compile(r"^replies to (\S+) with (\d+) new words$"), "revision.new-words"),
)
_RULES = (
    "bounce",
    "auto-reply",
    "invitation",
    "spoofed",
    "not-addressed",
    "outside-period",
    "revision",
    "empty",
    "nothing-found",
)


def _note(text: str) -> Data | None:
    if text in _FIXED:
        return _r(_FIXED[text])
    for pattern, code, names in _NOTES:
        if (found := pattern.match(text)) is not None:
            return _r(code, **dict(zip(names, found.groups(), strict=True)))
    for pattern, code in _WORDS_NOTES:
        if (found := pattern.match(text)) is not None:
            return _r(code, ref=found.group(1), words=int(found.group(2)))
    return None


def _message_reason(status: str, text: str) -> Data:
    if status == "counted" and (line := _status_line(text)):
        return line
    rule, _, note = text.partition(": ")
    if rule in _RULES and (read := _note(note)) and read["code"].startswith(f"{rule}."):
        return read
    if rule == "nothing-found" and (read := _note(note)):  # stored before "empty" had its rule
        return read if read["code"].startswith("nothing-found.") else _legacy(text)
    return _legacy(text)


def _trace(stored: str) -> str | None:
    try:
        entries = json.loads(stored or "[]")
    except ValueError:
        return None
    if not isinstance(entries, list):
        return None
    out = []
    for entry in entries:
        if not (isinstance(entry, list) and len(entry) >= 2):
            continue
        note = entry[2] if len(entry) > 2 else ""
        if isinstance(note, str):
            note = (_note(note) or _legacy(note)) if note else None
        out.append([entry[0], entry[1], note])
    return _dump(out)


def _dump(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _is_coded(stored: str) -> bool:
    return stored.startswith('{"code"')


def upgrade() -> None:
    conn = op.get_bind()
    messages = sa.table(
        "messages", sa.column("id"), sa.column("status"), sa.column("reason"), sa.column("trace")
    )
    items = sa.table("items", sa.column("id"), sa.column("reason"))
    for pk, status, reason, trace in conn.execute(
        sa.select(messages.c.id, messages.c.status, messages.c.reason, messages.c.trace)
    ).all():
        values: dict[str, str] = {}
        if reason and not _is_coded(reason):
            values["reason"] = _dump(_message_reason(status, reason))
        new_trace = _trace(trace)
        if new_trace is not None and new_trace != trace:
            values["trace"] = new_trace
        if values:
            conn.execute(sa.update(messages).where(messages.c.id == pk).values(**values))
    for pk, reason in conn.execute(sa.select(items.c.id, items.c.reason)).all():
        if reason and not _is_coded(reason):
            coded = _item(reason) or _legacy(reason)
            conn.execute(sa.update(items).where(items.c.id == pk).values(reason=_dump(coded)))


def downgrade() -> None:
    """Back to English sentences, as the tinbai before codes wrote and read them."""
    from classify.reasons import from_data  # noqa: PLC0415 — only a downgrade needs them
    from texts import reason_text  # noqa: PLC0415

    def english(stored: str, *, message: bool = False) -> str:
        if not stored or not _is_coded(stored):
            return stored
        reason = from_data(json.loads(stored))
        head = reason.code.split(".", 1)[0]
        shown = reason_text(reason, "en")
        return f"{head}: {shown}" if message and head in _RULES else shown

    conn = op.get_bind()
    messages = sa.table("messages", sa.column("id"), sa.column("reason"), sa.column("trace"))
    items = sa.table("items", sa.column("id"), sa.column("reason"))
    for pk, reason, trace in conn.execute(
        sa.select(messages.c.id, messages.c.reason, messages.c.trace)
    ).all():
        try:
            entries = json.loads(trace or "[]")
        except ValueError:
            entries = []
        notes = [
            [e[0], e[1], reason_text(from_data(e[2]), "en") if len(e) > 2 else ""]
            for e in entries
            if isinstance(e, list) and len(e) >= 2
        ]
        conn.execute(
            sa.update(messages)
            .where(messages.c.id == pk)
            .values(reason=english(reason, message=True), trace=_dump(notes))
        )
    for pk, reason in conn.execute(sa.select(items.c.id, items.c.reason)).all():
        conn.execute(sa.update(items).where(items.c.id == pk).values(reason=english(reason)))
