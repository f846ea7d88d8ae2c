"""Uploading a CSV or Excel file of paper certificates or programme results, with a
row-level report."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_babel import gettext as _

from registry.commands.base import CommandResult
from registry.domain.errors import RegistryError
from registry.imports.reading import ImportFileError
from web.pages import access
from web.pages.forms_base import wait_for_views
from web.pages.forms_training import ImportForm
from web.pages.messages import error_message
from web.services import services

bp = Blueprint("import_pages", __name__, url_prefix="/imports")

LEGACY_COLUMNS = ("pin", "number", "provider_code", "title", "form", "hours", "issued_on")
RESULT_COLUMNS = ("programme_id", "pin", "passed", "assessed_on", "number", "issued_on")


def run_import(data: bytes, encoding: str) -> dict[str, Any]:
    """Import the file as the signed-in actor; the importer records good rows once."""
    from registry.imports import import_csv

    return import_csv(
        services().registry, access.current_actor(), data, encoding=encoding
    ).to_dict()


@bp.route("/", methods=["GET", "POST"])
@access.permission_required("import_records")
def upload():
    """The upload form; after an upload, the report of every row."""
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        raw = form.file.data.read()
        if not raw.strip():
            form.file.errors = [_("The file is empty.")]
            form.status = 400
        else:
            try:
                report = run_import(raw, form.encoding.data)
            except ImportFileError as error:
                form.file.errors = [error_message(error)]
                form.status = 400
            except RegistryError as error:
                form.form_errors.append(error_message(error))
                form.status = 400
            else:
                if report.get("position"):
                    wait_for_views(CommandResult({}, report["position"]))
    return render_template(
        "forms/import.html",
        form=form,
        report=report,
        legacy_columns=LEGACY_COLUMNS,
        result_columns=RESULT_COLUMNS,
    ), form.status
