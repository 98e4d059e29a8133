"""The progress table as .xlsx, laid out like the plan's table (section II.3).

Rows follow the plan: one numbered row per group (a lone unit stands for its
group, as "Lãnh đạo" does), its units beneath (outlined, so they fold away),
then the total. Columns: news, articles, photos, each with quota, received and
percent. Values only, no formulas: the sheet shows what the digest says.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from classify.message import KINDS
from digest.i18n import format_date, labels, quantity
from digest.progress import GroupProgress, PlanProgress, Standing, UnitProgress

_THIN = Side(style="thin", color="9CA3AF")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DBEAFE")
_GROUP_FILL = PatternFill("solid", fgColor="F1F5F9")
_TONE = {
    "done": "15803D",
    "on-pace": "1D4ED8",
    "behind": "B45309",
    "nothing-yet": "B91C1C",
    "no-quota": "6B7280",
}
FIRST_KIND_COLUMN = 3  # A: number, B: unit, then three columns per kind


def progress_workbook(progress: PlanProgress, *, language: str, notes: Mapping[str, str]) -> bytes:
    t = labels(language)
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = t["sheet"]
    status_col = FIRST_KIND_COLUMN + 3 * len(KINDS)
    last_col = status_col + 1
    sheet.append(
        [t["xlsx_title"].format(title=progress.title, date=format_date(progress.as_of, language))]
    )
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last_col)
    sheet["A1"].font = Font(bold=True, size=13)
    _header(sheet, t, status_col)
    styles = _Styles(book)
    row = 4
    units_of: dict[str, list[UnitProgress]] = defaultdict(list)
    for unit in progress.units:
        units_of[unit.group].append(unit)
    for number, group in enumerate(progress.groups, start=1):
        members = units_of[group.id]
        if len(members) == 1 and all(q is None for q in group.quota.values()):
            unit = members[0]  # a lone unit is its group's row, as "Lãnh đạo" is in the plan
            note = notes.get(unit.id) or notes.get(group.id, "")
            _line(
                sheet,
                row,
                Row(str(number), _name(unit, language), unit.counts, unit.standing, note),
                t,
                styles,
            )
            row += 1
            continue
        note = "; ".join(n for n in (_minimum_note(group, language), notes.get(group.id, "")) if n)
        _line(
            sheet,
            row,
            Row(str(number), _name(group, language), group.counts, group.standing, note),
            t,
            styles,
        )
        for col in range(1, last_col + 1):
            sheet.cell(row=row, column=col).fill = _GROUP_FILL
        row += 1
        for unit in members:
            member = Row(
                "", "  " + _name(unit, language), unit.counts, unit.standing, notes.get(unit.id, "")
            )
            _line(sheet, row, member, t, styles, bold=False)
            sheet.row_dimensions[row].outline_level = 1
            row += 1
    _line(sheet, row, Row("", t["total_row"], progress.totals, progress.standing, ""), t, styles)
    for col in range(1, last_col + 1):
        sheet.cell(row=row, column=col).fill = _HEAD_FILL
    _widths(sheet, status_col)
    sheet.freeze_panes = "C4"
    sheet.print_title_rows = "2:3"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _header(sheet: Worksheet, t: Mapping[str, str], status_col: int) -> None:
    top: list[object] = [t["col.no"], t["col.unit"]]
    sub: list[object] = ["", ""]
    for kind in KINDS:
        top += [t[kind], "", ""]
        sub += [t["col.quota"], t["col.count"], t["col.percent"]]
    top += [t["col.status"], t["col.note"]]
    sub += ["", ""]
    sheet.append(top)
    sheet.append(sub)
    for col in (1, 2, status_col, status_col + 1):
        sheet.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
    for i in range(len(KINDS)):
        first = FIRST_KIND_COLUMN + 3 * i
        sheet.merge_cells(start_row=2, start_column=first, end_row=2, end_column=first + 2)
    for r in (2, 3):
        for cell in sheet[r]:
            cell.font = Font(bold=True)
            cell.fill = _HEAD_FILL
            cell.border = _BORDER
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


@dataclass(frozen=True)
class Row:
    number: str
    name: str
    counts: Mapping[str, int]
    standing: Standing
    note: str


class _Styles:
    """The body cells' few looks, each a named style made once per workbook.

    Setting a cell's font, border and alignment one by one makes openpyxl hash each
    new style object against the workbook's: 12 of the 15 seconds of a 2,500-unit
    sheet. Each look is registered once as a named style; a cell takes a copy of its
    style array (the ids of its font, border, alignment and format), as openpyxl's own
    `cell.style = name` does, without looking the name up in the list of styles each time.
    A row's looks depend only on its weight and status: made once per pair.

    Each body cell is made with its style array and added to the sheet directly, not
    through `sheet.cell()`: ~0.05 s of 2,541 rows. openpyxl's write-only mode was tried
    and is slower for styled cells (its `append` makes every styled cell twice and
    raises and catches an error per cell: 0.50 s against 0.42 s), so the sheet is the
    ordinary one; tests/digest/test_digest_xlsx.py holds it cell for cell.
    """

    def __init__(self, book: Workbook) -> None:
        self.book = book
        self.made: dict[tuple[bool, bool, bool, str], StyleArray] = {}
        self.rows: dict[tuple[bool, str], tuple[StyleArray, ...]] = {}

    def row(self, *, bold: bool, status: str, columns: int) -> tuple[StyleArray, ...]:
        """The look of each column of a row: name and note wrap, percentages, status in its tone."""
        key = (bold, status)
        if key not in self.rows:
            percent_cols = {FIRST_KIND_COLUMN + 3 * i + 2 for i in range(len(KINDS))}
            self.rows[key] = tuple(
                self.array(
                    bold=bold,
                    wrap=col in (2, columns),
                    percent=col in percent_cols,
                    tone=_TONE[status] if col == columns - 1 else "",
                )
                for col in range(1, columns + 1)
            )
        return self.rows[key]

    def array(
        self, *, bold: bool, wrap: bool = False, percent: bool = False, tone: str = ""
    ) -> StyleArray:
        key = (bold, wrap, percent, tone)
        if key not in self.made:
            name = f"tinbai {'bold' if bold else 'plain'}{' wrap' if wrap else ''}"
            name += f"{' percent' if percent else ''}{f' {tone}' if tone else ''}"
            style = NamedStyle(name=name)
            style.border = _BORDER
            style.font = Font(bold=bold, color=tone or None)
            style.alignment = Alignment(vertical="top", wrap_text=wrap)
            if percent:
                style.number_format = "0%"
            self.book.add_named_style(style)
            self.made[key] = style.as_tuple()
        return self.made[key]


def _line(
    sheet: Worksheet,
    row: int,
    line: Row,
    t: Mapping[str, str],
    styles: _Styles,
    *,
    bold: bool = True,
) -> None:
    number, counts, standing = line.number, line.counts, line.standing
    values: list[int | float | str | None] = [int(number) if number else None, line.name]
    for kind in KINDS:
        pct = standing.percent[kind]
        values += [standing.target[kind], counts[kind], None if pct is None else pct / 100]
    values += [t[f"status.{standing.status}"], line.note or None]
    looks = styles.row(bold=bold, status=standing.status, columns=len(values))
    for col, (value, look) in enumerate(zip(values, looks, strict=True), start=1):
        # The cell takes a copy of its look's style array (see _Styles) as it is made.
        sheet._add_cell(Cell(sheet, row=row, column=col, value=value, style_array=look))  # type: ignore[attr-defined]


def _widths(sheet: Worksheet, status_col: int) -> None:
    sheet.column_dimensions["A"].width = 5
    sheet.column_dimensions["B"].width = 44
    for col in range(FIRST_KIND_COLUMN, status_col):
        sheet.column_dimensions[get_column_letter(col)].width = 9
    sheet.column_dimensions[get_column_letter(status_col)].width = 18
    sheet.column_dimensions[get_column_letter(status_col + 1)].width = 48


def _name(item: UnitProgress | GroupProgress, language: str) -> str:
    return (item.name_en or item.name) if language == "en" else item.name


def _minimum_note(group: GroupProgress, language: str) -> str:
    wanted: Sequence[str] = [
        quantity(need, k, language) for k in KINDS if (need := group.member_minimum[k]) is not None
    ]
    return labels(language)["member_minimum_note"].format(items=", ".join(wanted)) if wanted else ""
