"""The digest's .xlsx cell for cell: every value and every look, held to a file of expectations.

`digest/xlsx.py` writes the sheet the fast way (write-only, a named style per look); this
test is what lets it change how it writes without changing what the editor opens. The
expectations in `data/digest_xlsx_*.json` were taken from the sheet as it was written
cell by cell (each cell given its font, border and alignment), before the fast way.
Regenerate them only for a change the editor should see: `TINBAI_WRITE_GOLDEN=1`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from digestkit import set_key
from openpyxl import load_workbook
from openpyxl.cell.read_only import ReadOnlyCell

pytestmark = pytest.mark.integration

DATA = Path(__file__).parent / "data"


def _colour(colour: Any) -> str | None:
    return None if colour is None else f"{colour.type}:{colour.value}"


def _look(cell: ReadOnlyCell, styles: list[str]) -> dict[str, Any]:
    font, fill, border, align = cell.font, cell.fill, cell.border, cell.alignment
    return {
        "style": styles[cell.style_array.xfId],
        "font": [font.name, font.sz, font.b, font.i, font.u, _colour(font.color)],
        "fill": [fill.fill_type, _colour(fill.fgColor), _colour(fill.bgColor)],
        "border": [
            [side.style, _colour(side.color)]
            for side in (border.left, border.right, border.top, border.bottom)
        ],
        "alignment": [align.horizontal, align.vertical, align.wrap_text, align.indent],
        "number_format": cell.number_format,
    }


def workbook_facts(path: Path) -> dict[str, Any]:
    """What an editor sees of the sheet: values, looks, merges, folds, widths, print setup.

    Cells are read as the file holds them (read-only: a normal load rebuilds the inner
    cells of a merged range from its first cell, hiding what was written there).
    """
    stored = load_workbook(path, read_only=True)
    styles = stored.named_styles
    cells = {
        cell.coordinate: {"value": cell.value, "type": cell.data_type, **_look(cell, styles)}
        for row in stored.active.iter_rows()  # type: ignore[union-attr]
        for cell in row
        if isinstance(cell, ReadOnlyCell) and (cell.value is not None or cell.has_style)
    }
    stored.close()
    sheet = load_workbook(path).active
    assert sheet is not None
    return {
        "title": sheet.title,
        "dimensions": sheet.dimensions,
        "cells": cells,
        "merged": sorted(str(r) for r in sheet.merged_cells.ranges),
        "outline": {
            str(i): d.outline_level
            for i, d in sorted(sheet.row_dimensions.items())
            if d.outline_level
        },
        "widths": {k: d.width for k, d in sorted(sheet.column_dimensions.items())},
        "freeze": sheet.freeze_panes,
        "print_titles": sheet.print_title_rows,
        "orientation": sheet.page_setup.orientation,
        "fit_to_width": sheet.page_setup.fitToWidth,
        "fit_to_page": sheet.sheet_properties.pageSetUpPr.fitToPage,
    }


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_digest_sheet_is_cell_for_cell_the_expected_one(run, quarter, tmp_path, language):
    if language == "en":
        set_key(quarter, "language", '"en"')
    path = tmp_path / "digest.xlsx"
    run("digest", "--preview", path, "--as-of", "2020-05-15")
    facts = json.loads(json.dumps(workbook_facts(path)))  # as the file holds them
    golden = DATA / f"digest_xlsx_{language}.json"
    if os.environ.get("TINBAI_WRITE_GOLDEN"):
        golden.write_text(json.dumps(facts, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    assert facts == json.loads(golden.read_text(encoding="utf-8"))
