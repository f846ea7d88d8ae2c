"""Bulk imports: a CSV (UTF-8 or Windows-1251) or .xlsx body in, a row-level report out."""

from __future__ import annotations

import hashlib
import logging

from flask import request
from flask.views import MethodView

from registry import ledger
from web.api.base import POSITION_HEADER, Blueprint, idempotency_key, registry, written
from web.auth import require_actor
from web.downloads import CONTENT_TYPES
from web.errors import ApiError
from web.schemas.audit import ImportArgs, ImportReportOut

log = logging.getLogger(__name__)

blp = Blueprint("imports", __name__, description="Bulk CSV imports.")

FILE_SCHEMA = {
    "type": "string",
    "description": "A header row, then one row each: the columns of POST /certificates/legacy, "
    "or programme results (programme_id, pin, passed, assessed_on, number, issued_on[, score]).",
}
CSV_BODY = {
    "required": True,
    "content": {
        "text/csv": {"schema": FILE_SCHEMA},
        CONTENT_TYPES["xlsx"]: {"schema": {**FILE_SCHEMA, "format": "binary"}},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        },
    },
}


def upload() -> bytes:
    """The request's file, from the raw body or an uploaded file named 'file' (a form
    upload). A raw body is taken whatever its Content-Type says (curl's --data-binary
    labels it a URL-encoded form, which read as a form left the body empty)."""
    if request.mimetype == "multipart/form-data":
        file = request.files.get("file")
        raw = file.read() if file is not None else b""
    else:
        raw = request.get_data(cache=False)
    if not raw.strip():
        raise ApiError(
            400,
            "empty_body",
            "Send the CSV or .xlsx file as the request body.",
            {"body": ["Empty."]},
        )
    return raw


@blp.route("/imports")
class Imports(MethodView):
    """Bulk-loading certificates and programme results."""

    @blp.doc(requestBody=CSV_BODY)
    @blp.arguments(ImportArgs, location="query")
    @blp.write(200, ImportReportOut, permission="import_records")
    def post(self, args):
        """Import a CSV (UTF-8 or Windows-1251: ?encoding=, detected by default) or .xlsx
        file; bad rows are reported by line, good rows recorded once."""
        actor = require_actor("import_records")
        data = upload()
        encoding = args["encoding"]
        from registry.imports import import_csv

        app = registry()
        key = idempotency_key()
        try:
            if key is None:
                report = import_csv(app, actor, data, encoding=encoding).to_dict()
                position = report.get("position")
                return report, ({POSITION_HEADER: str(position)} if position else {})
            # A retried import answers its first report, stored under the key.
            digest = hashlib.sha256(data).hexdigest()
            result = app.commands.run(
                actor,
                "import_csv",
                {"sha256": digest},
                lambda session: import_csv(app, actor, data, encoding=encoding).to_dict(),
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
