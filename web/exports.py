"""The columns of each list's download (CSV and .xlsx), one place for the API and the
pages, so a list downloads the same from either."""

from __future__ import annotations

from registry.queries.teachers import SEARCH_COLUMNS

PROVIDERS = ("code", "name", "kind", "region", "suspended", "suspension_reason")
PROGRAMMES = (
    "id",
    "provider_code",
    "code",
    "title",
    "form",
    "mode",
    "hours",
    "assessment",
    "funding",
    "starts_on",
    "ends_on",
    "subject",
    "capacity",
)
# A provider's certificates for the people who check them: no verification codes (each
# certificate's page shows its own), which would let anyone holding the file verify.
CERTIFICATES = (
    "number",
    "kind",
    "status",
    "pin",
    "full_name",
    "provider_code",
    "title",
    "form",
    "mode",
    "funding",
    "hours",
    "starts_on",
    "ends_on",
    "assessment",
    "assessed_on",
    "score",
    "issued_on",
    "duplicate_of",
    "revoked_at",
    "revocation_reason",
)
# The teachers a search found, best match first, as the search page lists them.
TEACHERS = SEARCH_COLUMNS
DUE = (
    "pin",
    "full_name",
    "region",
    "district",
    "school",
    "subject",
    "status",
    "hours",
    "missing_hours",
    "next_due",
)
PSEUDONYMISED = (
    "key",
    "region",
    "district",
    "school",
    "subject",
    "position",
    "service_years",
    "status",
    "hours",
)

# Training needs, as the API's CSV and the needs page's download give them.
NEEDS = (
    "id",
    "region",
    "district",
    "school",
    "subject",
    "topic",
    "teachers",
    "period_from",
    "period_to",
    "status",
    "places",
    "places_unknown",
)
