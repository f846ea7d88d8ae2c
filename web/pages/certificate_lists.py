"""A provider's certificates: the list (paged, filtered by period, form, status and kind,
sortable, downloadable) for those who read dossiers; a bound commission sees its region's
teachers' only. Its routes belong to the providers' pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, render_template
from flask_babel import gettext as _

from registry.domain.errors import RegistryError
from registry.domain.values import check_code
from registry.queries.certificates import CERTIFICATE_KINDS, CERTIFICATE_SORTS, CERTIFICATE_STATUSES
from web import exports
from web.downloads import download
from web.errors import status_of
from web.pages import access
from web.pages.labels import choices, label
from web.pages.listing import Listing, choice_arg, every_row
from web.pages.messages import error_message
from web.pages.params import QueryArgs
from web.pages.providers import PAGE_SIZE, bp
from web.services import services


def _certificate_filters(args: QueryArgs) -> dict[str, Any]:
    """The list's filters as typed (a reversed period is kept as it is: `_reversed`)."""
    start, end = args.date("from"), args.date("to")
    return {
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
        "form": choice_arg(args, "form", dict(choices("form"))),
        "status": choice_arg(args, "status", CERTIFICATE_STATUSES),
        "kind": choice_arg(args, "kind", CERTIFICATE_KINDS),
    }


def _reversed(filters: dict[str, Any]) -> bool:
    """Whether the period's start is after its end (said, never quietly replaced)."""
    return bool(filters["from"] and filters["to"] and filters["from"] > filters["to"])


def _certificate_reader(code: str, filters: dict[str, Any], sort: str | None):
    queries, actor = services().queries, access.current_actor()

    def read(limit: int, offset: int) -> dict[str, Any]:
        return queries.certificate_list(
            code,
            date_from=date.fromisoformat(filters["from"]) if filters["from"] else None,
            date_to=date.fromisoformat(filters["to"]) if filters["to"] else None,
            form=filters["form"],
            status=filters["status"],
            kind=filters["kind"],
            sort=sort,
            limit=limit,
            offset=offset,
            actor=actor,
        )

    return read


def _listed_provider(code: str) -> dict[str, Any]:
    """A provider whose certificates a dossier reader may list."""
    access.require_actor("read_dossier")
    try:
        check_code(code)
        return services().queries.provider(code)
    except RegistryError:
        abort(404)


@bp.route("/<code>/certificates")
def certificates(code: str):
    """A page of the certificates a provider issued or recorded (issued in a period, of a
    form, status and kind), newest first or sorted by a column, with how many there are;
    a bound commission sees its region's teachers' only."""
    provider = _listed_provider(code)
    args = QueryArgs()
    filters = _certificate_filters(args)
    listing = Listing(
        args,
        "provider_pages.certificates",
        CERTIFICATE_SORTS,
        size=PAGE_SIZE,
        params={"code": code, **filters},
    )
    reversed_period = _reversed(filters)
    if not reversed_period:  # a reversed period lists nothing of another period
        listing.show(
            _certificate_reader(code, filters, listing.asked)(PAGE_SIZE, listing.offset),
            "certificates",
        )
    return render_template(
        "providers/certificates.html",
        provider=provider,
        list=listing,
        filters=filters,
        forms=choices("form"),
        statuses=[(s, label("certificate_status", s)) for s in CERTIFICATE_STATUSES],
        kinds=[(k, label("certificate_kind", k)) for k in CERTIFICATE_KINDS],
        errors=args.errors,
        region=access.bound_region(access.current_actor()),
        can_see_workload=access.may("read_workload", provider=code),
        reversed_period=reversed_period,
        swapped=listing.url(**{"from": filters["to"], "to": filters["from"], "page": None}),
    ), 400 if args.errors or reversed_period else 200


@bp.route("/<code>/certificates.<any(csv, xlsx):fmt>")
def certificates_export(code: str, fmt: str):
    """Every certificate of the list's filters, in its order, as CSV or .xlsx (streamed)."""
    _listed_provider(code)
    args = QueryArgs()
    filters = _certificate_filters(args)
    sort = choice_arg(args, "sort", CERTIFICATE_SORTS.choices)
    if _reversed(filters):
        args.errors.append(
            _(
                "The period is reversed: “From” (%(start)s) is after “To” (%(end)s).",
                start=filters["from"],
                end=filters["to"],
            )
        )
    if args.errors:
        abort(400, description="; ".join(args.errors))
    read = _certificate_reader(code, filters, sort)
    try:  # one row now: a bad filter is an error page, not a download broken midway
        read(1, 0)
    except RegistryError as error:
        abort(status_of(error), description=error_message(error))
    return download(
        every_row(read, "certificates"), exports.CERTIFICATES, f"certificates-{code}", fmt
    )
