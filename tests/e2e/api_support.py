"""Fixtures of the API tests: a served Flask app on a fresh database and signed-in clients.

Imported by each tests/e2e/test_api_*.py module (`from tests.e2e.api_support import *`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient

from registry.commands.base import Actor
from tests.conftest import initialise_once

__all__ = ["Caller", "api", "api_app", "callers"]

# One teacher and one course as API bodies, shared by the API tests.
PIN = "21505198512345"
TEACHER = {
    "pin": PIN,
    "full_name": "Айгүл Асанова",
    "region": "KG-C",
    "district": "Sokuluk",
    "school": "School No. 3",
    "subject": "Mathematics",
    "position": "teacher",
    "service_start": "2010-09-01",
}
PROGRAMME = {
    "provider_code": "KAE",
    "code": "MATH-72",
    "title": "Teaching mathematics",
    "form": "course",
    "mode": "full_time",
    "hours": 72,
    "assessment": "exam",
    "funding": "state",
    "starts_on": "2024-03-01",
    "ends_on": "2024-03-20",
}

# A module whose scenarios need not run on both backends overrides `database_url`:
#
#     @pytest.fixture
#     def database_url(sqlite_url): return sqlite_url


def build_app(settings):
    from web import create_app

    initialise_once(settings)
    return create_app(
        {"TESTING": True, "REGISTRY_SETTINGS": settings, "SECRET_KEY": "test-web-secret"}
    )


@pytest.fixture
def api_app(settings, from_initialised_copy):
    """The web app on a fresh database (each backend, unless the module narrows it)."""
    app = build_app(settings)
    yield app
    app.extensions["registry"].close()


@dataclass
class Caller:
    """A client acting with one account's token (or as the public, without one)."""

    client: FlaskClient
    token: str | None = None

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        out = dict(headers or {})
        if self.token:
            out.setdefault("Authorization", f"Bearer {self.token}")
        return out

    def get(self, path: str, headers: dict[str, str] | None = None, **kwargs: Any):
        return self.client.get(f"/api/v1{path}", headers=self._headers(headers), **kwargs)

    def post(
        self, path: str, json: Any = None, headers: dict[str, str] | None = None, **kwargs: Any
    ):
        if json is not None:
            kwargs["json"] = json
        return self.client.post(f"/api/v1{path}", headers=self._headers(headers), **kwargs)

    def patch(self, path: str, json: Any = None, headers: dict[str, str] | None = None):
        return self.client.patch(f"/api/v1{path}", json=json, headers=self._headers(headers))


ACCOUNTS = {
    "admin": {"role": "admin"},
    "registrar": {"role": "registrar", "provider_code": "KAE"},
    "other_registrar": {"role": "registrar", "provider_code": "OBL"},
    "commission": {"role": "commission", "region": "KG-C"},
    "osh_commission": {"role": "commission", "region": "KG-O"},
    "national_commission": {"role": "commission"},
    "auditor": {"role": "auditor"},
    "statistician": {"role": "statistician"},
}


@pytest.fixture
def callers(api_app) -> dict[str, Caller]:
    """One caller per role (the providers KAE and OBL exist), plus "public"."""
    registry = api_app.extensions["registry"].registry
    system = Actor.system()
    registry.register_provider(
        system, code="KAE", name="Kyrgyz Academy of Education", kind="academy", region="KG-GB"
    )
    registry.register_provider(
        system, code="OBL", name="Osh Oblast Institute", kind="oblast_institute", region="KG-O"
    )
    client = api_app.test_client()
    out = {"public": Caller(client)}
    for name, scope in ACCOUNTS.items():
        _, token = registry.create_account(system, name=name.replace("_", "-"), **scope)
        out[name] = Caller(client, token)
    return out


@pytest.fixture
def api(callers) -> Caller:
    """The admin's caller."""
    return callers["admin"]
