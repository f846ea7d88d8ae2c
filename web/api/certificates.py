"""Certificates: issue, legacy records, duplicates, revocation; reading and verification."""

from __future__ import annotations

from flask.views import MethodView

from web.api.base import Blueprint, idempotency_key, queries, registry, written
from web.api.paths import NUMBER_PARAMETER
from web.auth import require_actor
from web.errors import ApiError
from web.schemas.certificates import (
    CertificateIn,
    CertificateOut,
    DuplicateIn,
    IssuedOut,
    LegacyIn,
    NumberArgs,
    VerifiedOut,
    VerifyArgs,
)
from web.schemas.common import KnownAtArgs, ReasonSchema

blp = Blueprint("certificates", __name__, description="Certificates and their verification.")


@blp.route("/enrolments/<enrolment_id>/certificate")
class Issue(MethodView):
    """The certificate of an enrolment."""

    @blp.arguments(CertificateIn)
    @blp.write(201, IssuedOut, permission="write_certificates")
    def post(self, body, enrolment_id):
        """Issue the certificate of a passed enrolment; answers its verification code."""
        actor = require_actor()
        return written(
            registry().issue_certificate(
                actor, enrolment_id, **body, idempotency_key=idempotency_key()
            )
        )


@blp.route("/certificates/legacy")
class Legacy(MethodView):
    """Paper certificates from before the registry."""

    @blp.arguments(LegacyIn)
    @blp.write(201, IssuedOut, permission="write_certificates")
    def post(self, body):
        """Record a legacy (paper) certificate without an enrolment."""
        actor = require_actor()
        return written(
            registry().record_legacy_certificate(actor, **body, idempotency_key=idempotency_key())
        )


def visible_certificate(number: str, known_at: str | None = None):
    """A certificate a dossier reader may see (a bound commission: its region only), as
    known now or at `known_at`."""
    actor = require_actor("read_dossier")
    return queries().certificate(number, known_at=known_at, actor=actor)


@blp.route("/certificates")
class CertificateByNumber(MethodView):
    """One certificate, its number in the query (any number, whatever it ends with)."""

    @blp.arguments(NumberArgs, location="query")
    @blp.read(CertificateOut)
    def get(self, args):
        """A certificate with its status, links to duplicates and revocation (as known at
        known_at, if given: a certificate recorded later is 404)."""
        return visible_certificate(args["number"], args.get("known_at"))


@blp.route("/certificates/<number:number>", parameters=[NUMBER_PARAMETER])
class Certificate(MethodView):
    """One certificate."""

    @blp.arguments(KnownAtArgs, location="query")
    @blp.read(CertificateOut)
    def get(self, args, number):
        """A certificate with its status, links to duplicates and revocation (as known at
        known_at, if given: a certificate recorded later is 404)."""
        return visible_certificate(number, args.get("known_at"))


@blp.route("/certificates/<number:number>/revocation", parameters=[NUMBER_PARAMETER])
class Revocation(MethodView):
    """Revoking a certificate (its duplicates with it)."""

    @blp.arguments(ReasonSchema)
    @blp.write(200, IssuedOut, permission="write_certificates")
    def post(self, body, number):
        """Revoke a certificate with a reason; its enrolment may then be certified again."""
        actor = require_actor()
        return written(
            registry().revoke_certificate(
                actor, number, reason=body["reason"], idempotency_key=idempotency_key()
            )
        )


@blp.route("/certificates/<number:number>/duplicate", parameters=[NUMBER_PARAMETER])
class Duplicate(MethodView):
    """Replacing a lost original."""

    @blp.arguments(DuplicateIn)
    @blp.write(201, IssuedOut, permission="write_certificates")
    def post(self, body, number):
        """Issue a duplicate under a new number pointing to the original."""
        actor = require_actor()
        return written(
            registry().issue_duplicate(actor, number, **body, idempotency_key=idempotency_key())
        )


@blp.route("/verify/<number:number>", parameters=[NUMBER_PARAMETER])
class Verify(MethodView):
    """Public verification of one certificate."""

    @blp.arguments(VerifyArgs, location="query")
    @blp.read(VerifiedOut, public=True)
    def get(self, args, number):
        """Anyone: a certificate's facts and status when number and code match; never a PIN."""
        found = queries().verify(number, args["code"])
        if found is None:
            raise ApiError(
                404, "not_verified", "No certificate matches this number and verification code."
            )
        return found
