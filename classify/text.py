"""Words in a body: what a unit wrote, without the quoted mail it replies to or its signature."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+")
# Where a reply's quoted original starts, in the clients units use (Outlook, Gmail, phones),
# in Vietnamese and English.
# Leading blanks are matched within the line only: `^\s*` would rescan every run of
# empty lines once per line in it (quadratic; 20,000 empty lines took 20 s).
_QUOTE_START = re.compile(
    r"""^[^\S\n]*(?:
        -{2,}\s*(?:original\s+message|thư\s+gốc|tin\s+nhắn\s+gốc)\s*-{2,}
      | (?:on|vào)\s.{0,200}?(?:wrote|đã\s+viết)\s*:\s*$
      | (?:from|từ)\s*:\s.*\n\s*(?:sent|date|đã\s+gửi|ngày)\s*:
    )""",
    re.IGNORECASE | re.MULTILINE | re.VERBOSE,
)
_SIGNATURE = re.compile(r"^-- ?$", re.MULTILINE)


@lru_cache(maxsize=64)  # several rules count the same body: once per message is enough
def words(text: str) -> int:
    """How many words a text has; a Vietnamese syllable counts as one word."""
    return len(_WORD.findall(unicodedata.normalize("NFC", text)))


def first_words(text: str, n: int, max_chars: int) -> tuple[str, bool]:
    """The start of a text up to its ``n``-th word (and ``max_chars``); True when it was cut."""
    end = None
    for i, match in enumerate(_WORD.finditer(text, 0, max_chars)):
        if i == n:
            end = match.start()
            break
    if end is None and len(text) > max_chars:
        end = max_chars
    return (text, False) if end is None else (text[:end].rstrip(), True)


def own_text(text: str) -> str:
    """The text a sender wrote in this message: quoted replies and the signature cut off."""
    match = _QUOTE_START.search(text)
    if match:
        # Cut the empty lines before the quote too, as the pattern once did.
        kept = text[: match.start()].rstrip()
        text = text[: text.index("\n", len(kept)) + 1] if kept else ""
    signature = _SIGNATURE.search(text)
    if signature:
        text = text[: signature.start()]
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(">"))


def passages(text: str) -> list[tuple[str, str]]:
    """The text cut where `own_text` cuts it, each run of lines named: own, quoted or signature.

    For showing a message to a person: `own_text` keeps the "own" runs and drops the rest
    (tests/classify/test_preview.py holds the two to the same words).
    """
    match = _QUOTE_START.search(text)
    head, quoted = (text[: match.start()], text[match.start() :]) if match else (text, "")
    signature = _SIGNATURE.search(head)
    body, tail = (head[: signature.start()], head[signature.start() :]) if signature else (head, "")
    runs: list[tuple[str, list[str]]] = []
    for line in body.splitlines():
        role = "quoted" if line.lstrip().startswith(">") else "own"
        if runs and runs[-1][0] == role:
            runs[-1][1].append(line)
        else:
            runs.append((role, [line]))
    out = [(role, "\n".join(lines).strip("\n")) for role, lines in runs]
    out += [("signature", tail), ("quoted", quoted)]
    return [(role, chunk.strip()) for role, chunk in out if chunk.strip()]
