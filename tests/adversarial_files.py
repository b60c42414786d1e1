"""Hand-built hostile spreadsheet files for the reader-limit and fuzz tests (issue 7).

openpyxl refuses to write what an attacker writes (a cell beyond Excel's grid, a lying
`<dimension>`, a zip member whose declared size is false), so these workbooks are
assembled part by part, as small as a real attack file is.
"""

from __future__ import annotations

import io
import re
import zipfile
from xml.sax.saxutils import escape

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def _split(ref: str) -> tuple[str, int]:
    letters, digits = re.fullmatch(r"([A-Z]+)(\d+)", ref).groups()
    return letters, int(digits)


def column_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_xml(ref: str, value) -> str:
    if value is None:
        return f'<c r="{ref}"/>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    if isinstance(value, str) and value.startswith("="):
        return f'<c r="{ref}"><f>{escape(value[1:])}</f><v>0</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'


def sheet_xml(cells: dict[str, object], dimension: str | None = None) -> str:
    rows: dict[int, list[str]] = {}
    for ref, value in cells.items():
        rows.setdefault(_split(ref)[1], []).append(cell_xml(ref, value))
    body = "".join(f'<row r="{r}">{"".join(rows[r])}</row>' for r in sorted(rows))
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{dim}<sheetData>{body}</sheetData></worksheet>"
    )


def header_cells(headers, row: int = 1) -> dict[str, object]:
    return {f"{column_letters(j)}{row}": h for j, h in enumerate(headers)}


def xlsx_bytes(cells: dict[str, object] | None = None, *, dimension: str | None = None,
               sheet: str | None = None, extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal workbook whose first sheet holds `cells` (A1-style reference -> value),
    or the literal `sheet` XML."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("_rels/.rels", ROOT_RELS)
        zf.writestr("xl/workbook.xml", WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        zf.writestr("xl/worksheets/sheet1.xml", sheet if sheet is not None else sheet_xml(cells or {}, dimension))
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buffer.getvalue()


def far_cell_xlsx(ref: str, value="x", headers=("A", "B", "C", "D", "E")) -> bytes:
    """Issue 7 rows 1 and 2: a header row and one cell far away, in about 1.7 KB."""
    cells = header_cells(headers)
    cells[ref] = value
    return xlsx_bytes(cells)


def bomb_xlsx(uncompressed_mb: int = 200) -> bytes:
    """A workbook whose sheet inflates to `uncompressed_mb` MB of repeated markup from a
    few hundred kilobytes: a zip bomb of modest real size."""
    head = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>household_id</t></is></c></row>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("_rels/.rels", ROOT_RELS)
        zf.writestr("xl/workbook.xml", WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            member.write(head.encode())
            filler = b"<!-- padding -->" * 65536
            for _ in range(uncompressed_mb):
                member.write(filler)
            member.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def lying_size_xlsx(cells: dict[str, object], declared: int = 100) -> bytes:
    """A workbook whose sheet's zip entry claims to inflate to `declared` bytes while it
    really inflates to more (the sizes in both the local header and the directory lie)."""
    real = xlsx_bytes(cells)
    data = bytearray(real)
    with zipfile.ZipFile(io.BytesIO(real)) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    true_size = info.file_size.to_bytes(4, "little")
    lie = declared.to_bytes(4, "little")
    # The uncompressed size sits at offset 22 of the local header and 24 of the central one.
    local = info.header_offset
    assert data[local + 22:local + 26] == true_size
    data[local + 22:local + 26] = lie
    central = data.rfind(b"PK\x01\x02xl/worksheets/sheet1.xml"[:4])
    while central != -1:
        name_len = int.from_bytes(data[central + 28:central + 30], "little")
        if data[central + 46:central + 46 + name_len] == b"xl/worksheets/sheet1.xml":
            data[central + 24:central + 28] = lie
            break
        central = data.rfind(b"PK\x01\x02", 0, central)
    return bytes(data)
