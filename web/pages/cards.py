"""Tables that become stacked cards on a phone: every data cell carries its column's
heading as `data-label`, which the stylesheet shows beside the value under 600 px
(web/static/site.css), so a template writes its headings once, in its <thead>.

Applied to each HTML page as it leaves (`label_cells`): for every `<table class="data">`
with a <thead>, a <td> that has no data-label of its own gets the heading of its column
(counting colspans); a row's <th> is the card's title and gets none.
"""

from __future__ import annotations

import html
import re

_TABLE = re.compile(r"<table\b[^>]*>")
_DATA_CLASS = re.compile(r'\bclass="(?:[^"]* )?data[ "]')
_HEAD = re.compile(r"<thead\b[^>]*>(.*?)</thead>", re.S)
_HEADING = re.compile(r"<th\b([^>]*)>(.*?)</th>", re.S)
_ROW = re.compile(r"(<tr\b[^>]*>)(.*?)(</tr>)", re.S)
_ROW_OR_CELL = re.compile(r"<(tr|td|th)\b([^>]*)>")
_SPAN = re.compile(r'\bcolspan="?(\d+)')
_TAG = re.compile(r"<[^>]+>")
_VISUALLY_HIDDEN = re.compile(r'<span class="visually-hidden">.*?</span>', re.S)


def _span(attributes: str) -> int:
    found = _SPAN.search(attributes)
    return max(1, int(found.group(1))) if found else 1


def _text(fragment: str) -> str:
    """A heading's words, as a person reads them (tags dropped, spaces collapsed)."""
    words = _TAG.sub(" ", fragment)
    return " ".join(html.unescape(words).split())


def _labels(head: str) -> list[str]:
    """The heading of each column (a colspan heading covers each of its columns)."""
    labels: list[str] = []
    last_row = _ROW.findall(head)
    cells = last_row[-1][1] if last_row else head
    for attributes, content in _HEADING.findall(cells):
        labels.extend([_text(_VISUALLY_HIDDEN.sub("", content))] * _span(attributes))
    return labels


def _label_rows(rows: str, labels: list[str]) -> str:
    """The body and foot of a table with their cells labelled (one pass over the tags)."""
    attributes_of = [
        f' data-label="{html.escape(label, quote=True)}"' if label else "" for label in labels
    ]
    pieces, last, column = [], 0, 0
    for tag in _ROW_OR_CELL.finditer(rows):
        name, attributes = tag.groups()
        if name == "tr":
            column = 0
            continue
        span = _span(attributes) if "colspan" in attributes else 1
        if (
            name == "td"
            and span == 1
            and column < len(labels)
            and attributes_of[column]
            and "data-label" not in attributes
        ):
            pieces.append(rows[last : tag.start()])
            pieces.append(f"<td{attributes}{attributes_of[column]}>")
            last = tag.end()
        column += span
    pieces.append(rows[last:])
    return "".join(pieces)


def _label_table(table: str) -> str:
    """One table (its inside, from after its opening tag to its closing tag) labelled."""
    head = _HEAD.search(table)
    if head is None:
        return table
    labels = _labels(head.group(1))
    if not any(labels):
        return table
    return table[: head.end()] + _label_rows(table[head.end() :], labels)


def label_cells(page: str) -> str:
    """The page with every data table's cells labelled by their column's heading."""
    if "<table" not in page:
        return page
    pieces, last = [], 0
    for opening in _TABLE.finditer(page):
        if opening.start() < last or not _DATA_CLASS.search(opening.group(0)):
            continue
        end = page.find("</table>", opening.end())
        if end < 0:
            break
        pieces.append(page[last : opening.end()])
        pieces.append(_label_table(page[opening.end() : end]))
        last = end
    if not pieces:
        return page
    pieces.append(page[last:])
    return "".join(pieces)
