"""Providers: registration, suspension and reinstatement, lists and workload."""

from __future__ import annotations

from flask.views import MethodView

from web.api.base import Blueprint, idempotency_key, queries, registry, written
from web.auth import require_actor
from web.schemas.common import ReadArgs, ReasonSchema
from web.schemas.providers import ProviderIn, ProviderList, ProviderOut, WorkloadArgs, WorkloadOut

blp = Blueprint("providers", __name__, description="Providers of qualification upgrading.")


@blp.route("/providers")
class Providers(MethodView):
    """The providers."""

    @blp.arguments(ReadArgs, location="query")
    @blp.read(ProviderList)
    def get(self, args):
        """List every provider."""
        require_actor("read_catalogue")
        return {"providers": queries().providers()}

    @blp.arguments(ProviderIn)
    @blp.write(201, ProviderOut)
    def post(self, body):
        """Register a provider (admin)."""
        actor = require_actor()
        return written(
            registry().register_provider(actor, **body, idempotency_key=idempotency_key())
        )


@blp.route("/providers/<code>")
class Provider(MethodView):
    """One provider."""

    @blp.arguments(ReadArgs, location="query")
    @blp.read(ProviderOut)
    def get(self, args, code):
        """A provider's details and whether it is suspended."""
        require_actor("read_catalogue")
        return queries().provider(code)


@blp.route("/providers/<code>/suspension")
class Suspension(MethodView):
    """Suspending a provider: it can record nothing new."""

    @blp.arguments(ReasonSchema)
    @blp.write(200, ProviderOut)
    def post(self, body, code):
        """Suspend a provider (admin)."""
        actor = require_actor()
        return written(
            registry().suspend_provider(
                actor, code, reason=body["reason"], idempotency_key=idempotency_key()
            )
        )


@blp.route("/providers/<code>/reinstatement")
class Reinstatement(MethodView):
    """Lifting a provider's suspension."""

    @blp.arguments(ReasonSchema)
    @blp.write(200, ProviderOut)
    def post(self, body, code):
        """Reinstate a suspended provider (admin)."""
        actor = require_actor()
        return written(
            registry().reinstate_provider(
                actor, code, reason=body["reason"], idempotency_key=idempotency_key()
            )
        )


@blp.route("/providers/<code>/workload")
class Workload(MethodView):
    """What a provider delivered."""

    @blp.arguments(WorkloadArgs, location="query")
    @blp.read(WorkloadOut)
    def get(self, args, code):
        """Enrolments, completions, certificates, hours and pass rate, by form and month."""
        actor = require_actor("read_workload", provider=code)
        return queries().workload(code, args["from_"], args["to"], actor=actor)
