"""Providers: registration, suspension and reinstatement, lists and workload."""

from __future__ import annotations

from flask.views import MethodView

from web import exports
from web.api.base import Blueprint, idempotency_key, queries, registry, written
from web.auth import require_actor
from web.downloads import download
from web.schemas.certificates import CertificateList, ProviderCertificateArgs
from web.schemas.common import ReadArgs, ReasonSchema
from web.schemas.providers import (
    ProviderArgs,
    ProviderIn,
    ProviderList,
    ProviderNamesIn,
    ProviderOut,
    WorkloadArgs,
    WorkloadOut,
)

blp = Blueprint("providers", __name__, description="Providers of qualification upgrading.")


@blp.route("/providers")
class Providers(MethodView):
    """The providers."""

    @blp.arguments(ProviderArgs, location="query")
    @blp.read(ProviderList, csv=True)
    def get(self, args):
        """A page of providers (of a kind, in a region, suspended or not) and how many
        there are (?format=csv or xlsx for the page as a spreadsheet)."""
        actor = require_actor("read_catalogue")
        found = queries().provider_list(
            kind=args.get("kind"),
            region=args.get("region"),
            suspended=args.get("suspended"),
            sort=args.get("sort"),
            limit=args["limit"],
            offset=args["offset"],
            actor=actor,
        )
        if args["format"] != "json":
            return download(found["providers"], exports.PROVIDERS, "providers", args["format"])
        return {**found, "limit": args["limit"], "offset": args["offset"]}

    @blp.arguments(ProviderIn)
    @blp.write(201, ProviderOut, permission="manage_providers")
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


@blp.route("/providers/<code>/names")
class ProviderNames(MethodView):
    """A provider's names in Kyrgyz and Russian."""

    @blp.arguments(ProviderNamesIn)
    @blp.write(200, ProviderOut, permission="manage_providers")
    def put(self, body, code):
        """Set the Kyrgyz and Russian names (admin); ky/ru pages show them."""
        actor = require_actor()
        return written(
            registry().translate_provider(actor, code, **body, idempotency_key=idempotency_key())
        )


@blp.route("/providers/<code>/suspension")
class Suspension(MethodView):
    """Suspending a provider: it can record nothing new."""

    @blp.arguments(ReasonSchema)
    @blp.write(200, ProviderOut, permission="manage_providers")
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
    @blp.write(200, ProviderOut, permission="manage_providers")
    def post(self, body, code):
        """Reinstate a suspended provider (admin)."""
        actor = require_actor()
        return written(
            registry().reinstate_provider(
                actor, code, reason=body["reason"], idempotency_key=idempotency_key()
            )
        )


@blp.route("/providers/<code>/certificates")
class Certificates(MethodView):
    """The certificates a provider issued or that were recorded for it."""

    @blp.arguments(ProviderCertificateArgs, location="query")
    @blp.read(CertificateList, csv=True)
    def get(self, args, code):
        """A page of a provider's certificates (issued from..to, of a form, status and
        kind), newest first unless sorted otherwise, and how many there are; a bound
        commission sees its region's teachers' only (?format=csv or xlsx)."""
        actor = require_actor("read_dossier")
        found = queries().certificate_list(
            code,
            date_from=args.get("from_"),
            date_to=args.get("to"),
            form=args.get("form"),
            status=args.get("status"),
            kind=args.get("kind"),
            sort=args.get("sort"),
            limit=args["limit"],
            offset=args["offset"],
            actor=actor,
        )
        if args["format"] != "json":
            return download(
                found["certificates"], exports.CERTIFICATES, f"certificates-{code}", args["format"]
            )
        return {**found, "limit": args["limit"], "offset": args["offset"]}


@blp.route("/providers/<code>/workload")
class Workload(MethodView):
    """What a provider delivered."""

    @blp.arguments(WorkloadArgs, location="query")
    @blp.read(WorkloadOut)
    def get(self, args, code):
        """Enrolments, completions, certificates, hours and pass rate, by form and month."""
        actor = require_actor("read_workload", provider=code)
        return queries().workload(code, args["from_"], args["to"], actor=actor)
