"""Table downloads, one way for the API and the pages alike: CSV, and its Excel twin.

Ministry and provider staff open these in Excel. CSV is UTF-8 with a byte-order mark (so
Excel reads Cyrillic); `.xlsx` (`web.xlsx`) keeps dates as dates and numbers as numbers.
Both stream: the rows are read and written as the answer is sent, so a download of the
whole country starts at once. Either way a text is never run as a formula (CSV: a
leading apostrophe; `.xlsx`: a text cell). The event log's export also comes as JSON Lines (`jsonl_stream`).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from flask import Response

from web.xlsx import workbook

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_NUMERIC = re.compile(r"^[+-]?\d+(\.\d+)?$")
_CHUNK_ROWS = 500


def download(
    rows: Iterable[dict[str, Any]], columns: Sequence[str], stem: str, fmt: str = "csv"
) -> Response:
    """Rows as `stem.csv` or `stem.xlsx`, with a header row of `columns`."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown download format {fmt!r}")
    # Both stream: the rows are read as the answer is sent, so they must not need the
    # request (a caller passes what it needs, as the pseudonymised download does).
    body: Any = _csv(rows, columns) if fmt == "csv" else workbook(rows, columns, _sheet_title(stem))
    # content_type, not mimetype: Flask adds a charset to a text mimetype (a second one).
    return Response(
        body,
        content_type=CONTENT_TYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{stem}.{fmt}"',
            "Cache-Control": "no-store",
        },
    )


def _csv(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=list(columns), extrasaction="ignore", lineterminator="\r\n"
    )
    buffer.write("\ufeff")
    writer.writeheader()
    # The header goes first, before the first rows are read: the download starts at once.
    yield buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for count, row in enumerate(rows, 1):
        writer.writerow({k: _text(row.get(k)) for k in columns})
        if count % _CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _sheet_title(title: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", "-", title)[:31] or "data"


def _text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str):
        return _neutral(value)
    return value


def _neutral(value: str) -> str:
    """Keep spreadsheet programs from running a text as a formula."""
    if value[:1] in ("=", "+", "-", "@") and not _NUMERIC.match(value):
        return "'" + value
    return value


STREAM_BYTES = 64 * 1024  # a JSON Lines download is sent in pieces of about this size


def jsonl_stream(rows: Iterable[dict[str, Any]], stem: str) -> Response:
    """Rows as `stem.jsonl`, one JSON object per line, written while it is sent: `rows` is
    read lazily, so a long export never sits in memory (nor must it need the request)."""

    def pieces() -> Iterator[bytes]:
        buffer: list[str] = []
        size = 0
        for row in rows:
            line = json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n"
            buffer.append(line)
            size += len(line)
            if size >= STREAM_BYTES:
                yield "".join(buffer).encode("utf-8")
                buffer, size = [], 0
        yield "".join(buffer).encode("utf-8")

    return Response(
        pieces(),
        content_type="application/x-ndjson; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{stem}.jsonl"',
            "Cache-Control": "no-store",
        },
    )
