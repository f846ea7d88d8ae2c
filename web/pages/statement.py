"""The printable attestation statement: a teacher's certificates and compliance on a date,
each certificate with a QR code that opens its public verification page."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import qrcode
import qrcode.image.svg
from flask import current_app, render_template, url_for

from web.pages import access
from web.pages.params import QueryArgs, today
from web.pages.teachers import bp, visible_teacher
from web.services import services


def verification_url(number: str, code: str) -> str:
    """The public verification address of a certificate (PUBLIC_BASE_URL if configured)."""
    path = url_for("verify.certificate", number=number, code=code)
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    return (
        f"{base}{path}"
        if base
        else url_for("verify.certificate", number=number, code=code, _external=True)
    )


def qr_data_uri(text: str) -> str:
    """A QR code of `text` as an SVG data URI (vector, so it prints sharply)."""
    image = qrcode.make(
        text,
        image_factory=qrcode.image.svg.SvgPathImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=2,
    )
    svg = image.to_string(encoding="unicode")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


@bp.route("/teachers/<pin>/statement")
def statement(pin: str):
    """A one-page statement for an attestation commission, ready to print."""
    teacher = visible_teacher(pin)
    actor = access.current_actor()
    args = QueryArgs()
    as_of = args.date("as_of", today())
    queries = services().queries
    compliance = queries.compliance(teacher["pin"], as_of=as_of, actor=actor)
    counting = {c["number"]: c.get("counts") for c in compliance.get("certificates", [])}
    rows = []
    for certificate in queries.teacher_certificates(teacher["pin"], actor=actor):
        full = queries.certificate(certificate["number"], actor=actor)
        url = verification_url(full["number"], full["verification_code"])
        rows.append(
            {
                **certificate,
                "verification_code": full["verification_code"],
                "verify_url": url,
                "qr": qr_data_uri(url),
            }
        )
    return render_template(
        "teachers/statement.html",
        teacher=teacher,
        compliance=compliance,
        counting=counting,
        certificates=rows,
        as_of=as_of,
        errors=args.errors,
        prepared_by=actor,
        prepared_at=datetime.now(UTC),
    ), 400 if args.errors else 200
