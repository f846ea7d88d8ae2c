"""The reference lists on pages: names in the page's language, the forms' pickers, and the
administrators' page of the lists and of the old spellings' codes (with CSV both ways)."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Response, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField

from registry.domain.errors import RegistryError, RuleViolationError
from registry.domain.reference import LIST_OF, LISTS, NAME_LANGUAGES, seed_spellings, spelling_key
from web.i18n import current_language
from web.pages import access
from web.pages.forms_base import PageForm, at_most, options, required, run_command, wait_for_views
from web.pages.labels import region_name
from web.pages.messages import error_message
from web.services import services

bp = Blueprint("reference_pages", __name__, url_prefix="/admin/reference")
MAX_UPLOAD = 2 * 1024 * 1024


def lists() -> dict[str, list[dict[str, Any]]]:
    """Every list's entries, read once per request."""
    if "reference_lists" not in g:
        g.reference_lists = services().queries.reference.all_entries()
    return g.reference_lists


def entry_name(entry: dict[str, Any]) -> str:
    """An entry's name in the page's language."""
    return entry.get(f"name_{current_language()}") or entry["name_en"]


def find_entry(list_name: str, value: str | None) -> dict[str, Any] | None:
    """The entry a recorded value stands for: its code, or a name the lists started with."""
    if not value:
        return None
    entries = {e["code"]: e for e in lists().get(list_name, [])}
    found = entries.get(value)
    if found is None:
        code = seed_spellings().get((list_name, spelling_key(value)))
        found = entries.get(code) if code else None
    return found


def listed_entry(list_name: str, value: str | None) -> dict[str, Any] | None:
    """The entry a value names: its code, or one of its names in Kyrgyz, Russian or
    English (case, Kyrgyz letters and script aside), as a link or an old bookmark may
    carry it; retired entries too (they still name history)."""
    found = find_entry(list_name, value)
    if found is not None or not value:
        return found
    key = spelling_key(value)
    for entry in lists().get(list_name, []):
        texts = (entry["code"], *(entry[f"name_{lang}"] for lang in NAME_LANGUAGES))
        if key in {spelling_key(text) for text in texts}:
            return entry
    return None


def reference_name(list_name: str, value: str | None) -> str:
    """A recorded district, subject or position in the page's language (text that no
    entry stands for, as it was recorded)."""
    if not value:
        return "—"
    entry = find_entry(list_name, value)
    return entry_name(entry) if entry else value


def provider_name(record: dict[str, Any], field: str = "name") -> str:
    """A provider's name in the page's language; the English name is the fallback."""
    lang = current_language()
    translated = record.get(f"{field}_{lang}") if lang in ("ky", "ru") else None
    return translated or record.get(field) or record.get("provider_code") or "—"


def choices(list_name: str, blank: str | None = None) -> list[tuple[str, str]]:
    """(code, name) pairs of a list, by name in the page's language."""
    pairs = sorted(
        ((e["code"], entry_name(e)) for e in lists()[list_name] if not e["retired"]),
        key=lambda p: p[1],
    )
    return ([("", blank)] if blank is not None else []) + pairs


def district_choices(
    region: str | None, blank: str, *, retired: bool = False
) -> dict[str, list[tuple[str, str]]]:
    """The districts grouped by region (one <optgroup> each), only the chosen region's
    once one is chosen: a picker that works without JavaScript. Retired districts only
    with `retired` (a filter of lists, where history still carries them)."""
    groups: dict[str, list[tuple[str, str]]] = {"": [("", blank)]}
    for entry in lists()["districts"]:
        if (entry["retired"] and not retired) or (region and entry["region"] != region):
            continue
        groups.setdefault(region_name(entry["region"]), []).append(
            (entry["code"], entry_name(entry))
        )
    for pairs in list(groups.values())[1:]:
        pairs.sort(key=lambda p: p[1])
    return groups


def district_picker(validator: Any) -> SelectField:
    """The district as a select of the listed districts, grouped by region."""
    return SelectField(_l("District"), validators=[validator], validate_choice=False)


def list_picker(text: Any, validator: Any) -> SelectField:
    """A subject or position as a select of its list (names in the page's language); the
    command refuses a value the list does not have, naming the field."""
    return SelectField(text, validators=[validator], validate_choice=False)


def fill_pickers(form: PageForm, blank: str) -> None:
    """Give a form's district, subject and position pickers their choices (the chosen
    region's districts only, once a region is chosen)."""
    for name, list_name in LIST_OF.items():
        field = getattr(form, name, None)
        if field is None:
            continue
        if list_name == "districts":
            region = getattr(getattr(form, "region", None), "data", None)
            field.choices = {
                group: options(pairs) for group, pairs in district_choices(region, blank).items()
            }
        else:
            field.choices = options(choices(list_name, blank))


def check_listed_district(region: str, district: str) -> None:
    """A listed district belongs to the region chosen with it."""
    entry = find_entry("districts", district)
    if entry is not None and entry["region"] != region:
        raise RuleViolationError(
            f"District {district} is not in {region}.",
            field="district",
            code="district_not_in_region",
        )


class SpellingForm(PageForm):
    """Tie a spelling recorded before the lists to a code."""

    spelling = StringField(_l("Spelling as recorded"), validators=[required(), at_most("name")])
    code = SelectField(_l("Entry of the list"), validators=[required()], validate_choice=False)

    def __init__(self, entries: list[dict[str, Any]], name: Any, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        pairs = sorted(
            ((e["code"], f"{name(e)} ({e['code']})") for e in entries), key=lambda p: p[1]
        )
        self.code.choices = options([("", str(_l("Choose…"))), *pairs])


@bp.route("/", methods=["GET", "POST"])
@access.permission_required("manage_reference")
def index():
    """The lists, the spellings not tied to a code yet (with how many teachers carry
    them), the mapped ones, and a form to tie a spelling to a code."""
    list_name = request.values.get("list", "districts")
    if list_name not in LISTS:
        list_name = "districts"
    form = SpellingForm(lists()[list_name], entry_name)
    if form.validate_on_submit():
        args = form.command_args("spelling", "code")
        if run_command(
            form,
            lambda: services().registry.map_spellings(
                access.current_actor(), list_name, {args["spelling"]: args["code"]}
            ),
            _("The spelling was tied to its code."),
        ):
            return redirect(url_for("reference_pages.index", list=list_name), 303)
    reference = services().queries.reference
    return render_template(
        "admin/reference.html",
        form=form,
        list_name=list_name,
        lists=LISTS,
        entries=lists()[list_name],
        unmapped=reference.unmapped(list_name),
        spellings=reference.spellings(list_name),
        upload_error=None,
    ), form.status


@bp.get("/<list_name>/spellings.csv")
@access.permission_required("manage_reference")
def download(list_name: str):
    """The mapped spellings of a list, and those still to map (code empty), as CSV."""
    if list_name not in LISTS:
        return Response(status=404)
    reference = services().queries.reference
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["spelling", "code", "teachers"])
    for row in reference.unmapped(list_name):
        writer.writerow([row["spelling"], "", row["teachers"]])
    for row in reference.spellings(list_name):
        writer.writerow([row["spelling"], row["code"], ""])
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={list_name}-spellings.csv"},
    )


@bp.post("/<list_name>/spellings")
@access.permission_required("manage_reference")
def upload(list_name: str):
    """Tie the spellings of an uploaded CSV (columns spelling, code; rows without a code
    are skipped) to their codes, all or none."""
    if list_name not in LISTS:
        return Response(status=404)
    upload = request.files.get("file")
    data = upload.read(MAX_UPLOAD + 1) if upload else b""
    mapping: dict[str, str] = {}
    error = None
    try:
        if not data or len(data) > MAX_UPLOAD:
            raise RuleViolationError(_("Choose a CSV file of at most 2 MB."), field="file")
        text = data.decode("utf-8-sig")
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or not {"spelling", "code"} <= set(reader.fieldnames):
            raise RuleViolationError(
                _("The CSV needs the columns spelling and code."), field="file"
            )
        for row in reader:
            if (row.get("spelling") or "").strip() and (row.get("code") or "").strip():
                mapping[row["spelling"]] = row["code"].strip()
        if not mapping:
            raise RuleViolationError(_("The CSV has no row with a code."), field="file")
        wait_for_views(
            services().registry.map_spellings(access.current_actor(), list_name, mapping)
        )
    except UnicodeDecodeError:
        error = _("The file is not UTF-8 text.")
    except RegistryError as refused:
        error = error_message(refused)
    if error is None:
        return redirect(url_for("reference_pages.index", list=list_name), 303)
    reference = services().queries.reference
    form = SpellingForm(lists()[list_name], entry_name, formdata=None)
    return render_template(
        "admin/reference.html",
        form=form,
        list_name=list_name,
        lists=LISTS,
        entries=lists()[list_name],
        unmapped=reference.unmapped(list_name),
        spellings=reference.spellings(list_name),
        upload_error=error,
    ), 422
