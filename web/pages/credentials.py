"""Signed credentials on the web: what verifiers fetch, the verification page for a file,
and the downloads (the credential, the certificate and the statement as PDF).

Public, with no account: the issuer's DID document and JWKS (`/.well-known/`), the
registry's JSON-LD context and the revocation lists (`/credentials/…`), and the page
that verifies an uploaded or pasted credential. Dossier readers: the downloads.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import TextAreaField

from registry.credentials import proof as di
from registry.credentials.verify import MAX_BYTES
from registry.domain.errors import NotFoundError, RegistryError
from registry.domain.values import check_certificate_number
from web.pages import access
from web.pages.forms_base import PageForm
from web.pages.params import QueryArgs, today
from web.pages.statement import qr_data_uri
from web.pages.teachers import visible_teacher
from web.pdf import pdf_response, render_pdf
from web.services import services

bp = Blueprint("credential_pages", __name__)

# The whole upload, file and form fields, that the verification page reads (a credential
# is a few KiB; anything larger is refused before it is read).
MAX_UPLOAD = MAX_BYTES + 64 * 1024

CHECK_NAMES = {
    "format": _l("File"),
    "context": _l("Vocabulary (@context)"),
    "type": _l("Kind of credential"),
    "issuer": _l("Issuer"),
    "proof": _l("Proof"),
    "key": _l("Signing key"),
    "key_validity": _l("Key valid when signed"),
    "signature": _l("Signature"),
    "status": _l("Revocation status"),
}
FAILURES = {
    "format": _l("This is not a credential: the file is not one JSON object of a sensible size."),
    "context": _l("The credential uses a vocabulary (@context) that this registry does not issue."),
    "type": _l("This is not an Open Badges credential."),
    "issuer": _l("This credential was not issued by this registry."),
    "proof": _l("The credential carries no proof of the kind this registry makes."),
    "key": _l("The credential was signed with a key that is not this registry's."),
    "key_validity": _l(
        "The credential was signed at a time when that key was not the registry's signing key."
    ),
    "signature": _l(
        "The signature does not match: the content was changed after signing, or another key signed it."
    ),
    "status": _l("The certificate was revoked, or its revocation status could not be checked."),
}


def _json(document: dict[str, Any], *, cache: int = 300) -> Response:
    """A public JSON document, readable from any site (wallets verify in browsers)."""
    return Response(
        json.dumps(document, ensure_ascii=False, indent=2),
        content_type="application/json",
        headers={"Access-Control-Allow-Origin": "*", "Cache-Control": f"public, max-age={cache}"},
    )


@bp.route("/.well-known/did.json")
def did_document():
    """The issuer's DID document (did:web): every key it signed with, as Multikeys."""
    return _json(services().queries.credentials.did_document())


@bp.route("/.well-known/jwks.json")
def jwks():
    """The same keys as a JWK Set, each with the period it signed in."""
    return _json(services().queries.credentials.jwks())


@bp.route("/credentials/context/v1")
def context():
    """The JSON-LD context of the registry's own terms (hours, form, number)."""
    return _json(services().queries.credentials.context(), cache=86400)


@bp.route("/credentials/status/<int:list_number>")
def status_list(list_number: int):
    """A signed revocation list (Bitstring Status List); current within a cycle of the views."""
    try:
        document = services().queries.credentials.status_list(list_number)
    except NotFoundError:
        abort(404)
    return _json(document, cache=30)


class CredentialForm(PageForm):
    """A credential to verify: a file, or its text pasted."""

    file = FileField(_l("Credential file (.json)"))
    text = TextAreaField(_l("…or paste its text"))


@bp.route("/verify/credential", methods=["GET", "POST"])
def verify_credential():
    """Verify a credential file: each check, and what the credential says."""
    if request.method == "POST" and (request.content_length or 0) > MAX_UPLOAD:
        return _too_large()
    request.max_content_length = MAX_UPLOAD  # also for a body sent without a length
    try:
        form = CredentialForm()
        submitted = form.validate_on_submit()
    except RequestEntityTooLarge:
        return _too_large()
    report = None
    if submitted:
        upload = form.file.data
        raw = upload.read(MAX_BYTES + 1) if upload else (form.text.data or "").encode()
        if not raw.strip():
            form.form_errors.append(_("Choose a credential file or paste its text."))
            form.status = 400
        else:
            report = services().queries.credentials.verify(raw)
            form.status = 200 if report.valid else 422
    return render_template(
        "credentials/verify.html",
        form=form,
        report=report,
        check_names=CHECK_NAMES,
        failures=FAILURES,
        limit_kib=MAX_BYTES // 1024,
    ), form.status


def _too_large():
    form = CredentialForm(formdata=None)
    form.form_errors.append(
        _("The file is too large: a credential is at most %(size)s KiB.", size=MAX_BYTES // 1024)
    )
    page = render_template(
        "credentials/verify.html",
        form=form,
        report=None,
        check_names=CHECK_NAMES,
        failures=FAILURES,
        limit_kib=MAX_BYTES // 1024,
    )
    # The rest of the body is not read; the connection is closed after the answer.
    return page, 413, {"Connection": "close"}


# -- downloads for dossier readers -----------------------------------------------------


def _certificate(number: str) -> dict[str, Any]:
    actor = access.require_actor("read_dossier")
    try:
        check_certificate_number(number)
        return services().queries.certificate(number, actor=actor)
    except RegistryError:  # unknown, or a teacher's the actor may not see
        abort(404)


def _signed(record: dict[str, Any]) -> dict[str, Any]:
    return services().queries.credentials.credential(record)


def _file_name(number: str, extension: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in number)
    return f"certificate-{safe}.{extension}"


@bp.route("/certificates/<path:number>/credential.json")
def credential_download(number: str):
    """The certificate's signed credential, as a file."""
    document = _signed(_certificate(number))
    return Response(
        json.dumps(document, ensure_ascii=False, indent=2) + "\n",
        content_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{_file_name(number, "json")}"',
            "Cache-Control": "no-store",
        },
    )


def public_verify_url(number: str, code: str) -> str:
    """The verification page's address under the registry's published base URL."""
    from urllib.parse import quote, urlencode

    root = services().queries.credentials.issuer.root
    return f"{root}/verify/{quote(number, safe='')}?{urlencode({'code': code})}"


@bp.route("/certificates/<path:number>/certificate.pdf")
def certificate_pdf(number: str):
    """The certificate as an A4 PDF: its facts, the QR code to verify it and its
    credential's digest."""
    record = _certificate(number)
    document = _signed(record)
    url = public_verify_url(record["number"], record["verification_code"])
    data = render_pdf(
        "pdf/certificate.html",
        dated=record["issued_on"],
        certificate=record,
        verify_url=url,
        qr=qr_data_uri(url),
        digest=di.digest(document),
        signer=document["proof"]["verificationMethod"],
    )
    return pdf_response(data, _file_name(number, "pdf"))


@bp.route("/teachers/<pin>/statement.pdf")
def statement_pdf(pin: str):
    """The attestation statement as an A4 PDF, each certificate with its QR code and digest."""
    teacher = visible_teacher(pin)
    actor = access.current_actor()
    args = QueryArgs()
    as_of = args.date("as_of", today())
    if args.errors:
        abort(400, description="; ".join(args.errors))
    queries = services().queries
    compliance = queries.compliance(teacher["pin"], as_of=as_of, actor=actor)
    counting = {c["number"]: c.get("counts") for c in compliance.get("certificates", [])}
    rows = []
    for listed in queries.teacher_certificates(teacher["pin"], actor=actor):
        record = queries.certificate(listed["number"], actor=actor)
        url = public_verify_url(record["number"], record["verification_code"])
        rows.append(
            {
                **listed,
                "verification_code": record["verification_code"],
                "qr": qr_data_uri(url),
                "digest": di.digest(_signed(record)),
            }
        )
    data = render_pdf(
        "pdf/statement.html",
        dated=as_of,
        teacher=teacher,
        compliance=compliance,
        counting=counting,
        certificates=rows,
        as_of=as_of,
    )
    return pdf_response(data, f"statement-{teacher['pin']}-{as_of.isoformat()}.pdf")
