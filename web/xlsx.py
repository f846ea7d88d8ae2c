"""An Excel workbook (.xlsx) written as it is sent: one sheet of rows, streamed.

A workbook is a ZIP archive of XML parts. The sheet's part is deflated into the archive a
few hundred rows at a time and each piece of the archive is handed on as soon as it is
written (`zipfile` writes entries with data descriptors when its file cannot seek), so a
download of the whole country's list starts at once and holds no more than a chunk in
memory, as the CSV twin does. openpyxl's write-only workbook, used before, built the whole
file before sending its first byte (20,000 rows took 3-9 s on a loaded machine; 100,000,
some 40 s of nothing moving on the reader's screen).

What the sheet holds: texts as inline strings (never a formula, whatever they start
with), whole and decimal numbers as numbers, dates as dates (a serial day number in a
yyyy-mm-dd format), booleans as the words true and false, times with their offset as
ISO text (Excel has no time zones); the header row bold and frozen.
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr

_ROWS_PER_PIECE = 500
_EPOCH = date(1899, 12, 30)  # Excel's day 0 (its 1900 leap-year bug included)
# Characters XML 1.0 cannot hold (a text keeps the rest).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPES}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_TYPES}.worksheet+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_TYPES}.styles+xml"/></Types>'
)
_ROOT_RELATIONS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<Relationships xmlns="{_PACKAGE}"><Relationship Id="rId1" '
    f'Type="{_RELATIONS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_BOOK_RELATIONS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<Relationships xmlns="{_PACKAGE}">'
    f'<Relationship Id="rId1" Type="{_RELATIONS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_RELATIONS}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
# Cell styles: 0 plain, 1 a date (yyyy-mm-dd), 2 the bold header.
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<worksheet xmlns="{_MAIN}"><sheetViews><sheetView workbookViewId="0">'
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    "</sheetView></sheetViews><sheetData>"
)
_SHEET_TAIL = "</sheetData></worksheet>"


class _Pieces:
    """Where the archive writes: kept until taken (an unseekable file to `zipfile`)."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self._parts = b"".join(self._parts), []
        return data


def column_letters(index: int) -> str:
    """A column's letters from its 0-based index: A, …, Z, AA, …"""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _text(ref: str, value: str, style: str = "") -> str:
    shown = _NOT_XML.sub("", value)
    return f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{escape(shown)}</t></is></c>'


def _cell(ref: str, value: Any) -> str:
    """One cell of a data row (an empty string for no value)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _text(ref, "true" if value else "false")
    if isinstance(value, datetime):
        return _text(ref, value.isoformat())  # an instant with its offset
    if isinstance(value, date):
        return f'<c r="{ref}" s="1"><v>{(value - _EPOCH).days}</v></c>'
    if isinstance(value, int):
        return f'<c r="{ref}"><v>{value}</v></c>'
    if isinstance(value, float) and math.isfinite(value):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    return _text(ref, str(value))


def workbook(
    rows: Iterable[dict[str, Any]], columns: Sequence[str], sheet_title: str
) -> Iterator[bytes]:
    """The bytes of an .xlsx of `rows` under a header of `columns`, as they are written."""
    letters = [column_letters(i) for i in range(len(columns))]
    out = _Pieces()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", _CONTENT_TYPES)
        book.writestr("_rels/.rels", _ROOT_RELATIONS)
        book.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELATIONS}"><sheets>'
            f'<sheet name={quoteattr(sheet_title)} sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        book.writestr("xl/_rels/workbook.xml.rels", _BOOK_RELATIONS)
        book.writestr("xl/styles.xml", _STYLES)
        with book.open("xl/worksheets/sheet1.xml", "w") as sheet:
            header = "".join(
                _text(f"{letter}1", name, ' s="2"') for letter, name in zip(letters, columns)
            )
            sheet.write(f'{_SHEET_HEAD}<row r="1">{header}</row>'.encode())
            yield from _ready(out)
            piece: list[str] = []
            for number, row in enumerate(rows, 2):
                cells = "".join(
                    _cell(f"{letter}{number}", row.get(name))
                    for letter, name in zip(letters, columns)
                )
                piece.append(f'<row r="{number}">{cells}</row>')
                if len(piece) == _ROWS_PER_PIECE:
                    sheet.write("".join(piece).encode())
                    piece = []
                    yield from _ready(out)
            sheet.write(("".join(piece) + _SHEET_TAIL).encode())
    yield from _ready(out)


def _ready(out: _Pieces) -> Iterator[bytes]:
    """What the archive has written since last asked (nothing while deflate gathers)."""
    data = out.take()
    if data:
        yield data
