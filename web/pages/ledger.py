"""The auditors' ledger page: the head to publish, the checkpoints, what is not sealed yet,
the past verifications, and "verify now", which runs in the background (`registry.jobs`)
and records its result with who asked."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l

from registry import ledger as audit_ledger
from registry.application import Registry
from registry.jobs import Progress
from web.pages import access
from web.pages.forms_base import PageForm
from web.pages.jobs import JobKind, register_kind
from web.pages.params import QueryArgs
from web.services import services

bp = Blueprint("ledger_pages", __name__, url_prefix="/audit/ledger")

VERIFY_KIND = "ledger_verify"
CHECKPOINTS_PAGE = 20
VERIFICATIONS_SHOWN = 10


class VerifyForm(PageForm):
    """Only the CSRF token: verifying is a POST (it records a verification)."""


register_kind(
    VERIFY_KIND,
    JobKind(
        permission="audit",
        title=_l("Ledger verification"),
        result_template="audit/_verification_result.html",
        back=lambda: url_for("ledger_pages.ledger"),
    ),
)


def verification(registry: Registry, requested_by: str):
    """The work of one verification: the whole log against the ledger, reporting how many
    stored events it has read; its summary is the job's result."""

    def work(progress: Progress) -> dict[str, Any]:
        progress.set_total(audit_ledger.count_events(registry))
        report = audit_ledger.verify(
            registry, requested_by=requested_by, on_progress=progress.update
        )
        first = report.first
        return {
            "ok": report.ok,
            "events": report.events,
            "sealed_events": report.sealed_events,
            "unsealed_events": report.unsealed_events,
            "checkpoints": report.checkpoints,
            "head_position": report.head_position,
            "head_hash": report.head_hash,
            "first_position": first.position if first else None,
            "first_kind": first.kind if first else None,
            "finding": first.message if first else None,
            "findings": len(report.findings),
            "seconds": round(report.seconds, 3),
        }

    return work


@bp.route("", methods=["GET", "POST"])
@access.permission_required("audit")
def ledger():
    """The head, the unsealed count, the verifications and the checkpoints; a POST (the
    "verify now" button) starts a verification and shows its progress."""
    form = VerifyForm()
    if form.validate_on_submit():
        actor = access.require_actor("audit")
        current = services()
        job = current.jobs.start(
            VERIFY_KIND,
            verification(current.registry, actor.name),
            started_by=actor.name,
            exclusive=True,  # one verification at a time: a second click joins the first
        )
        return redirect(url_for("job_pages.job", job_id=job.id), 303)
    args = QueryArgs()
    before = args.integer("before", 0, minimum=1) or None
    queries = services().queries
    page = queries.ledger_checkpoints(before=before, limit=CHECKPOINTS_PAGE)
    return render_template(
        "audit/ledger.html",
        form=form,
        head=queries.ledger_head(),
        checkpoints=page["checkpoints"],
        older=page["before"],
        verifications=queries.ledger_verifications(limit=VERIFICATIONS_SHOWN),
        running=services().jobs.running(VERIFY_KIND),
        errors=args.errors,
    ), 400 if args.errors else form.status
