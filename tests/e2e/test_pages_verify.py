"""Public verification of a certificate by number and code: never a PIN, nothing revealed
by a wrong code."""

from __future__ import annotations

from tests.e2e.conftest import DUPLICATE_PIN, PIN


def test_a_matching_code_shows_the_certificate_without_the_pin(visitor, seeded):
    code = seeded.certificate["verification_code"]
    response = visitor.get(f"/verify/KAE-2024-0001?code={code}&lang=en")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "is recorded in the registry and is valid" in page
    assert "Айгүл Асанова" in page and "Teaching mathematics" in page and "72" in page
    assert "Provider KAE" in page
    assert PIN not in page


def test_a_wrong_code_says_so_and_reveals_nothing(visitor):
    response = visitor.get("/verify/KAE-2024-0001?code=WRONG-CODE&lang=en")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "do not match any certificate" in page
    assert "Асанова" not in page and "Teaching mathematics" not in page


def test_an_unknown_number_gets_the_same_answer_as_a_wrong_code(visitor):
    wrong_code = visitor.get("/verify/KAE-2024-0001?code=WRONG&lang=en").get_data(as_text=True)
    unknown = visitor.get("/verify/NO-SUCH-1?code=WRONG&lang=en").get_data(as_text=True)
    assert wrong_code.replace("KAE-2024-0001", "X") == unknown.replace("NO-SUCH-1", "X")


def test_the_form_sends_number_and_code_to_the_certificates_page(visitor, seeded):
    code = seeded.certificate["verification_code"]
    response = visitor.get(f"/verify?number=KAE-2024-0001&code={code}")
    assert response.status_code == 302
    assert response.location == f"/verify/KAE-2024-0001?code={code}"


def test_the_form_asks_for_both_values(visitor):
    assert "Enter both" in visitor.text("/verify?number=KAE-2024-0001&code=&lang=en")


def test_a_revoked_certificate_is_shown_as_revoked(visitor, seeded):
    code = seeded.revoked["verification_code"]
    page = visitor.text(f"/verify/KAE-2022-0007?code={code}&lang=en")
    assert "was revoked" in page
    assert DUPLICATE_PIN not in page


def test_a_replaced_original_links_to_its_duplicate(visitor, seeded):
    code = seeded.original["verification_code"]
    page = visitor.text(f"/verify/KAE-2023-0100?code={code}&lang=en")
    assert "replaced by a duplicate" in page
    assert 'href="/verify/KAE-2023-0100-D"' in page


def test_the_verification_page_is_not_cached_or_indexed(visitor, seeded):
    code = seeded.certificate["verification_code"]
    response = visitor.get(f"/verify/KAE-2024-0001?code={code}")
    assert response.headers["Cache-Control"] == "no-store"
    assert "noindex" in response.headers["X-Robots-Tag"]
