"""The access table and its scope rules, without any storage."""

from __future__ import annotations

import pytest

from registry import access
from registry.access import Actor
from registry.domain.errors import ForbiddenError, NotAuthenticatedError, NotFoundError
from registry.domain.values import ROLES

KAE = Actor(name="kae", role="registrar", provider_code="KAE")
CHUY = Actor(name="chuy", role="commission", region="KG-C")
NATIONAL = Actor(name="national", role="commission")


def test_the_public_holds_only_verification_open_data_and_the_reference_lists():
    public = {p for p in access.PERMISSIONS if access.allows(None, p)}
    assert public == {"verify_certificate", "read_open_data", "read_reference"}


def test_names_and_pins_are_never_for_statisticians_or_the_public():
    for permission in ("read_dossier", "read_enrolment"):
        assert not access.allows("statistician", permission)
        assert not access.allows(None, permission)


def test_only_the_operator_manages_providers_accounts_and_the_policy():
    for permission in ("manage_providers", "manage_accounts", "adopt_policy"):
        assert access.roles_with(permission) == ("admin",)


def test_every_role_of_the_domain_holds_some_permission_and_the_table_no_other_role():
    assert set(ROLES) == {r for p in access.PERMISSIONS for r in access.roles_with(p)} - {
        access.PUBLIC
    }


def test_require_tells_nobody_signed_in_from_a_role_without_the_permission():
    with pytest.raises(NotAuthenticatedError):
        access.require(None, "read_dossier")
    with pytest.raises(ForbiddenError) as refused:
        access.require(Actor(name="s", role="statistician"), "read_dossier")
    assert refused.value.code == "forbidden_role"
    assert access.require(CHUY, "read_dossier") is CHUY


def test_a_permission_not_in_the_table_is_a_programming_error():
    with pytest.raises(ValueError):
        access.allows("admin", "admin")
    with pytest.raises(ValueError):
        KAE.require("registrar")


def test_a_registrar_acts_for_their_own_provider_only_where_the_permission_is_scoped():
    assert KAE.may("write_certificates", provider="KAE")
    assert not KAE.may("write_certificates", provider="OBL")
    with pytest.raises(ForbiddenError) as refused:
        KAE.require("read_workload", provider="OBL")
    assert refused.value.code == "other_provider"
    assert KAE.may("write_teachers")  # teachers are national
    assert Actor.system().may("write_certificates", provider="OBL")
    with pytest.raises(ForbiddenError):
        access.check_provider(KAE, None)


def test_a_bound_commission_lists_and_sees_its_own_region_only():
    assert access.region_filter(CHUY, None) == "KG-C"
    assert access.region_filter(CHUY, "KG-C") == "KG-C"
    with pytest.raises(ForbiddenError):
        access.region_filter(CHUY, "KG-O")
    assert access.region_filter(NATIONAL, "KG-O") == "KG-O"
    assert access.region_filter(KAE, None) is None
    access.check_teacher_visible(CHUY, "KG-C")
    access.check_teacher_visible(NATIONAL, "KG-O")
    with pytest.raises(NotFoundError) as hidden:
        access.check_teacher_visible(CHUY, "KG-O")
    assert hidden.value.code == "teacher_not_found"
