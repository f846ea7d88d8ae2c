"""Training needs matched to programmes: which needs no programme answers.

A need is matched to the programmes of its subject (by the subject's code: text stored
before the list by what the list maps it to, else folded) starting in a month of its period, wherever their provider is. Its
status: `unmet` when no programme matches; `short` when every matching programme states
its places and together they are fewer than the teachers; `met` otherwise (places enough,
or a matching programme whose places are not known). Each need is matched on its own: the
places of a programme matching two needs are counted for both. A withdrawn need is listed
only when asked for by its status, `withdrawn`, with when and why, and matched to nothing.
"""

from __future__ import annotations

from typing import Any

from registry.domain.errors import InvalidInputError, NotFoundError
from registry.domain.need import NEED_FIELDS, month_index
from registry.domain.search import fold
from registry.domain.values import parse_id
from registry.projections.codec import date_value
from registry.queries.reference import Resolver
from registry.storage import Database

STATUSES = ("unmet", "short", "met", "withdrawn")
_NEED = ("id", *NEED_FIELDS, "recorded_at", "withdrawn_at", "withdrawal_reason")
_PROGRAMME = ("id", "provider_code", "code", "title", "subject", "starts_on", "capacity")


def matched(
    db: Database, *, region: str | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    """Every open need (of a region, of a status; the withdrawn ones only as status
    `withdrawn`), oldest period first, each with its matching programmes, their known
    places, how many state none, and its status."""
    if status is not None and status not in STATUSES:
        raise InvalidInputError(
            f"status must be one of: {', '.join(STATUSES)}.", field="status", code="invalid_status"
        )
    where = "withdrawn_at IS NOT NULL" if status == "withdrawn" else "withdrawn_at IS NULL"
    params: tuple[str, ...] = ()
    if region:
        where, params = f"{where} AND region = ?", (region,)
    with db.reading(snapshot=True) as cur:
        needs = [
            dict(zip(_NEED, r))
            for r in cur.query(
                f"SELECT {', '.join(_NEED)} FROM training_needs WHERE {where} "
                "ORDER BY period_from, region, district, id",
                params,
            )
        ]
        programmes = [
            dict(zip(_PROGRAMME, r))
            for r in cur.query(
                f"SELECT {', '.join(_PROGRAMME)} FROM programmes WHERE subject IS NOT NULL "
                "ORDER BY starts_on, provider_code, code"
            )
        ]
        resolver = Resolver.read(cur)

    def subject_key(text: str) -> str:
        """A subject as its code (text stored before the list, as the list maps it)."""
        return resolver.code("subjects", text) or fold(text)

    by_subject: dict[str, list[dict[str, Any]]] = {}
    for p in programmes:
        p["starts_on"] = date_value(p["starts_on"])
        by_subject.setdefault(subject_key(p["subject"]), []).append(p)
    out = []
    for need in needs:
        need["withdrawn"] = need["withdrawn_at"] is not None
        if need["withdrawn"]:
            out.append(
                {**need, "programmes": [], "places": 0, "places_unknown": 0, "status": "withdrawn"}
            )
            continue
        first, last = month_index(need["period_from"]), month_index(need["period_to"])
        found = [
            p
            for p in by_subject.get(subject_key(need["subject"]), [])
            if first <= p["starts_on"].year * 12 + p["starts_on"].month - 1 <= last
        ]
        places = sum(p["capacity"] or 0 for p in found)
        unknown = sum(1 for p in found if p["capacity"] is None)
        if not found:
            state = "unmet"
        elif unknown == 0 and places < need["teachers"]:
            state = "short"
        else:
            state = "met"
        if status is None or state == status:
            out.append(
                {
                    **need,
                    "programmes": found,
                    "places": places,
                    "places_unknown": unknown,
                    "status": state,
                }
            )
    return out


def one(db: Database, need_id: str) -> dict[str, Any]:
    """A need as recorded (open or withdrawn), without its matches."""
    key = str(parse_id(need_id, "need"))  # as the view keeps ids; not an id: not found
    row = db.query_one(f"SELECT {', '.join(_NEED)} FROM training_needs WHERE id = ?", (key,))
    if row is None:
        raise NotFoundError(f"No need {need_id}.", code="need_not_found")
    need = dict(zip(_NEED, row))
    need["withdrawn"] = need["withdrawn_at"] is not None
    return need
