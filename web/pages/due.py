"""Due lists: who is overdue, due soon or in their grace period on a date, where, for the
commissions that send them to courses. A page of the list with how many there are, in
an order the reader picks; the whole list as CSV or .xlsx (streamed a chunk at a time);
and a print-friendly page of the whole list for a district or a school. Their routes
belong to the teachers' pages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _

from registry.queries.statistics import DUE_SORTS
from web import exports
from web.downloads import download
from web.pages import access
from web.pages.labels import region_choices, region_name
from web.pages.listing import Listing, choice_arg, every_row
from web.pages.params import QueryArgs, local_input, moment_text, today
from web.pages.reference import district_choices, entry_name, listed_entry
from web.pages.teachers import bp
from web.services import services

DUE_STATUSES = ("overdue", "due_soon", "grace")
PAGE_SIZE = 25
PRINT_MAX = 2000  # rows a printed list holds (some 40 A4 pages); more: narrow it first
EXPORT_CHUNK = 10_000  # rows a download reads at a time (the largest page)
NOBODY: dict[str, Any] = {"teachers": [], "total": 0, "total_capped": False}


def _filters(args: QueryArgs) -> tuple[dict[str, Any], bool]:
    """The list's filters (a bound commission's region is always its own; auditors may
    ask for the list as the registry knew it at a moment, kept as exact text), and
    whether the district asked for is refused (the list then shows nobody, saying why)."""
    actor = access.current_actor()
    as_of = args.date("as_of", today()) or today()
    known_at = args.known_at() if access.may("audit") else None
    region = access.bound_region(actor) or choice_arg(args, "region", dict(region_choices()))
    district, refused = _district(args, region)
    return {
        "known_at": moment_text(known_at),
        "status": args.choice("status", DUE_STATUSES, "overdue"),
        "as_of": as_of.isoformat(),
        "region": region,
        "district": district,
        "school": (request.args.get("school") or "").strip()[:200] or None,
    }, refused


def _district(args: QueryArgs, region: str | None) -> tuple[str | None, bool]:
    """The district asked for as its reference-list code: the select sends the code, an
    older link a listed name in any of the three languages. A district the lists do
    not have, or one of another region than the region chosen, is a readable error
    (kept as asked, so the links keep saying so), never a silently empty list."""
    text = (request.args.get("district") or "").strip()[:100]
    if not text:
        return None, False
    entry = listed_entry("districts", text)
    if entry is None:
        args.errors.append(
            _("“%(value)s” is not a listed district: choose one from the list.", value=text[:40])
        )
        return text, True
    if region and entry["region"] != region:
        args.errors.append(
            _(
                "The district “%(district)s” is not in %(region)s: choose one from the list.",
                district=entry_name(entry),
                region=region_name(region),
            )
        )
        return entry["code"], True
    return entry["code"], False


def _place(filters: dict[str, Any]) -> dict[str, Any]:
    """The filters as the queries take them."""
    return {
        "status": filters["status"],
        "as_of": date.fromisoformat(filters["as_of"]),
        "region": filters["region"],
        "district": filters["district"],
        "school": filters["school"],
        "known_at": filters["known_at"],
    }


def _page(filters: dict[str, Any], sort: str | None, limit: int, offset: int) -> dict[str, Any]:
    """A page of the list with how many it holds."""
    return services().queries.due_page(
        **_place(filters), limit=limit, offset=offset, sort=sort, actor=access.current_actor()
    )


def _rows(filters: dict[str, Any], sort: str | None):
    """`read(limit, offset)`: a chunk of the list's rows, usable after the request (a
    streamed download reads on as it is sent)."""
    queries, actor, place = services().queries, access.current_actor(), _place(filters)

    def read(limit: int, offset: int) -> dict[str, Any]:
        found = queries.due_list(**place, limit=limit, offset=offset, sort=sort, actor=actor)
        return {"teachers": found}

    return read


def _context(filters: dict[str, Any]) -> dict[str, Any]:
    actor = access.current_actor()
    known_at = datetime.fromisoformat(filters["known_at"]) if filters["known_at"] else None
    return {
        "filters": filters,
        "can_time_travel": access.may("audit"),
        "known_at": local_input(known_at),
        "known_at_moment": known_at,
        "statuses": DUE_STATUSES,
        "regions": region_choices(_("All regions")),
        "districts": district_choices(filters["region"], _("All districts"), retired=True),
        "region_fixed": access.bound_region(actor) is not None,
    }


@bp.route("/teachers/due")
@access.permission_required("read_dossier")
def due():
    """A page of the teachers who are overdue, due soon or in their grace period on a date,
    where (region, district, school), with how many there are: by place or another order,
    with downloads and a printable list."""
    args = QueryArgs()
    filters, refused = _filters(args)
    listing = Listing(args, "teacher_pages.due", DUE_SORTS, size=PAGE_SIZE, params=filters)
    found = NOBODY if refused else _page(filters, listing.asked, PAGE_SIZE, listing.offset)
    listing.show(found, "teachers")
    return render_template(
        "teachers/due.html", list=listing, errors=args.errors, **_context(filters)
    ), 400 if args.errors else 200


@bp.route("/teachers/due.<any(csv, xlsx):fmt>")
@access.permission_required("read_dossier")
def due_export(fmt: str):
    """The whole list of the filters, in the list's order, as CSV or .xlsx: streamed a
    chunk at a time as it is sent (a country's list too)."""
    args = QueryArgs()
    filters, _refused = _filters(args)
    sort = choice_arg(args, "sort", DUE_SORTS.choices)
    if args.errors:
        abort(400, description="; ".join(args.errors))
    rows = every_row(_rows(filters, sort), "teachers", chunk=EXPORT_CHUNK)
    stem = f"{filters['status']}-{filters['as_of']}{_known_stem(filters)}"
    return download(rows, exports.DUE, stem, fmt)


def _known_stem(filters: dict[str, Any]) -> str:
    """What a download's name adds for a list as known at a moment."""
    if not filters["known_at"]:
        return ""
    return f"-known-{datetime.fromisoformat(filters['known_at']):%Y%m%dT%H%M%SZ}"


@bp.route("/teachers/due/print")
@access.permission_required("read_dossier")
def due_print():
    """The whole list of the filters on A4 pages: a heading naming what it lists, every
    teacher numbered, and the commission's signature lines (up to 2,000 teachers; a
    longer list asks to be narrowed to a district or a school)."""
    args = QueryArgs()
    filters, refused = _filters(args)
    sort = choice_arg(args, "sort", DUE_SORTS.choices)
    found = NOBODY if refused else _page(filters, sort, PRINT_MAX, 0)
    too_long = found["total"] > PRINT_MAX or found["total_capped"]
    return render_template(
        "teachers/due_print.html",
        rows=[] if too_long else found["teachers"],
        total=found["total"],
        capped=found["total_capped"],
        too_long=too_long,
        print_max=PRINT_MAX,
        sort=sort,
        errors=args.errors,
        printed_on=today(),
        back=url_for("teacher_pages.due", **filters, sort=sort),
        **_context(filters),
    ), 400 if args.errors else 200
