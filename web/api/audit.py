"""The auditor's reads (event log, ledger), compliance policies and who-am-I."""

from __future__ import annotations

from flask.views import MethodView

from web.api.base import Blueprint, idempotency_key, queries, registry, written
from web.auth import describe, require_actor
from web.event_export import export_response
from web.schemas.audit import (
    EventsArgs,
    EventsExportArgs,
    EventsExportLine,
    EventsOut,
    LedgerOut,
    MeOut,
    PolicyIn,
    PolicyList,
    PolicyOut,
)
from web.schemas.common import ReadArgs

blp = Blueprint("audit", __name__, description="Event log, ledger, policies, accounts.")


def _log_arguments(args: dict) -> dict:
    """The query's arguments for the log from the request's (ids as text)."""
    args.pop("min_position", None)
    return {k: (str(v) if k == "originator_id" else v) for k, v in args.items()}


@blp.route("/events")
class Events(MethodView):
    """The global event log."""

    @blp.arguments(EventsArgs, location="query")
    @blp.read(EventsOut)
    def get(self, args):
        """A page of events with who recorded each and when, oldest or newest first,
        filtered, from a position or a recorded moment, with the total matched (auditor)."""
        require_actor("audit")
        with_total = args.pop("total")
        return queries().events(**_log_arguments(args), with_total=with_total)


@blp.route("/events/export")
class EventsExport(MethodView):
    """The event log as a download."""

    @blp.arguments(EventsExportArgs, location="query")
    @blp.read(EventsExportLine, csv=True, content_type="application/x-ndjson")
    def get(self, args):
        """Every event the filters match between the bounds, as JSON Lines or CSV, streamed
        (auditor)."""
        require_actor("audit")
        fmt = args.pop("format")
        events = queries().export_events(**_log_arguments(args))  # checked before streaming
        return export_response(events, fmt, "events")


@blp.route("/ledger")
class Ledger(MethodView):
    """The tamper-evident hash chain over the event log."""

    @blp.arguments(ReadArgs, location="query")
    @blp.read(LedgerOut)
    def get(self, args):
        """The chain's current head, to publish and later check the log against, and how
        many events are not sealed yet (auditor). With `min_position`, it answers once the
        views (the ledger among them) have applied that position: its events are sealed."""
        require_actor("audit")
        return queries().ledger_head()


@blp.route("/policies")
class Policies(MethodView):
    """Versions of the compliance policy."""

    @blp.arguments(ReadArgs, location="query")
    @blp.read(PolicyList)
    def get(self, args):
        """Every policy version (window in years, required hours), by effective date."""
        require_actor("read_catalogue")
        return {"policies": queries().policies()}

    @blp.arguments(PolicyIn)
    @blp.write(201, PolicyOut, permission="adopt_policy")
    def post(self, body):
        """Adopt a policy version effective from a date (admin)."""
        actor = require_actor()
        return written(registry().adopt_policy(actor, **body, idempotency_key=idempotency_key()))


@blp.route("/me")
class Me(MethodView):
    """The account making the request."""

    @blp.arguments(ReadArgs, location="query")
    @blp.read(MeOut)
    def get(self, args):
        """Name, role and scope of the signed-in account."""
        return describe(require_actor())
