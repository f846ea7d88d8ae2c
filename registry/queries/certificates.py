"""Reading certificates: by number, by teacher, and the public verification."""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from typing import Any

from registry.domain.errors import InvalidInputError, NotFoundError
from registry.domain.values import FORMS
from registry.keys import normalise_code
from registry.projections.codec import date_value, time_value
from registry.queries import listing
from registry.queries.common import require_choice, require_date, require_page
from registry.storage import Cursor, Database

_COLUMNS = (
    "number",
    "kind",
    "teacher_id",
    "provider_code",
    "title",
    "form",
    "mode",
    "funding",
    "hours",
    "issued_on",
    "starts_on",
    "ends_on",
    "assessment",
    "assessed_on",
    "score",
    "programme_id",
    "programme_code",
    "enrolment_id",
    "verification_code",
    "duplicate_of",
    "recorded_at",
    "revoked_at",
    "revocation_reason",
)
_SELECT = (
    f"SELECT {', '.join('c.' + c for c in _COLUMNS)}, t.pin, t.full_name, p.name, "
    "p.name_ky, p.name_ru "
    "FROM certificate_index c LEFT JOIN teachers t ON t.id = c.teacher_id "
    "LEFT JOIN providers p ON p.code = c.provider_code"
)

PUBLIC_FIELDS = (
    "number",
    "status",
    "provider_code",
    "provider_name",
    "provider_name_ky",
    "provider_name_ru",
    "title",
    "form",
    "hours",
    "issued_on",
    "starts_on",
    "ends_on",
    "assessment",
    "passed",
    "full_name",
    "duplicate_of",
    "duplicates",
    "replaced_by",
    "revoked_at",
)


CERTIFICATE_STATUSES = ("valid", "revoked", "duplicate_issued")
CERTIFICATE_KINDS = ("issued", "legacy", "duplicate")
CERTIFICATE_SORTS = listing.Sorts(
    {
        "issued_on": "c.issued_on",
        "number": "c.number",
        "title": "c.title",
        "hours": "c.hours",
        "name": "t.full_name",
    },
    default="-issued_on",
    tiebreak=("c.number",),
    nullable=frozenset({"name"}),
)
_COUNTED = "certificate_index c LEFT JOIN teachers t ON t.id = c.teacher_id"
# A live duplicate replaces its original: the original is then "duplicate_issued".
_REPLACED = (
    "EXISTS (SELECT 1 FROM certificate_index d WHERE d.duplicate_of = c.number "
    "AND d.revoked_at IS NULL)"
)
_STATUS_CONDITIONS = {
    "valid": f"c.revoked_at IS NULL AND NOT {_REPLACED}",
    "revoked": "c.revoked_at IS NOT NULL",
    "duplicate_issued": f"c.revoked_at IS NULL AND {_REPLACED}",
}


def certificate_rows(
    cur: Cursor,
    where: str,
    params: Sequence[Any],
    order: str = "c.issued_on, c.number",
    page: tuple[int, int] | None = None,
) -> list[dict[str, Any]]:
    """Certificates matching a condition on `certificate_index c`, with status and links
    (`page`: only `limit` of them from `offset`)."""
    paging, extra = (" LIMIT ? OFFSET ?", list(page)) if page is not None else ("", [])
    rows = cur.query(f"{_SELECT} WHERE {where} ORDER BY {order}{paging}", [*params, *extra])
    certificates = [_certificate(row) for row in rows]
    numbers = [c["number"] for c in certificates if c["duplicate_of"] is None]
    duplicates = _duplicates(cur, numbers)
    successors = _successors(cur, [c for c in certificates if c["revoked_at"] is not None])
    for c in certificates:
        c["duplicates"] = [number for number, _revoked in duplicates.get(c["number"], [])]
        live = [number for number, revoked in duplicates.get(c["number"], []) if not revoked]
        c["replaced_by"] = live + successors.get(c["number"], [])
        c["status"] = (
            "revoked"
            if c["revoked_at"] is not None
            else "duplicate_issued"
            if c["replaced_by"]
            else "valid"
        )
    return certificates


def _duplicates(cur: Cursor, numbers: list[str]) -> dict[str, list[tuple[str, bool]]]:
    """Original number -> its duplicates' (number, revoked), oldest first: the live ones
    replace it; the revoked ones (revoked with it, or on their own) stay linked."""
    found: dict[str, list[tuple[str, bool]]] = {}
    for start in range(0, len(numbers), 500):
        chunk = numbers[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        for original, number, revoked_at in cur.query(
            f"SELECT duplicate_of, number, revoked_at FROM certificate_index WHERE "
            f"duplicate_of IN ({marks}) ORDER BY issued_on, number",
            chunk,
        ):
            found.setdefault(original, []).append((number, revoked_at is not None))
    return found


def _successors(cur: Cursor, revoked: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Revoked number -> the valid certificates its enrolment was certified with again
    after it (how an error is corrected, rule 5): the one that replaced it. Read through
    the teachers' index, one statement for a page's revoked certificates; a paper record
    or a duplicate has no enrolment to certify again."""
    wanted: dict[str, list[str]] = {}  # enrolment -> its revoked certificates here
    for c in revoked:
        if c["enrolment_id"] is not None and c["duplicate_of"] is None:
            wanted.setdefault(c["enrolment_id"], []).append(c["number"])
    teachers = sorted({c["teacher_id"] for c in revoked if c["enrolment_id"] in wanted})
    found: dict[str, list[str]] = {}
    for start in range(0, len(teachers), 500):
        chunk = teachers[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        for enrolment_id, number in cur.query(
            f"SELECT enrolment_id, number FROM certificate_index WHERE teacher_id IN ({marks}) "
            "AND enrolment_id IS NOT NULL AND duplicate_of IS NULL AND revoked_at IS NULL "
            "ORDER BY recorded_at, number",
            chunk,
        ):
            for original in wanted.get(enrolment_id, ()):
                found.setdefault(original, []).append(number)  # valid: never the original
    return found


def _certificate(row: tuple) -> dict[str, Any]:
    c = dict(zip(_COLUMNS, row[: len(_COLUMNS)]))
    (
        c["pin"],
        c["full_name"],
        c["provider_name"],
        c["provider_name_ky"],
        c["provider_name_ru"],
    ) = row[len(_COLUMNS) :]
    for name in ("issued_on", "starts_on", "ends_on", "assessed_on"):
        c[name] = date_value(c[name])
    for name in ("recorded_at", "revoked_at"):
        c[name] = time_value(c[name])
    # A certificate rests on a passed assessment unless its programme has none (or it
    # was recorded from paper, where the outcome is not known).
    c["passed"] = True if c["assessment"] not in (None, "none") else None
    return c


class CertificateQueries:
    """The certificate index, for commissions, auditors and the public."""

    def __init__(self, db: Database):
        self.db = db

    def certificate(self, number: str) -> dict[str, Any]:
        """One certificate by number, with its status and links."""
        with self.db.reading() as cur:
            found = certificate_rows(cur, "c.number = ?", (str(number),))
        if not found:
            raise NotFoundError(f"No certificate {number}.", code="certificate_not_found")
        return found[0]

    def certificate_list(
        self,
        provider_code: str,
        *,
        region: str | None = None,
        date_from: Any = None,
        date_to: Any = None,
        form: str | None = None,
        status: str | None = None,
        kind: str | None = None,
        sort: str | None = None,
        limit: int = 25,
        offset: int = 0,
    ) -> dict[str, Any]:
        """{certificates, total, total_capped, sort}: a page of the certificates issued or
        recorded for a provider (issued from..to, of a form, status and kind; of teachers
        of a region now, for a bound commission), through the index by provider and date."""
        limit, offset = require_page(limit, offset)
        order = CERTIFICATE_SORTS.order_by(sort)
        where, params = ["c.provider_code = ?"], [provider_code]
        if date_from is not None:
            where.append("c.issued_on >= ?")
            params.append(require_date(date_from, "from").isoformat())
        if date_to is not None:
            where.append("c.issued_on <= ?")
            params.append(require_date(date_to, "to").isoformat())
        if date_from is not None and date_to is not None and date_from > date_to:
            raise InvalidInputError("from is after to.", field="from", code="invalid_range")
        if form:
            where.append("c.form = ?")
            params.append(require_choice(form, FORMS, "form"))
        if kind:
            where.append("c.kind = ?")
            params.append(require_choice(kind, CERTIFICATE_KINDS, "kind"))
        if status:
            where.append(_STATUS_CONDITIONS[require_choice(status, CERTIFICATE_STATUSES, "status")])
        if region:
            where.append("t.region = ?")
            params.append(region)
        condition = " AND ".join(where)
        with self.db.reading() as cur:
            if cur.query_one("SELECT 1 FROM providers WHERE code = ?", (provider_code,)) is None:
                raise NotFoundError(f"No provider {provider_code}.", code="provider_not_found")
            total, capped = listing.count(cur, f"{_COUNTED} WHERE {condition}", params)
            rows = (
                certificate_rows(cur, condition, params, order, page=(limit, offset))
                if offset < total
                else []
            )
        return listing.page("certificates", rows, total, capped, CERTIFICATE_SORTS.check(sort))

    def verify(self, number: str, code: str) -> dict[str, Any] | None:
        """The public view of a certificate when its verification code matches, else None.

        An unknown number and a wrong code give the same answer, so a guess learns nothing.
        """
        if not isinstance(number, str) or not isinstance(code, str):
            return None
        with self.db.reading() as cur:
            found = certificate_rows(cur, "c.number = ?", (number,))
        expected = normalise_code(found[0]["verification_code"]) if found else "-"
        if not hmac.compare_digest(expected.encode(), normalise_code(code).encode()) or not found:
            return None
        return {name: found[0][name] for name in PUBLIC_FIELDS}
