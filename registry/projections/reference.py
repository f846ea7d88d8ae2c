"""The reference view: the lists' entries with their names, and the spellings' codes."""

from __future__ import annotations

from registry.projections.base import View
from registry.projections.codec import id_text
from registry.projections.rows import Batch
from registry.storage.facts import Fact
from registry.storage.tables import Table

REFERENCE_ENTRIES = Table(
    "reference_entries",
    (
        ("id", "TEXT"),
        ("list", "TEXT"),
        ("code", "TEXT"),
        ("name_ky", "TEXT"),
        ("name_ru", "TEXT"),
        ("name_en", "TEXT"),
        ("region", "TEXT"),
        ("position", "INTEGER"),
        ("retired", "INTEGER"),
    ),
    key=("id",),
    indexes=(("list", "code"),),
)

REFERENCE_SPELLINGS = Table(
    "reference_spellings",
    (
        ("id", "TEXT"),
        ("list", "TEXT"),
        ("spelling", "TEXT"),
        ("code", "TEXT"),
    ),
    key=("id",),
    indexes=(("list", "spelling"),),
)


class ReferenceView(View):
    """Each list's entries (in the order added) and the spellings tied to their codes."""

    name = "reference"
    weight = 1.0  # µs of CPU per event of a rebuild of it alone, less the shared read
    tables = (REFERENCE_ENTRIES, REFERENCE_SPELLINGS)
    handlers = {
        "ReferenceEntry.Added": "added",
        "ReferenceEntry.Renamed": "renamed",
        "ReferenceEntry.Retired": "retired",
        "Spelling.Mapped": "mapped",
        "Spelling.Remapped": "remapped",
    }
    loads = {
        "ReferenceEntry.Renamed": ("reference_entries",),
        "ReferenceEntry.Retired": ("reference_entries",),
        "Spelling.Remapped": ("reference_spellings",),
    }

    def added(self, batch: Batch, fact: Fact) -> None:
        """A new entry."""
        d = fact.data
        batch["reference_entries"].put(
            {
                "id": id_text(fact.originator_id),
                "list": d["list_name"],
                "code": d["code"],
                "name_ky": d["name_ky"],
                "name_ru": d["name_ru"],
                "name_en": d["name_en"],
                "region": d["region"],
                "position": fact.position,
                "retired": 0,
            }
        )

    def renamed(self, batch: Batch, fact: Fact) -> None:
        """An entry's new names."""
        d = fact.data
        batch["reference_entries"].update(
            id_text(fact.originator_id),
            name_ky=d["name_ky"],
            name_ru=d["name_ru"],
            name_en=d["name_en"],
        )

    def retired(self, batch: Batch, fact: Fact) -> None:
        """An entry offered no more for new records."""
        batch["reference_entries"].update(id_text(fact.originator_id), retired=1)

    def mapped(self, batch: Batch, fact: Fact) -> None:
        """A spelling tied to a code."""
        d = fact.data
        batch["reference_spellings"].put(
            {
                "id": id_text(fact.originator_id),
                "list": d["list_name"],
                "spelling": d["spelling"],
                "code": d["code"],
            }
        )

    def remapped(self, batch: Batch, fact: Fact) -> None:
        """A spelling tied to another code."""
        batch["reference_spellings"].update(id_text(fact.originator_id), code=fact.data["code"])
