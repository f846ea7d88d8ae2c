"""The Kyrgyz Republic's regions (ISO 3166-2:KG) and their districts, from reference data."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Region:
    """One region: its ISO code, names, population share and districts."""

    code: str
    name_en: str
    name_ru: str
    short_ky: str  # the reference file's Kyrgyz name, "Чүй" (pages: REGION_NAMES_KY)
    population_share: float
    districts: tuple[tuple[str, str], ...]  # (English, Russian) names
    districts_ky: tuple[str, ...]  # their Kyrgyz names, in the same order


# The regions' Kyrgyz names as the pages show them (the reference file's are shorter).
REGION_NAMES_KY = {
    "KG-GB": "Бишкек",
    "KG-GO": "Ош шаары",
    "KG-B": "Баткен облусу",
    "KG-C": "Чүй облусу",
    "KG-Y": "Ысык-Көл облусу",
    "KG-J": "Жалал-Абад облусу",
    "KG-N": "Нарын облусу",
    "KG-O": "Ош облусу",
    "KG-T": "Талас облусу",
}


@lru_cache(maxsize=1)
def regions() -> dict[str, Region]:
    """All regions by code, in the order of the reference file."""
    rows: dict[str, dict[str, Any]] = {}
    text = resources.files("registry").joinpath("data/kg-districts.csv").read_text("utf-8")
    for row in csv.DictReader(text.splitlines()):
        region = rows.setdefault(
            row["region_code"],
            {
                "code": row["region_code"],
                "name_en": row["region_en"],
                "name_ru": row["region_ru"],
                "short_ky": row["region_ky"],
                "population_share": float(row["population_share"]),
                "districts": [],
                "districts_ky": [],
            },
        )
        region["districts"].append((row["district_en"], row["district_ru"]))
        region["districts_ky"].append(row["district_ky"])
    return {
        code: Region(
            **{**r, "districts": tuple(r["districts"]), "districts_ky": tuple(r["districts_ky"])}
        )
        for code, r in rows.items()
    }


def region_codes() -> tuple[str, ...]:
    """The nine region codes."""
    return tuple(regions())


def region_of_district(name: str) -> str | None:
    """The region whose reference list names this district (in English, Russian or
    Kyrgyz), if any."""
    return _district_regions().get(name.strip().casefold())


@lru_cache(maxsize=1)
def _district_regions() -> dict[str, str]:
    # Asked at every registration and transfer: one lookup, not a walk of the list.
    return {
        name.casefold(): region.code
        for region in regions().values()
        for name in (*(n for pair in region.districts for n in pair), *region.districts_ky)
    }
