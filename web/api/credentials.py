"""Signed credentials over the API: a certificate's credential, and verifying one."""

from __future__ import annotations

import json

from flask.views import MethodView

from web.api.base import RETRY_DOC, Blueprint, queries
from web.api.paths import NUMBER_PARAMETER
from web.auth import require_actor
from web.schemas.common import ErrorSchema, ReadArgs
from web.schemas.credentials import CredentialOut, VerificationIn, VerificationOut

blp = Blueprint(
    "credentials",
    __name__,
    description="Certificates as signed W3C Verifiable Credentials, and their verification.",
)


@blp.route("/certificates/<number:number>/credential", parameters=[NUMBER_PARAMETER])
class Credential(MethodView):
    """A certificate's signed credential."""

    @blp.arguments(ReadArgs, location="query")
    @blp.read(CredentialOut)
    def get(self, args, number):
        """The certificate as an Open Badges 3.0 credential signed by the registry
        (eddsa-jcs-2022); the same record gives the same bytes until the key rotates."""
        actor = require_actor("read_dossier")
        return queries().credential(number, actor=actor)


@blp.route("/credentials/verification")
class Verification(MethodView):
    """Verifying a credential (anyone; nothing is stored)."""

    @blp.arguments(VerificationIn)
    @blp.response(200, VerificationOut)
    @blp.alt_response(
        400,
        schema=ErrorSchema,
        description="Not JSON, or no `credential` object (too large: 400 body_too_large).",
    )
    @blp.alt_response(
        429,
        schema=ErrorSchema,
        description="Too many verifications from this address (throttled like lookups).",
        headers=RETRY_DOC,
    )
    @blp.alt_response(
        503,
        schema=ErrorSchema,
        description="The database could not be reached.",
        headers=RETRY_DOC,
    )
    @blp.doc(security=[])
    def post(self, body):
        """Check a credential's signature, its key's validity when it was signed, and its
        revocation bit; answers 200 with `valid` false and the failed check otherwise."""
        listed = body.get("status_list")
        report = queries().credentials.verify(
            json.dumps(body["credential"], ensure_ascii=False),
            json.dumps(listed, ensure_ascii=False) if listed is not None else None,
        )
        return report.as_dict()
