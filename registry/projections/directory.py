"""The directory view: providers, programmes, the compliance policy's versions and the
training needs of schools and districts (matched to the programmes when read)."""

from __future__ import annotations

from registry.domain.need import NEED_FIELDS
from registry.domain.search import search_key
from registry.projections.base import View
from registry.projections.codec import date_text, flag, id_text, time_text
from registry.projections.rows import Batch
from registry.storage.facts import Fact
from registry.storage.tables import Table

PROVIDERS = Table(
    "providers",
    (
        ("id", "TEXT"),
        ("code", "TEXT"),
        ("name", "TEXT"),
        ("kind", "TEXT"),
        ("region", "TEXT"),
        ("suspended", "INTEGER"),
        ("suspension_reason", "TEXT"),
        ("registered_at", "TEXT"),
        ("name_ky", "TEXT"),
        ("name_ru", "TEXT"),
    ),
    key=("id",),
    indexes=(("code",),),
)

PROGRAMMES = Table(
    "programmes",
    (
        ("id", "TEXT"),
        ("provider_code", "TEXT"),
        ("code", "TEXT"),
        ("title", "TEXT"),
        ("form", "TEXT"),
        ("mode", "TEXT"),
        ("hours", "INTEGER"),
        ("assessment", "TEXT"),
        ("funding", "TEXT"),
        ("starts_on", "TEXT"),
        ("ends_on", "TEXT"),
        ("subject", "TEXT"),
        ("capacity", "INTEGER"),
        ("recorded_at", "TEXT"),
        ("search_key", "TEXT"),
    ),
    key=("id",),
    indexes=(("provider_code", "code"),),
    search=("search_key",),
)

NEEDS = Table(
    "training_needs",
    (
        ("id", "TEXT"),
        ("region", "TEXT"),
        ("district", "TEXT"),
        ("school", "TEXT"),
        ("subject", "TEXT"),
        ("topic", "TEXT"),
        ("teachers", "INTEGER"),
        ("period_from", "TEXT"),
        ("period_to", "TEXT"),
        ("recorded_at", "TEXT"),
        ("withdrawn_at", "TEXT"),  # with the reason, once withdrawn
        ("withdrawal_reason", "TEXT"),
    ),
    key=("id",),
    indexes=(("region", "period_from"),),
)

POLICIES = Table(
    "policy_versions",
    POLICY_COLUMNS := (
        ("position", "INTEGER"),
        ("effective_from", "TEXT"),
        ("window_years", "INTEGER"),
        ("required_hours", "INTEGER"),
        ("recorded_at", "TEXT"),
    ),
    key=("position",),
)


def policy_row(fact: Fact) -> dict[str, object]:
    """A policy version's row (POLICY_COLUMNS), as every view that keeps the versions
    stores it."""
    d = fact.data
    return {
        "position": fact.position,
        "effective_from": date_text(d["effective_from"]),
        "window_years": d["window_years"],
        "required_hours": d["required_hours"],
        "recorded_at": time_text(fact.recorded_at),
    }


class DirectoryView(View):
    """Who provides what, and the policy versions in the order they were adopted."""

    name = "directory"
    weight = 3.0  # µs of CPU per event of a rebuild of it alone, less the shared read
    tables = (PROVIDERS, PROGRAMMES, POLICIES, NEEDS)
    handlers = {
        "Provider.Registered": "provider_registered",
        "Provider.Suspended": "provider_suspended",
        "Provider.Reinstated": "provider_reinstated",
        "Provider.NamesTranslated": "provider_translated",
        "Programme.Registered": "programme_registered",
        "Programme.CapacityChanged": "programme_capacity_changed",
        "TrainingNeed.Recorded": "need_recorded",
        "TrainingNeed.Withdrawn": "need_withdrawn",
        "CompliancePolicy.Started": "policy_adopted",
        "CompliancePolicy.VersionAdopted": "policy_adopted",
    }
    loads = {
        "Provider.Suspended": ("providers",),
        "Provider.Reinstated": ("providers",),
        "Programme.CapacityChanged": ("programmes",),
        "Provider.NamesTranslated": ("providers",),
        "TrainingNeed.Withdrawn": ("training_needs",),
    }

    def provider_registered(self, batch: Batch, fact: Fact) -> None:
        """A new provider."""
        d = fact.data
        batch["providers"].put(
            {
                "id": id_text(fact.originator_id),
                "code": d["code"],
                "name": d["name"],
                "kind": d["kind"],
                "region": d["region"],
                "suspended": 0,
                "suspension_reason": None,
                "registered_at": time_text(fact.recorded_at),
                "name_ky": None,
                "name_ru": None,
            }
        )

    def provider_translated(self, batch: Batch, fact: Fact) -> None:
        """A provider's Kyrgyz and Russian names."""
        batch["providers"].update(
            id_text(fact.originator_id),
            name_ky=fact.data["name_ky"],
            name_ru=fact.data["name_ru"],
        )

    def provider_suspended(self, batch: Batch, fact: Fact) -> None:
        """A provider may record nothing new."""
        batch["providers"].update(
            id_text(fact.originator_id), suspended=flag(True), suspension_reason=fact.data["reason"]
        )

    def provider_reinstated(self, batch: Batch, fact: Fact) -> None:
        """A provider may record again."""
        batch["providers"].update(
            id_text(fact.originator_id), suspended=flag(False), suspension_reason=None
        )

    def programme_registered(self, batch: Batch, fact: Fact) -> None:
        """A new programme."""
        d = fact.data
        batch["programmes"].put(
            {
                "id": id_text(fact.originator_id),
                "provider_code": d["provider_code"],
                "code": d["code"],
                "title": d["title"],
                "form": d["form"],
                "mode": d["mode"],
                "hours": d["hours"],
                "assessment": d["assessment"],
                "funding": d["funding"],
                "starts_on": date_text(d["starts_on"]),
                "ends_on": date_text(d["ends_on"]),
                # Programmes registered before these fields existed have neither.
                "subject": d.get("subject"),
                "capacity": d.get("capacity"),
                "recorded_at": time_text(fact.recorded_at),
                "search_key": search_key(d["title"], d["code"], d["provider_code"]),
            }
        )

    def programme_capacity_changed(self, batch: Batch, fact: Fact) -> None:
        """A programme's places set or cleared."""
        batch["programmes"].update(id_text(fact.originator_id), capacity=fact.data["capacity"])

    def need_recorded(self, batch: Batch, fact: Fact) -> None:
        """A school's or a district's need for a course."""
        d = fact.data
        batch["training_needs"].put(
            {
                "id": id_text(fact.originator_id),
                **{name: d[name] for name in NEED_FIELDS},
                "recorded_at": time_text(fact.recorded_at),
                "withdrawn_at": None,
                "withdrawal_reason": None,
            }
        )

    def need_withdrawn(self, batch: Batch, fact: Fact) -> None:
        """A need closed: it stays, with when and why."""
        batch["training_needs"].update(
            id_text(fact.originator_id),
            withdrawn_at=time_text(fact.recorded_at),
            withdrawal_reason=fact.data["reason"],
        )

    def policy_adopted(self, batch: Batch, fact: Fact) -> None:
        """A policy version (the first one included), in the order adopted."""
        batch["policy_versions"].put(policy_row(fact))
