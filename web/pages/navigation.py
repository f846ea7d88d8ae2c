"""The main menu: what each role (or the public) can reach, in the order they use it."""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask_babel import lazy_gettext as _l

from web.pages import access

# (endpoint, label, roles allowed; None = everyone, () = the public only)
MENU: list[tuple[str, Any, tuple[str, ...] | None]] = [
    ("home.index", _l("Home"), None),
    ("teacher_pages.search", _l("Teachers"), access.READ_TEACHERS),
    ("record.index", _l("Record"), access.WRITE),
    ("programme_pages.index", _l("Programmes"), access.WRITE + ("auditor",)),
    ("provider_pages.index", _l("Providers"), access.READ_WORKLOAD),
    ("statistics_pages.dashboard", _l("Statistics"), access.READ_STATISTICS),
    ("audit_pages.events", _l("Event log"), access.AUDIT),
    ("import_pages.upload", _l("Import"), access.WRITE),
    ("admin.policies", _l("Policy"), access.ADMIN + ("auditor",)),
    ("admin.accounts", _l("Accounts"), access.ADMIN),
    ("admin.views", _l("Views"), access.ADMIN + ("auditor",)),
    ("verify.form", _l("Verify a certificate"), None),
    ("statistics_pages.open_data", _l("Open data"), ()),
]


def navigation() -> list[dict[str, Any]]:
    """The menu entries the current visitor may open, the current one marked."""
    role = access.role()
    items = []
    for endpoint, text, roles in MENU:
        if roles is not None and (role not in roles if roles else role is not None):
            continue
        url = url_for(endpoint)
        blueprint = endpoint.partition(".")[0]
        current = request.endpoint == endpoint or (
            endpoint != "home.index" and request.blueprint == blueprint
            and blueprint not in ("statistics_pages", "admin"))
        items.append({"url": url, "label": text, "current": current})
    return items
