"""How the CLI fits its output to the terminal: tables cut long cells with "…", text wraps.

The width is the terminal's (`COLUMNS`, else 80 when the output is not a terminal). Every
table and long text of `report`, `submissions list`, `unmapped`, `senders list` and
`explain` fits it; `--wide` prints every cell and line whole, however long.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import click
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from texts import view

F = TypeVar("F", bound=Callable[..., Any])

WIDE = 100_000  # no terminal is this wide: nothing is cut or wrapped

wide_option: Callable[[F], F] = click.option(
    "--wide", is_flag=True, help="Print every cell whole, however wide the lines get."
)


def console(*, wide: bool) -> Console:
    """A console as wide as the terminal, or (``wide``) one that cuts and wraps nothing."""
    return Console(highlight=False, width=WIDE if wide else None)


class FittedTable(Table):
    """A table whose ``shorten`` columns end in "…" when the terminal is too narrow.

    Only those columns give up width: every other one (numbers, dates, ids) keeps its whole
    width and never wraps. With ``wide`` nothing is cut.
    """

    def __init__(
        self,
        *headers: str,
        wide: bool,
        shorten: Sequence[str] = (),
        at_most: Mapping[str, int] | None = None,
        **options: Any,
    ) -> None:
        # No vertical rules and one shared space of padding: two columns between cells.
        look: dict[str, Any] = {"box": box.SIMPLE_HEAD, "collapse_padding": True, "pad_edge": False}
        super().__init__(**(look | options))
        self._cut = [header in shorten and not wide for header in headers]
        for header, cut in zip(headers, self._cut, strict=True):
            # A cut column stays wrappable, so that rich narrows it (and only it) to fit;
            # its cells themselves never wrap (see add_row).
            self.add_column(
                Text(header, no_wrap=True, overflow="ellipsis"),
                no_wrap=not cut,
                min_width=8 if cut else None,
                max_width=(at_most or {}).get(header) if cut else None,
            )

    def add_row(self, *cells: Any, **options: Any) -> None:
        """A row; a cell is a plain string (never read as markup) or a styled `Text`."""
        super().add_row(*(self._cell(i, cell) for i, cell in enumerate(cells)), **options)

    def _cell(self, column: int, cell: Any) -> Any:
        if isinstance(cell, str):
            cell = Text(cell)
        if isinstance(cell, Text) and column < len(self._cut) and self._cut[column]:
            cell.no_wrap, cell.overflow = True, "ellipsis"
        return cell


def wrapped(text: str, *, wide: bool, width: int | None = None) -> str:
    """``text`` with each long line wrapped under its own indent (and its label, if any)."""
    if wide:
        return text
    width = width or Console().width
    lines: list[str] = []
    for line in text.splitlines():
        if len(line) <= width:
            lines.append(line)
            continue
        body = line.lstrip(" ")
        indent = " " * (len(line) - len(body) + _label(body))
        lines.extend(
            textwrap.wrap(
                line,
                width=width,
                subsequent_indent=indent if len(indent) < width // 2 else "    ",
                break_long_words=True,
                break_on_hyphens=False,
            )
        )
    return "\n".join(lines)


def _label(body: str) -> int:
    """The width of a leading "label:   " (as `explain` writes its facts), else 2."""
    head, sep, rest = body.partition(":")
    if sep and head and " " not in head.strip() and len(head) < 12:
        return len(head) + 1 + len(rest) - len(rest.lstrip(" "))
    return 2


def cli_words(language: str) -> Mapping[str, str]:
    """The words of the admin's CLI tables (``cli.*`` in the catalogue), by their short name."""
    return view(language, (("cli.", ""),))
