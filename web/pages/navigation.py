"""The main menu: what each role (or the public) can reach, in the order they use it."""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask_babel import lazy_gettext as _l

from web.pages import access

# (endpoint, label, the permission it needs; None = everyone, PUBLIC_ONLY = the signed-out)
PUBLIC_ONLY = "public only"
MENU: list[tuple[str, Any, str | None]] = [
    ("home.index", _l("Home"), None),
    ("teacher_pages.search", _l("Teachers"), "read_dossier"),
    ("record.index", _l("Record"), "write_teachers"),
    ("programme_pages.index", _l("Programmes"), "read_catalogue"),
    ("provider_pages.index", _l("Providers"), "read_workload"),
    ("statistics_pages.dashboard", _l("Statistics"), "read_statistics"),
    ("forecast_pages.forecast", _l("Forecast"), "read_forecast"),
    ("need_pages.index", _l("Training needs"), "read_needs"),
    ("audit_pages.events", _l("Event log"), "audit"),
    ("ledger_pages.ledger", _l("Ledger"), "audit"),
    ("import_pages.upload", _l("Import"), "import_records"),
    ("admin.policies", _l("Policy"), "read_catalogue"),
    ("admin.accounts", _l("Accounts"), "manage_accounts"),
    ("reference_pages.index", _l("Reference lists"), "manage_reference"),
    ("admin.views", _l("Views"), "read_operations"),
    ("verify.form", _l("Verify a certificate"), "verify_certificate"),
    ("statistics_pages.open_data", _l("Open data"), PUBLIC_ONLY),
]


def navigation() -> list[dict[str, Any]]:
    """The menu entries the current visitor may open, the current one marked."""
    signed_in = access.current_actor() is not None
    items = []
    for endpoint, text, permission in MENU:
        if permission == PUBLIC_ONLY:
            if signed_in:
                continue
        elif permission is not None and not access.may(permission):
            continue
        url = url_for(endpoint)
        blueprint = endpoint.partition(".")[0]
        current = request.endpoint == endpoint or (
            endpoint != "home.index"
            and request.blueprint == blueprint
            and blueprint not in ("statistics_pages", "admin")
        )
        items.append({"url": url, "label": text, "current": current})
    return items
