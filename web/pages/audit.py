"""The auditor's event browser: every event with who recorded it and when, filtered, and
compliance "as known at" any moment (time travel over the immutable log)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from registry.domain.errors import NotFoundError, RegistryError
from registry.domain.values import check_pin
from web.pages import access
from web.pages.labels import LABELS
from web.pages.params import BISHKEK, QueryArgs, local_input, today
from web.pages.timeline import describe
from web.services import services

bp = Blueprint("audit_pages", __name__, url_prefix="/audit")

PAGE_SIZE = 50
SCAN_BATCH = 500
SCAN_LIMIT = 20  # batches per page when filtering by provider: bounded work per request


def _provider_of(fact: dict[str, Any]) -> set[str]:
    data = fact.get("data") or {}
    codes = {
        data.get("provider_code"),
        (data.get("programme") or {}).get("provider_code"),
        (fact.get("actor") or {}).get("provider"),
    }
    if fact.get("type", "").startswith("Provider."):
        codes.add(data.get("code"))
    return {c for c in codes if c}


def _recorded(fact: dict[str, Any]) -> datetime:
    value = fact["recorded_at"]
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _matches(fact: dict[str, Any], f: dict[str, Any]) -> bool:
    """The filters, applied here to a teacher's history (the log is filtered by the query)."""
    if f["type"] and fact["type"] != f["type"]:
        return False
    if f["actor"] and (fact.get("actor") or {}).get("name") != f["actor"]:
        return False
    if f["provider"] and f["provider"] not in _provider_of(fact):
        return False
    if f["from"] and _recorded(fact) < f["from"]:
        return False
    if f["to"] and _recorded(fact) > f["to"]:
        return False
    return fact["position"] > f["after"]


def find_events(f: dict[str, Any]) -> tuple[list[dict[str, Any]], int | None]:
    """A page of matching events and the position to continue after (None at the end)."""
    queries = services().queries
    if f["pin"]:
        facts = [x for x in queries.teacher_history(f["pin"]) if _matches(x, f)]
        page = facts[:PAGE_SIZE]
        return page, page[-1]["position"] if len(facts) > PAGE_SIZE else None
    filters = {
        k: v
        for k, v in (
            ("type", f["type"]),
            ("actor", f["actor"]),
            ("recorded_from", f["from"]),
            ("recorded_to", f["to"]),
        )
        if v
    }
    # The provider filter is applied here, so it scans a bounded number of batches.
    batch, rounds = (SCAN_BATCH, SCAN_LIMIT) if f["provider"] else (PAGE_SIZE, 1)
    found: list[dict[str, Any]] = []
    after = f["after"]
    for _round in range(rounds):
        events = queries.events(after=after, limit=batch, **filters).get("events", [])
        for fact in events:
            after = fact["position"]
            if not f["provider"] or f["provider"] in _provider_of(fact):
                found.append(fact)
                if len(found) == PAGE_SIZE:
                    return found, after
        if len(events) < batch:
            return found, None
    return found, after


@bp.route("/events")
@access.permission_required("audit")
def events():
    """The global event log with filters; "as known at" hides what was recorded later."""
    args = QueryArgs()
    pin = (request.args.get("pin") or "").strip()
    if pin:
        try:
            check_pin(pin)
        except RegistryError:
            args.errors.append(_("A PIN is 14 digits."))
            pin = ""
    known_at = args.moment("known_at")
    to = args.end_of_day("to")
    if known_at and (to is None or known_at < to):
        to = known_at
    f = {
        "pin": pin,
        "type": request.args.get("type") or "",
        "provider": (request.args.get("provider") or "").strip(),
        "actor": (request.args.get("actor") or "").strip(),
        "from": _day_start(args),
        "to": to,
        "after": args.integer("after", 0),
    }
    found, next_after = ([], None)
    try:
        found, next_after = find_events(f) if not args.errors else ([], None)
    except RegistryError:
        args.errors.append(_("No teacher is registered with this PIN."))
    for fact in found:
        fact["summary"] = describe(fact)
        fact["json"] = json.dumps(fact.get("data"), ensure_ascii=False, indent=1, default=str)
    return render_template(
        "audit/events.html",
        events=found,
        next_after=next_after,
        f=f,
        known_at=local_input(known_at),
        errors=args.errors,
        event_types=sorted(LABELS["event"]),
    ), 400 if args.errors else 200


def _day_start(args: QueryArgs) -> datetime | None:
    day = args.date("from")
    return datetime.combine(day, time(), BISHKEK).astimezone(UTC) if day else None


@bp.route("/compliance")
@access.permission_required("audit")
def compliance():
    """A teacher's compliance on a date as the registry knew it at a moment, beside today's."""
    args = QueryArgs()
    pin = (request.args.get("pin") or "").strip()
    as_of = args.date("as_of", today())
    known_at = args.known_at()
    then = now = teacher = None
    unknown_then = False
    later: list[dict[str, Any]] = []
    if pin:
        queries, actor = services().queries, access.current_actor()
        try:
            check_pin(pin)
            teacher = queries.teacher(pin, actor=actor)
            now = queries.compliance(pin, as_of=as_of, actor=actor)
        except RegistryError:
            args.errors.append(_("No teacher is registered with this PIN."))
        if teacher is not None and known_at is not None:
            try:
                then = queries.compliance(pin, as_of=as_of, known_at=known_at, actor=actor)
            except NotFoundError:  # the teacher was registered after that moment
                unknown_then = True
            else:
                later = queries.later_facts(pin, as_of=as_of, known_at=known_at, actor=actor)
                for fact in later:
                    fact["summary"] = describe(fact)
    changed = [f for f in later if f["affects"]]
    return render_template(
        "audit/compliance.html",
        pin=pin,
        as_of=as_of,
        teacher=teacher,
        known_at=local_input(known_at),
        then=then,
        now=now,
        unknown_then=unknown_then,
        changed=changed,
        unchanged=[f for f in later if not f["affects"]],
        errors=args.errors,
    ), 400 if args.errors else 200
