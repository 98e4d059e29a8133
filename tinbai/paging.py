"""Where one page of a long list sits: its number, how many pages, how many rows in all.

A page is asked for by number and placed once the list's length is known, so a number
past the end reads the last page with one query, not a first one that comes back empty.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Page:
    """Page ``number`` (from 1) of ``size`` rows, in a list ``total`` long; no size: one page."""

    number: int = 1
    size: int | None = None
    total: int = 0

    def of(self, total: int) -> Page:
        """This page in a list ``total`` long: past the end, the last page."""
        placed = replace(self, total=total)
        return replace(placed, number=max(1, min(self.number, placed.pages)))

    @property
    def pages(self) -> int:
        return 1 if not self.size else max(1, -(-self.total // self.size))

    @property
    def start(self) -> int:
        return 0 if not self.size else (self.number - 1) * self.size

    @property
    def end(self) -> int | None:
        return None if not self.size else self.start + self.size


WHOLE = Page()  # the whole list on one page
