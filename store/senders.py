"""Which unit an address belongs to: exact address first, then its `@domain`.

Pure: the mapping rows come from the database and from the config's seeds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DOMAIN = re.compile(r"^@[^@\s]+\.[^@\s]+$")


def normalize_pattern(pattern: str) -> str:
    """A sender pattern in canonical form: `name@host` or `@host`, lower case.

    Raises ValueError with the fix when it is neither.
    """
    value = pattern.strip().strip("<>").lower()
    if _ADDRESS.match(value) or _DOMAIN.match(value):
        return value
    raise ValueError(
        f"{pattern!r} is neither an address (name@example.org) nor a domain (@example.org)"
    )


@dataclass(frozen=True)
class SenderMap:
    """Address → unit, from the database (wins) and the config's seeds."""

    stored: Mapping[str, str]
    seeded: Mapping[str, str]

    @classmethod
    def build(
        cls, stored: Iterable[tuple[str, str]], seeded: Iterable[tuple[str, str]]
    ) -> SenderMap:
        return cls(dict(stored), {normalize_pattern(p): u for p, u in seeded})

    def unit_for(self, address: str) -> str | None:
        address = address.lower()
        domain = "@" + address.rsplit("@", 1)[-1] if "@" in address else None
        for table in (self.stored, self.seeded):
            if address in table:
                return table[address]
        for table in (self.stored, self.seeded):
            if domain and domain in table:
                return table[domain]
        return None

    def patterns_of(self, unit_id: str) -> frozenset[str]:
        """The patterns mapped to ``unit_id`` (database or seed): all its mail comes from them.

        Not all their mail is its: an address of a domain mapped here may be mapped on its own
        elsewhere, and a stored pattern hides its seed (`unit_for` decides).
        """
        return frozenset(
            p for table in (self.stored, self.seeded) for p, u in table.items() if u == unit_id
        )
