"""A long list as the pages show it: which page and order the reader asked for, how many
rows there are, the page numbers, and links that keep the list's filters.

The order is one of the list's own (`registry.queries.listing.Sorts`): a column heading
links to its order (and again to the reverse), so sorting works without JavaScript; a
sort or page that is not offered is a readable error on the page, never a query.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from flask import request, url_for
from flask_babel import gettext as _

from registry.queries.listing import Sorts
from web.pages.params import MAX_PAGE, QueryArgs, last_page, page_numbers

EXPORT_CHUNK = 1000  # rows a download reads at a time (the API's largest page)


class Listing:
    """One page of a list on a page: read the request's `page` and `sort`, then `show`
    the query's answer."""

    def __init__(
        self,
        args: QueryArgs,
        endpoint: str,
        sorts: Sorts,
        *,
        size: int = 25,
        params: dict[str, Any] | None = None,
        ranked: bool = False,
    ):
        self.endpoint, self.sorts, self.size = endpoint, sorts, size
        self.params = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        self.page = args.integer("page", 1, minimum=1, maximum=MAX_PAGE)
        # What the reader chose (None: the list's default).
        self.asked = choice_arg(args, "sort", sorts.choices)
        self.ranked = ranked and self.asked is None  # best matches first
        self.sort: str | None = None if self.ranked else (self.asked or sorts.default)
        self.total, self.capped, self.rows = 0, False, []

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    def show(self, found: dict[str, Any], rows: str) -> Listing:
        """Take the query's answer ({rows: [...], total, total_capped, sort})."""
        self.total, self.capped = found["total"], found["total_capped"]
        self.rows = found[rows]
        return self

    @property
    def last(self) -> int:
        return last_page(self.total, self.size)

    @property
    def pages(self) -> list[int | None]:
        return page_numbers(min(self.page, self.last), self.last)

    @property
    def link_params(self) -> dict[str, Any]:
        """The filters and the chosen order, for links to other pages of the list."""
        return {**self.params, **({"sort": self.asked} if self.asked else {})}

    def url(self, **changes: Any) -> str:
        """This list's address with some arguments changed."""
        return url_for(self.endpoint, **{**self.link_params, **changes})

    def sort_url(self, name: str) -> str:
        """The address sorting by a column: ascending, or reversed if already so."""
        reverse = self.sort == name
        return self.url(sort=f"-{name}" if reverse else name, page=None)

    def sorted_by(self, name: str) -> str | None:
        """aria-sort of a column heading: ascending, descending or None."""
        if self.sort == name:
            return "ascending"
        if self.sort == f"-{name}":
            return "descending"
        return None


def choice_arg(args: QueryArgs, name: str, allowed: Any) -> str | None:
    """An optional query argument from a closed list (`allowed`: anything `in` works);
    another value is a readable error on the page and filters nothing."""
    value = request.args.get(name) or None
    if value is not None and value not in allowed:
        args.errors.append(_("“%(value)s” is not one of the choices.", value=value[:40]))
        return None
    return value


def every_row(
    read: Callable[[int, int], dict[str, Any]], rows: str, chunk: int = EXPORT_CHUNK
) -> Iterator[dict[str, Any]]:
    """Every row of a list for a download, read `chunk` rows at a time as the answer
    streams (`read(limit, offset)` answers the list's page), until a chunk is not full."""
    offset = 0
    while True:
        found = read(chunk, offset)[rows]
        yield from found
        if len(found) < chunk:
            return
        offset += chunk
