"""Bulk imports: a CSV body in, a row-level report out."""

from __future__ import annotations

import hashlib
import logging

from flask import request
from flask.views import MethodView

from registry import ledger
from web.api.base import POSITION_HEADER, Blueprint, idempotency_key, registry, written
from web.auth import require_actor
from web.errors import ApiError
from web.schemas.audit import ImportReportOut

log = logging.getLogger(__name__)

blp = Blueprint("imports", __name__, description="Bulk CSV imports.")

CSV_BODY = {
    "required": True,
    "content": {
        "text/csv": {
            "schema": {
                "type": "string",
                "description": "UTF-8 CSV with a header row: the columns of POST "
                "/certificates/legacy, or programme results (programme_id, pin, passed, assessed_on, "
                "number, issued_on).",
            }
        }
    },
}


def csv_text() -> str:
    """The request's CSV, from the raw body or an uploaded file named 'file'."""
    upload = request.files.get("file")
    raw = upload.read() if upload is not None else request.get_data(cache=False)
    if not raw.strip():
        raise ApiError(
            400, "empty_body", "Send the CSV file as the request body.", {"body": ["Empty."]}
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApiError(
            400, "not_utf8", "The CSV must be encoded in UTF-8.", {"body": ["Not UTF-8."]}
        ) from None


@blp.route("/imports")
class Imports(MethodView):
    """Bulk-loading certificates and programme results."""

    @blp.doc(requestBody=CSV_BODY)
    @blp.write(200, ImportReportOut)
    def post(self):
        """Import a CSV file; bad rows are reported by line, good rows recorded once."""
        actor = require_actor("import_records")
        text = csv_text()
        from registry.imports import import_csv

        app = registry()
        key = idempotency_key()
        try:
            if key is None:
                report = import_csv(app, actor, text).to_dict()
                position = report.get("position")
                return report, ({POSITION_HEADER: str(position)} if position else {})
            # A retried import answers its first report, stored under the key.
            digest = hashlib.sha256(text.encode()).hexdigest()
            result = app.commands.run(
                actor,
                "import_csv",
                {"sha256": digest},
                lambda session: import_csv(app, actor, text).to_dict(),
                idempotency_key=key,
            )
            # The importer sealed its rows; the key's record was saved after them.
            ledger.seal(app)
            return written(result)
        finally:
            if app.commands.batch is not None:
                # A batch left behind would silently swallow this thread's later writes
                # (nothing saves it): end it here whatever the importer did.
                log.error("the importer left a batch open; discarding it")
                app.commands.batch = None
