"""Each data table's cells carry their column's heading (data-label), for the stacked
cards a phone shows (web/pages/cards.py)."""

from __future__ import annotations

from web.pages.cards import label_cells

TABLE = (
    '<table class="data">'
    '<caption class="visually-hidden">Teachers</caption>'
    '<thead><tr><th scope="col">Name</th><th scope="col" class="num">'
    '<a class="sort" href="?sort=hours">Hours <span class="visually-hidden">(sorted)</span></a>'
    '</th><th scope="col" colspan="2">Dates &amp; place</th><th></th></tr></thead>'
    "<tbody>"
    '<tr><th scope="row">Айгүл</th><td class="num">72</td><td>2024</td><td>Chüy</td>'
    '<td><a href="/x">Open</a></td></tr>'
    '<tr><td colspan="5" class="empty">Nothing.</td></tr>'
    '<tr><td data-label="Own">1</td><td>2</td><td>3</td><td>4</td><td>5</td></tr>'
    "</tbody></table>"
)


def test_each_cell_gets_its_columns_heading():
    page = label_cells(f"<main>{TABLE}</main>")
    assert '<td class="num" data-label="Hours">72</td>' in page
    # A colspan heading labels each of its columns; its words are unescaped, then escaped.
    assert '<td data-label="Dates &amp; place">2024</td>' in page
    assert '<td data-label="Dates &amp; place">Chüy</td>' in page


def test_row_headings_spanning_cells_and_unnamed_columns_get_no_label():
    page = label_cells(TABLE)
    assert '<th scope="row">Айгүл</th>' in page
    assert '<td colspan="5" class="empty">Nothing.</td>' in page
    assert '<td><a href="/x">Open</a></td>' in page


def test_a_cell_keeps_the_label_its_template_gave_it():
    page = label_cells(TABLE)
    assert '<td data-label="Own">1</td>' in page
    assert '<td data-label="Hours">2</td>' in page


def test_other_tables_and_pages_without_tables_are_left_alone():
    plain = "<table><thead><tr><th>A</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>"
    assert label_cells(plain) == plain
    assert label_cells("<p>no table</p>") == "<p>no table</p>"
    headless = '<table class="data"><tr><td>1</td></tr></table>'
    assert label_cells(headless) == headless
