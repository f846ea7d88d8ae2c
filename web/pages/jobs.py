"""A background job's page: its progress while it runs (the page refreshes itself, no
JavaScript needed), then its result. Each kind of job says who may see it and how its
result is shown (`register_kind`); the jobs themselves are `registry.jobs`'."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, render_template

from web.pages import access
from web.services import services

bp = Blueprint("job_pages", __name__, url_prefix="/jobs")

REFRESH_S = 2  # how often a running job's page reloads itself


@dataclass(frozen=True)
class JobKind:
    """How the pages show one kind of job."""

    permission: str  # who may see a job of this kind (registry.access)
    title: Any  # a lazy translated string
    result_template: str  # the template showing a finished job's result
    back: Callable[[], str]  # the address of the page the job was started from
    own_only: bool = False  # only the account that started it may see it
    label_title: Any = None  # what a job's label is, shown before it ("File")


KINDS: dict[str, JobKind] = {}


def register_kind(kind: str, job_kind: JobKind) -> None:
    """Make jobs of `kind` visible on their page."""
    KINDS[kind] = job_kind


@bp.get("/<job_id>")
@access.permission_required()
def job(job_id: str):
    """A job's progress (refreshing itself while it runs) or its result."""
    found = services().jobs.get(job_id) if len(job_id) <= 64 else None
    kind = KINDS.get(found.kind) if found is not None else None
    if found is None or kind is None:
        abort(404)
    actor = access.require_actor(kind.permission)
    if kind.own_only and found.started_by != actor.name:
        abort(404)  # another account's job: nothing about it is revealed
    return render_template(
        "jobs/job.html", job=found, kind=kind, refresh=REFRESH_S if found.running else None
    )
