"""How a reason is kept in a text column: its code and parameters as one JSON object.

``messages.reason``, ``items.reason`` and each note of ``messages.trace`` hold
``{"code": …, "params": {…}}`` (`classify.reasons.as_data`), so a stored reason renders in
whichever language the config asks for. Migration 0007 turned the English sentences of
earlier rows into such objects where it could read them back, and into ``legacy`` reasons
(the sentence, shown as it is) where it could not; `decode` does the same for any text
that is not such an object, so an old row always displays.
"""

from __future__ import annotations

import json

from classify.message import RuleHit
from classify.reasons import NO_REASON, Reason, as_data, from_data


def encode(reason: Reason) -> str:
    data = as_data(reason)
    return "" if data is None else json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def decode(stored: str | None) -> Reason:
    if not stored:
        return NO_REASON
    if stored.startswith("{"):
        try:
            return from_data(json.loads(stored))
        except ValueError:
            pass
    return from_data(stored)


def encode_trace(trace: tuple[RuleHit, ...]) -> str:
    return json.dumps(
        [[hit.rule, hit.fired, as_data(hit.note)] for hit in trace],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def decode_trace(stored: str | None) -> tuple[RuleHit, ...]:
    """The rule trace; a note that is a plain string (older rows) is a ``legacy`` reason."""
    try:
        data = json.loads(stored or "[]")
    except ValueError:
        return ()
    hits = []
    for entry in data if isinstance(data, list) else []:
        if isinstance(entry, list) and len(entry) >= 2:
            note = from_data(entry[2]) if len(entry) > 2 else NO_REASON
            hits.append(RuleHit(str(entry[0]), bool(entry[1]), note))
    return tuple(hits)
