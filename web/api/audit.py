"""The auditor's reads (event log, ledger), compliance policies and who-am-I."""

from __future__ import annotations

from flask.views import MethodView

from web.api.base import Blueprint, idempotency_key, queries, registry, written
from web.auth import describe, require_actor
from web.schemas.audit import (
    EventsArgs,
    EventsOut,
    LedgerOut,
    MeOut,
    PolicyIn,
    PolicyList,
    PolicyOut,
)
from web.schemas.common import ReadArgs

# Credential hashes are stored in account events; nobody needs them over the API.
SECRET_FIELDS = ("token_hash", "password_hash")


def redacted(event: dict) -> dict:
    """An event without credential hashes (their presence is still shown)."""
    data = event.get("data") or {}
    if not any(name in data for name in SECRET_FIELDS):
        return event
    return {
        **event,
        "data": {k: ("[redacted]" if k in SECRET_FIELDS and v else v) for k, v in data.items()},
    }


blp = Blueprint("audit", __name__, description="Event log, ledger, policies, accounts.")


@blp.route("/events")
class Events(MethodView):
    """The global event log."""

    @blp.arguments(EventsArgs, location="query")
    @blp.read(EventsOut)
    def get(self, args):
        """Events after a position, with who recorded each and when (auditor)."""
        require_actor("audit")
        args.pop("min_position", None)
        after, limit = args.pop("after"), args.pop("limit")
        filters = {k: (str(v) if k == "originator_id" else v) for k, v in args.items()}
        page = queries().events(after=after, limit=limit, **filters)
        return {**page, "events": [redacted(event) for event in page["events"]]}


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
    @blp.write(201, PolicyOut)
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
