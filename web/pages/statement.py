"""The printable attestation statement: a teacher's certificates and compliance on a date,
each certificate with a QR code that opens its public verification page."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import qrcode
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
    """A QR code of `text` as an SVG data URI (vector, so it prints sharply): one path,
    a rectangle for each run of dark modules in a row, 1 mm a module.

    qrcode's SvgPathImage drew a square per module (about 700 in a certificate's code):
    WeasyPrint spent a third of a 14-certificate statement's PDF reading them, and the
    runs are the same modules (the same picture, without seams between squares)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(text)
    code.make(fit=True)
    rows = code.get_matrix()  # the border included
    size = len(rows)
    runs = []
    for y, row in enumerate(rows):
        x = 0
        while x < size:
            if not row[x]:
                x += 1
                continue
            start = x
            while x < size and row[x]:
                x += 1
            runs.append(f"M{start},{y}h{x - start}v1h{start - x}z")
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{size}mm"'
        f' height="{size}mm" viewBox="0 0 {size} {size}">'
        f'<path d="{"".join(runs)}" fill="#000000"/></svg>'
    )
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
