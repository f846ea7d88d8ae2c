"""Uploading a CSV file of paper certificates or programme results, with a row-level report."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_babel import gettext as _

from registry.domain.errors import RegistryError
from web.pages import access
from web.pages.forms_base import wait_for_views
from web.pages.forms_training import ImportForm
from web.pages.messages import error_message
from web.services import services

bp = Blueprint("import_pages", __name__, url_prefix="/imports")

LEGACY_COLUMNS = ("pin", "number", "provider_code", "title", "form", "hours", "issued_on")
RESULT_COLUMNS = ("programme_id", "pin", "passed", "assessed_on", "number", "issued_on")


def run_import(text: str) -> dict[str, Any]:
    """Import the CSV as the signed-in actor; the importer records good rows once."""
    from registry.imports import import_csv

    report = import_csv(services().registry, access.current_actor(), text)
    return report.to_dict() if hasattr(report, "to_dict") else dict(report)


@bp.route("/", methods=["GET", "POST"])
@access.permission_required("import_records")
def upload():
    """The upload form; after an upload, the report of every row."""
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        raw = form.file.data.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            form.file.errors = [
                _("The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again.")
            ]
            form.status = 400
        else:
            if not text.strip():
                form.file.errors = [_("The file is empty.")]
                form.status = 400
            else:
                try:
                    report = run_import(text)
                except ModuleNotFoundError:  # the importer is not installed in this build
                    form.form_errors.append(_("Imports are not available yet."))
                    form.status = 501
                except RegistryError as error:
                    form.form_errors.append(error_message(error))
                    form.status = 400
                else:
                    if report.get("position"):
                        from registry.commands.base import CommandResult

                        wait_for_views(CommandResult({}, report["position"]))
    return render_template(
        "forms/import.html",
        form=form,
        report=report,
        legacy_columns=LEGACY_COLUMNS,
        result_columns=RESULT_COLUMNS,
    ), form.status
