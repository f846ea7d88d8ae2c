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
from web.event_export import FORMATS, export_response
from web.pages import access
from web.pages.labels import LABELS
from web.pages.params import BISHKEK, QueryArgs, local_input, today
from web.pages.timeline import describe
from web.services import services

bp = Blueprint("audit_pages", __name__, url_prefix="/audit")

PAGE_SIZE = 50
ORDERS = ("desc", "asc")  # newest first unless asked


class LogForm:
    """The event log's form: filters, order, where to start; each bad value a message."""

    def __init__(self) -> None:
        self.args = args = QueryArgs()
        self.errors = args.errors
        pin = (request.args.get("pin") or "").strip()
        if pin:
            try:
                check_pin(pin)
            except RegistryError:
                self.errors.append(_("A PIN is 14 digits."))
                pin = ""
        known_at = args.moment("known_at")
        to = args.end_of_day("to")
        if known_at and (to is None or known_at < to):
            to = known_at
        self.known_at = known_at
        self.f = {
            "pin": pin,
            "type": request.args.get("type") or "",
            "provider": (request.args.get("provider") or "").strip(),
            "actor": (request.args.get("actor") or "").strip(),
            "from": _day_start(args),
            "to": to,
        }
        # Newest first, unless a link asks to read on from a position (`after`).
        forward = request.args.get("after") and not request.args.get("before")
        self.order = args.choice("order", ORDERS, "asc" if forward else "desc")
        self.after = _optional(args, "after")
        self.before = _optional(args, "before")
        self.position = _optional(args, "position")
        day = args.date("at")
        self.at = (
            None
            if day is None
            else datetime.combine(day, time(), BISHKEK).astimezone(UTC)
            if self.order == "asc"
            else datetime.combine(day, time.max, BISHKEK).astimezone(UTC)
        )

    def filters(self) -> dict[str, Any]:
        """The query's filters."""
        f = self.f
        named = (
            ("pin", f["pin"]),
            ("type", f["type"]),
            ("provider", f["provider"]),
            ("actor", f["actor"]),
            ("recorded_from", f["from"]),
            ("recorded_to", f["to"]),
        )
        return {k: v for k, v in named if v}

    def start(self) -> dict[str, Any]:
        """Where the page starts: a jump (position, date) if one was asked, else the cursors."""
        if self.position is not None or self.at is not None:
            return {"position": self.position, "at": None if self.position is not None else self.at}
        return {"after": self.after, "before": self.before}

    def kept(self, **changes: Any) -> dict[str, Any]:
        """The request's arguments for a link: the filters and order, without where the
        page started, with changes."""
        moving = ("after", "before", "position", "at", "lang")
        kept = {k: v for k, v in request.args.items() if k not in moving and v}
        return {**kept, **{k: v for k, v in changes.items() if v is not None}}


def _optional(args: QueryArgs, name: str) -> int | None:
    return args.integer(name, -1) if request.args.get(name, "").strip() else None


def _message(error: RegistryError) -> str:
    """A query's refusal in the reader's language."""
    if isinstance(error, NotFoundError):
        return _("No teacher is registered with this PIN.")
    field = next(iter(error.fields), "")
    if field == "provider":
        return _("A provider code is 1–40 letters, digits, “.”, “_” or “-”.")
    if field == "actor":
        return _("An account name is 2–64 lower-case letters, digits, “.”, “_”, “@” or “-”.")
    return _("“%(value)s” is not one of the choices.", value=request.args.get(field, "")[:40])


@bp.route("/events")
@access.permission_required("audit")
def events():
    """The global event log, newest or oldest first, filtered, counted, from a position or
    a date; "as known at" hides what was recorded later."""
    form = LogForm()
    page: dict[str, Any] = {"events": [], "more": False, "next": None, "total": None}
    newer = older = None
    if not form.errors:
        queries = services().queries
        try:
            page = queries.events(
                limit=PAGE_SIZE,
                order=form.order,
                with_total=True,
                **form.start(),
                **form.filters(),
            )
            newer, older = _neighbours(queries, form, page["events"])
        except RegistryError as error:
            form.errors.append(_message(error))
    found = page["events"]
    for fact in found:
        fact["summary"] = describe(fact)
        fact["json"] = json.dumps(fact.get("data"), ensure_ascii=False, indent=1, default=str)
    return render_template(
        "audit/events.html",
        events=found,
        page=page,
        newer=newer,
        older=older,
        form=form,
        f=form.f,
        known_at=local_input(form.known_at),
        errors=form.errors,
        event_types=sorted(LABELS["event"]),
    ), 400 if form.errors else 200


def _neighbours(
    queries: Any, form: LogForm, shown: list[dict[str, Any]]
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The links' arguments to the newer and the older page (None where there is none)."""
    if not shown:
        return None, None
    first, last = shown[0]["position"], shown[-1]["position"]
    newest, oldest = max(first, last), min(first, last)
    filters = form.filters()
    # Whether anything lies beyond each end: one position is enough to know.
    has_newer = queries.events(after=newest, limit=1, **filters)["events"]
    has_older = queries.events(before=oldest, order="desc", limit=1, **filters)["events"]
    if form.order == "desc":
        # Newer: the page ending just above this one (read oldest first, then its top).
        newer_page = queries.events(after=newest, limit=PAGE_SIZE, **filters)["events"]
        newer = form.kept(before=newer_page[-1]["position"] + 1) if has_newer else None
        older = form.kept(before=oldest) if has_older else None
    else:
        older_page = queries.events(before=oldest, order="desc", limit=PAGE_SIZE, **filters)
        lowest = older_page["events"][-1]["position"] if has_older else None
        older = form.kept(after=lowest - 1) if lowest is not None else None
        newer = form.kept(after=newest) if has_newer else None
    return newer, older


@bp.route("/events/export")
@access.permission_required("audit")
def events_export():
    """The filtered log (every page of it, in the order chosen) as JSON Lines or CSV,
    streamed."""
    form = LogForm()
    fmt = form.args.choice("format", FORMATS, "jsonl")
    if form.errors:
        return _export_refused(form)
    try:
        found = services().queries.export_events(order=form.order, **form.filters())
    except RegistryError as error:
        form.errors.append(_message(error))
        return _export_refused(form)
    return export_response(found, fmt, "events")


def _export_refused(form: LogForm):
    return render_template(
        "audit/events.html",
        events=[],
        page={"events": [], "more": False, "next": None, "total": None},
        newer=None,
        older=None,
        form=form,
        f=form.f,
        known_at=local_input(form.known_at),
        errors=form.errors,
        event_types=sorted(LABELS["event"]),
    ), 400


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
