"""Uploading a CSV or Excel file of paper certificates or programme results.

The file is read while the upload is answered (a file that cannot be imported at all is
refused on the form at once); its rows are then recorded in the background
(`registry.jobs`): the page leads to the job's page, which shows rows done of the file's
rows while it runs (refreshing itself, no JavaScript needed), may be left and come back
to (the upload page lists the account's recent imports), and ends on the row-level
report. What the job keeps is bounded: the counts and the first rows not recorded.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from registry.access import Actor
from registry.application import Registry
from registry.domain.errors import RegistryError
from registry.imports import ImportFile, ImportFileError, read, record_file
from registry.imports.report import PROBLEMS_KEPT
from registry.jobs import Progress
from registry.queries import Queries
from web.pages import access
from web.pages.forms_training import ImportForm
from web.pages.jobs import JobKind, register_kind
from web.pages.messages import error_message
from web.services import services

bp = Blueprint("import_pages", __name__, url_prefix="/imports")

IMPORT_KIND = "import"
LEGACY_COLUMNS = ("pin", "number", "provider_code", "title", "form", "hours", "issued_on")
RESULT_COLUMNS = ("programme_id", "pin", "passed", "assessed_on", "number", "issued_on")
RECENT_IMPORTS = 10
VIEWS_WAIT_S = 10.0  # how long a finished import waits for the views to show its rows

register_kind(
    IMPORT_KIND,
    JobKind(
        permission="import_records",
        title=_l("Import"),
        result_template="forms/_import_report.html",
        back=lambda: url_for("import_pages.upload"),
        own_only=True,  # a file's rows and problems are its uploader's business
        label_title=_l("File"),
    ),
)


def importing(registry: Registry, queries: Queries, actor: Actor, parsed: ImportFile):
    """The work of one import: record the file's rows, reporting the rows done, then wait
    (briefly) until the views show them; its result is the bounded report."""

    def work(progress: Progress) -> dict[str, Any]:
        report = record_file(
            registry, actor, parsed, on_progress=lambda done, _total: progress.update(done)
        )
        if report.position is not None:
            try:  # the pages the report leads to then show what it recorded
                queries.wait_for(report.position, timeout=VIEWS_WAIT_S)
            except TimeoutError:
                pass
        return report.to_summary(PROBLEMS_KEPT)

    return work


@bp.route("/", methods=["GET", "POST"])
@access.permission_required("import_records")
def upload():
    """The upload form and the account's recent imports; an upload that can be read
    starts its import in the background and leads to the import's page."""
    actor = access.current_actor()
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        raw = upload.read()
        if not raw.strip():
            form.file.errors = [_("The file is empty.")]
            form.status = 400
        else:
            try:
                parsed = read(raw, form.encoding.data)
            except ImportFileError as error:
                form.file.errors = [error_message(error)]
                form.status = 400
            except RegistryError as error:
                form.form_errors.append(error_message(error))
                form.status = 400
            else:
                current = services()
                job = current.jobs.start(
                    IMPORT_KIND,
                    importing(current.registry, current.queries, actor, parsed),
                    started_by=actor.name,
                    total=parsed.total,
                    label=upload.filename or None,
                )
                return redirect(url_for("job_pages.job", job_id=job.id), 303)
    return render_template(
        "forms/import.html",
        form=form,
        recent=services().jobs.recent(IMPORT_KIND, RECENT_IMPORTS, started_by=actor.name),
        legacy_columns=LEGACY_COLUMNS,
        result_columns=RESULT_COLUMNS,
    ), form.status
