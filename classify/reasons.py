"""A reason as a code plus parameters: what a rule says, in no language.

Rules say *why* as a `Reason`: a stable code (``item.body-news``) and the values that fill it
(``{"tag": "[Tin]", "words": 15}``). The words a person reads live in `texts` under
``reason.<code>`` and are filled at render time (`texts.reason_text`), in the configured
language, so a stored reason reads as well in Vietnamese as in English. A parameter may
itself be a reason, or a tuple of them (the photos a rule skipped, each with its why).

`as_data` / `from_data` turn a reason into JSON-ready values and back: the store keeps
reasons that way. A stored text that is not such a value (a row written before reasons had
codes) comes back as ``legacy``, its text shown as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeAlias

Param: TypeAlias = "str | int | Reason | tuple[Reason, ...]"

LEGACY = "legacy"  # a reason stored as an English sentence, before codes: {"text": …}
JOINED = "joined"  # several reasons shown one after another: {"parts": (…)}
COUNTS = "counts"  # what a message counts for: {"news": 1, "article": 0, "photo": 3}


@dataclass(frozen=True)
class Reason:
    code: str
    params: Mapping[str, Param] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash((self.code, tuple(sorted(self.params.items()))))

    def __bool__(self) -> bool:
        return bool(self.code)


NO_REASON = Reason("")


def joined(*reasons: Reason) -> Reason:
    """Several reasons as one; one reason as itself; none as `NO_REASON`."""
    parts = tuple(r for r in reasons if r)
    if not parts:
        return NO_REASON
    return parts[0] if len(parts) == 1 else Reason(JOINED, {"parts": parts})


def legacy(text: str) -> Reason:
    return Reason(LEGACY, {"text": text}) if text else NO_REASON


def as_data(reason: Reason) -> dict[str, object] | None:
    """JSON-ready values: ``{"code": …, "params": {…}}``; None for no reason."""
    if not reason:
        return None
    return {"code": reason.code, "params": {k: _param_data(v) for k, v in reason.params.items()}}


def _param_data(value: Param) -> object:
    if isinstance(value, Reason):
        return as_data(value) or {"code": "", "params": {}}
    if isinstance(value, tuple):
        return [as_data(r) or {"code": "", "params": {}} for r in value]
    return value


def from_data(data: object) -> Reason:
    """The reason `as_data` gave; any other value as a ``legacy`` reason showing its text."""
    if data is None or data == "":
        return NO_REASON
    if isinstance(data, dict) and isinstance(data.get("code"), str):
        params = data.get("params")
        if isinstance(params, dict):
            return Reason(data["code"], {str(k): _param_value(v) for k, v in params.items()})
    return legacy(data if isinstance(data, str) else str(data))


def _param_value(value: object) -> Param:
    if isinstance(value, dict):
        return from_data(value)
    if isinstance(value, list):
        return tuple(from_data(v) for v in value)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | str):
        return value
    return str(value)
