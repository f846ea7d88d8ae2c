"""Reading an import file, one certificate (or result) a row under a header row.

The files people keep: CSV in UTF-8 or in Windows-1251 (what Excel saves in Russian and
Kyrgyz locales; detected by charset-normalizer unless the encoding is given, and only
between those two), or an Excel workbook (.xlsx, its first sheet, read as a stream by
openpyxl; dates and numbers become the same text a CSV would hold). Two layouts are
accepted, told apart by the header (any column order, any case):
legacy certificates, the fields of `POST /certificates/legacy`; and programme results
(`programme_id, pin, passed, assessed_on, number, issued_on`, optionally `score`).
Whatever is wrong with the file as a whole (encoding, header, emptiness) is an
`ImportFileError`; whatever is wrong with one row is reported on that row alone.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from registry.domain.dates import parse_date
from registry.domain.errors import InvalidInputError

LEGACY = "legacy_certificates"
RESULTS = "programme_results"
COLUMNS = {
    LEGACY: ("pin", "number", "provider_code", "title", "form", "hours", "issued_on"),
    RESULTS: ("programme_id", "pin", "passed", "assessed_on", "number", "issued_on"),
}
OPTIONAL = {LEGACY: (), RESULTS: ("score",)}
ENCODINGS = ("auto", "utf-8", "windows-1251")
XLSX_MAGIC = b"PK\x03\x04"  # a ZIP archive, as every .xlsx is
# An .xlsx is compressed: its sheets may unpack to far more than the upload's size. What
# a 5 MB CSV holds fits in this; more is refused before anything is unpacked.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
TRUE = ("true", "yes", "1", "passed", "pass")
FALSE = ("false", "no", "0", "failed", "fail")


class ImportFileError(InvalidInputError):
    """The file as a whole cannot be imported (nothing was recorded)."""

    code = "invalid_import_file"


class RowError(Exception):
    """What is wrong with one row's values."""

    def __init__(self, message: str, code: str, field: str | None = None):
        super().__init__(message)
        self.message, self.code, self.field = message, code, field


@dataclass
class Row:
    """One data row: its line, typed values, and the key that recognises it again."""

    line: int
    values: dict[str, Any] = field(default_factory=dict)
    error: RowError | None = None
    key: str = ""


@dataclass
class ImportFile:
    """A readable import file: its layout, how many rows of data it has, and those rows,
    parsed anew as they are read (`rows()`): a file of any size is held as its text (or
    workbook), never as a list of parsed rows, so an import's memory does not grow with it."""

    kind: str
    columns: tuple[str, ...]
    total: int  # rows of data (blank lines aside)
    records: Callable[[], Iterator[tuple[int, list[str]]]] = field(repr=False)

    def rows(self) -> Iterator[Row]:
        """The rows of data in file order, each parsed when reached."""
        return _rows(self.records(), self.kind, list(self.columns))


def decode(source: str | bytes | IO, encoding: str = "auto") -> str:
    """The text of a CSV source, in UTF-8 or Windows-1251 (`encoding`, or detected)."""
    if hasattr(source, "read"):
        source = source.read()
    if isinstance(source, str):
        return source.lstrip("\ufeff")
    if not isinstance(source, (bytes, bytearray, memoryview)):
        raise ImportFileError("An import is CSV text or an .xlsx workbook.", code="not_csv")
    if encoding not in ENCODINGS:
        raise ImportFileError(
            f"Unknown encoding {encoding!r}: choose one of {', '.join(ENCODINGS)}.",
            code="unknown_encoding",
            field="encoding",
        )
    data = bytes(source)
    if encoding in ("auto", "utf-8"):
        try:
            return data.decode("utf-8").lstrip("\ufeff")  # a BOM some spreadsheets write
        except UnicodeDecodeError as error:
            if encoding == "utf-8" or _mostly_utf8(data):
                raise ImportFileError(
                    f"The file is not UTF-8 text (byte 0x{data[error.start]:02x} at position "
                    f'{error.start} is not valid UTF-8); save it as "CSV UTF-8", or choose '
                    "Windows-1251, and import it again.",
                    code="not_utf8",
                ) from None
    if encoding == "auto":
        from charset_normalizer import from_bytes

        if from_bytes(data, cp_isolation=["cp1251"]).best() is None:
            raise ImportFileError(
                'The file is neither UTF-8 nor Windows-1251 text; save it as "CSV UTF-8" '
                "(or an Excel workbook, .xlsx) and import it again.",
                code="unknown_encoding",
            )
    try:
        return data.decode("cp1251")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            f"The file is not Windows-1251 text (byte 0x{data[error.start]:02x} at position "
            f"{error.start}).",
            code="not_windows_1251",
        ) from None


def _mostly_utf8(data: bytes) -> bool:
    """Whether text that is not valid UTF-8 is UTF-8 all the same, with a few damaged
    bytes: it has at least as many well-formed non-ASCII letters as bad bytes. Read as
    Windows-1251 instead, its letters would be recorded garbled, for good; Windows-1251
    text read as UTF-8 is nearly all bad bytes (its Cyrillic bytes rarely pair up)."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    return sum(1 for ch in text if ord(ch) > 127) - bad >= bad


def read(source: str | bytes | IO, encoding: str = "auto") -> ImportFile:
    """Parse an import file's header and count its rows (CSV or .xlsx); raises
    ImportFileError if it cannot be imported at all."""
    if hasattr(source, "read"):
        source = source.read()
    if isinstance(source, (bytes, bytearray, memoryview)) and bytes(source[:4]) == XLSX_MAGIC:
        workbook, text = bytes(source), ""
    else:
        workbook, text = b"", decode(source, encoding)

    def records() -> Iterator[tuple[int, list[str]]]:  # read again for the count and the rows
        return _xlsx_records(workbook) if workbook else _csv_records(text)

    header_line, header = 0, None
    for line, record in records():
        if any(cell.strip() for cell in record):
            header_line, header = line, [cell.strip().lower() for cell in record]
            while header and header[-1] == "":  # empty columns saved after the data
                header.pop()
            break
    if header is None:
        raise ImportFileError(
            "The file is empty: expected a header row and at least one row of data.",
            code="empty_file",
        )
    kind = layout(header)

    def data() -> Iterator[tuple[int, list[str]]]:
        return ((line, record) for line, record in records() if line > header_line)

    total = sum(1 for _line, record in data() if any(cell.strip() for cell in record))
    if not total:
        raise ImportFileError(
            f"The file has a header (line {header_line}) but no rows of data.", code="empty_file"
        )
    return ImportFile(kind=kind, columns=tuple(header), total=total, records=data)


def _csv_records(text: str) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record with the line it starts on, the text read a line at a time (no
    copy of it whole: a big file is held once, as its text)."""
    first = re.search(r"\S[^\r\n]*", text)
    if first is None:
        return
    # Spreadsheets in Russian and Kyrgyz locales save CSV with semicolons.
    delimiter = ";" if first.group().count(";") > first.group().count(",") else ","
    lines = (found.group() for found in _LINE.finditer(text))
    reader = csv.reader(lines, delimiter=delimiter)
    line = 0
    for record in reader:
        if reader.line_num > line + 1:  # a quoted value ran over lines
            record = _Spanning(record, line + 1, reader.line_num)
        yield line + 1, record
        line = reader.line_num


class _Spanning(list):
    """A CSV record whose quoted value ran over lines: in a file of one certificate per
    line, an unclosed quote that swallowed the lines after it, which must be reported,
    not recorded as one row with the others in its title."""

    def __init__(self, record: list[str], first: int, last: int):
        super().__init__(record)
        self.first, self.last = first, last


# A line with its ending (as a file opened with newline="" gives them), or the last one.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def _xlsx_records(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """Each row of the workbook's first sheet with its row number, cells as text."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(item.file_size for item in archive.infolist())
        if unpacked > MAX_UNPACKED_BYTES:
            raise ImportFileError(
                f"The workbook unpacks to {unpacked // 2**20} MB, more than the "
                f"{MAX_UNPACKED_BYTES // 2**20} MB an import may hold; split it.",
                code="file_too_large",
            )
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ImportFileError:
        raise
    except Exception:  # a damaged archive, or a ZIP that is no workbook
        raise ImportFileError(
            "The file is not a readable Excel workbook (.xlsx); save it again from Excel, "
            'or as "CSV UTF-8".',
            code="not_xlsx",
        ) from None
    try:
        sheet = book.worksheets[0]
        for row in sheet.iter_rows():
            numbers = [n for n in (getattr(cell, "row", None) for cell in row) if n is not None]
            if not numbers:
                continue  # an empty row (no line number to report; nothing to import)
            yield numbers[0], _xlsx_texts(row)
    finally:
        book.close()


def _xlsx_texts(row: Iterable[Any]) -> list[str]:
    """Cells as the text a CSV saved from the same sheet would hold."""
    texts = []
    for cell in row:
        value = getattr(cell, "value", None)
        if value is None:
            texts.append("")
        elif isinstance(value, bool):
            texts.append("true" if value else "false")
        elif isinstance(value, datetime):
            midnight = (value.hour, value.minute, value.second, value.microsecond) == (0,) * 4
            texts.append(value.date().isoformat() if midnight else value.isoformat())
        elif isinstance(value, date):
            texts.append(value.isoformat())
        elif isinstance(value, float) and value.is_integer():
            texts.append(str(int(value)))
        else:
            texts.append(str(value))
    return texts


def layout(header: list[str]) -> str:
    """Which layout a header names; an unknown or incomplete header is refused."""
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise ImportFileError(f"The header repeats {', '.join(duplicates)}.", code="unknown_header")
    given = set(header)
    for kind, columns in COLUMNS.items():
        if given - set(OPTIONAL[kind]) == set(columns):
            return kind
    kind = max(COLUMNS, key=lambda k: len(given & set(COLUMNS[k])))
    unknown = [name for name in header if name not in COLUMNS[kind] + OPTIONAL[kind]]
    missing = [name for name in COLUMNS[kind] if name not in given]
    details = "; ".join(
        part
        for part in (
            f"unknown column{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}"
            if unknown
            else "",
            f"missing: {', '.join(missing)}" if missing else "",
        )
        if part
    )
    raise ImportFileError(
        f"Unknown header ({details}). Expected the columns of legacy certificates "
        f"({', '.join(COLUMNS[LEGACY])}) or of programme results "
        f"({', '.join(COLUMNS[RESULTS])}[, score]).",
        code="unknown_header",
    )


def _rows(records: Iterator[tuple[int, list[str]]], kind: str, header: list[str]) -> Iterator[Row]:
    for first, record in records:
        if not any(cell.strip() for cell in record):
            continue
        row = Row(line=first)
        if isinstance(record, _Spanning):
            row.error = RowError(
                f"a quoted value runs from line {record.first} to line {record.last} "
                "(a quote left open?): lines in between are part of it; close the quote, "
                'or write a quote inside a value as ""',
                "line_break_in_value",
            )
            yield row
            continue
        if len(record) > len(header) and not any(cell.strip() for cell in record[len(header) :]):
            record = record[: len(header)]
        if len(record) != len(header):
            row.error = RowError(
                f"expected {len(header)} values, found {len(record)}", "wrong_value_count"
            )
        else:
            texts = {name: cell.strip() for name, cell in zip(header, record)}
            try:
                row.values = (_legacy if kind == LEGACY else _result)(texts)
            except RowError as error:
                row.error = error
            row.key = row_key(kind, row.values)
        yield row


def row_key(kind: str, values: dict[str, Any]) -> str:
    """A digest of a row's meaning: the same certificate written again has the same key."""
    canonical = json.dumps(
        [kind, sorted((k, str(v)) for k, v in values.items())], ensure_ascii=False
    )
    return "csv-row:" + hashlib.sha256(canonical.encode()).hexdigest()[:40]


def _legacy(texts: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: texts[name] for name in ("pin", "number", "provider_code", "title")
    }
    for name in ("pin", "number", "provider_code", "title", "form", "hours", "issued_on"):
        if not texts[name]:
            raise RowError(f"{name} is empty", "required", name)
    values["form"] = texts["form"].lower()
    values["hours"] = _whole(texts["hours"], "hours")
    values["issued_on"] = _date(texts["issued_on"], "issued_on")
    return values


def _result(texts: dict[str, str]) -> dict[str, Any]:
    for name in ("programme_id", "pin"):
        if not texts[name]:
            raise RowError(f"{name} is empty", "required", name)
    values: dict[str, Any] = {"programme_id": texts["programme_id"], "pin": texts["pin"]}
    passed = texts["passed"].lower()
    if passed and passed not in TRUE + FALSE:
        raise RowError(
            f"passed must be true or false, not {texts['passed']!r}", "invalid_passed", "passed"
        )
    values["passed"] = (passed in TRUE) if passed else None
    values["assessed_on"] = (
        _date(texts["assessed_on"], "assessed_on") if texts["assessed_on"] else None
    )
    if (values["passed"] is None) != (values["assessed_on"] is None):
        missing = "assessed_on" if values["assessed_on"] is None else "passed"
        raise RowError(
            f"an assessment needs both passed and assessed_on; {missing} is empty",
            "incomplete_assessment",
            missing,
        )
    values["number"] = texts["number"] or None
    values["issued_on"] = _date(texts["issued_on"], "issued_on") if texts["issued_on"] else None
    if (values["number"] is None) != (values["issued_on"] is None):
        missing = "issued_on" if values["issued_on"] is None else "number"
        raise RowError(
            f"a certificate needs both number and issued_on; {missing} is empty",
            "incomplete_certificate",
            missing,
        )
    if values["number"] is not None and values["passed"] is False:
        raise RowError(
            "a failed assessment gets no certificate; leave number and issued_on empty",
            "certificate_without_pass",
            "number",
        )
    if values["passed"] is None and values["number"] is None:
        raise RowError(
            "the row records nothing: give passed and assessed_on, or number and issued_on",
            "empty_result",
        )
    score = texts.get("score", "")
    values["score"] = _score(score) if score else None
    return values


def _whole(text: str, name: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise RowError(
            f"{name} must be a whole number, not {text!r}", f"invalid_{name}", name
        ) from None


def _score(text: str) -> float:
    try:
        return float(text.replace(",", "."))
    except ValueError:
        raise RowError(f"score must be a number, not {text!r}", "invalid_score", "score") from None


def _date(text: str, name: str) -> date:
    try:
        return parse_date(text)
    except ValueError:
        raise RowError(
            f"{name} must be a date written YYYY-MM-DD, not {text!r}", "invalid_date", name
        ) from None
