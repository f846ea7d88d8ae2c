"""Signed credentials on the pages: public documents for verifiers, the verification page
for a file, the downloads, and the PDFs read back."""

from __future__ import annotations

import io
import json

import pypdf
import pytest

from tests.e2e.conftest import DUPLICATE_PIN, PIN


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def admin(as_role):
    return as_role("admin")


def credential_of(browser, number: str) -> bytes:
    response = browser.get(f"/certificates/{number}/credential.json")
    assert response.status_code == 200 and response.content_type == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    return response.data


def test_verifiers_find_the_keys_the_context_and_the_revocation_list_without_an_account(
    visitor, seeded
):
    did = visitor.get("/.well-known/did.json").get_json()
    assert did["id"].startswith("did:web:") and did["assertionMethod"]
    method = did["verificationMethod"][0]
    assert method["type"] == "Multikey" and method["publicKeyMultibase"].startswith("z6Mk")
    jwks = visitor.get("/.well-known/jwks.json").get_json()
    assert jwks["keys"][0]["kid"] == method["id"] and jwks["keys"][0]["crv"] == "Ed25519"
    assert "academicHours" in visitor.get("/credentials/context/v1").get_json()["@context"]
    listed = visitor.get("/credentials/status/0")
    assert listed.status_code == 200 and listed.headers["Access-Control-Allow-Origin"] == "*"
    assert listed.get_json()["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert visitor.get("/credentials/status/7").status_code == 404


def test_a_downloaded_credential_verifies_on_the_public_page_pasted_or_uploaded(
    admin, visitor, seeded
):
    raw = credential_of(admin, seeded.certificate["number"])
    assert PIN.encode() not in raw
    pasted = visitor.submit("/verify/credential?lang=en", {"text": raw.decode()})
    page = pasted.get_data(as_text=True)
    assert pasted.status_code == 200 and "The credential is authentic" in page
    assert seeded.certificate["number"] in page and "Айгүл Асанова" in page
    uploaded = visitor.submit(
        "/verify/credential?lang=en",
        {"file": (io.BytesIO(raw), "certificate.json")},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 200 and "The credential is authentic" in uploaded.get_data(
        as_text=True
    )


def test_a_revoked_certificates_credential_is_not_valid_and_says_why(admin, visitor, seeded):
    raw = credential_of(admin, seeded.revoked["number"])
    response = visitor.submit("/verify/credential?lang=en", {"text": raw.decode()})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Not valid." in page
    assert "revoked: its bit in the revocation list is set" in page


@pytest.mark.parametrize(
    "change, says",
    [
        (
            lambda t: t.replace('"academicHours": 72', '"academicHours": 720'),
            "The signature does not match",
        ),
        (
            lambda t: t.replace("https://purl.imsglobal.org", "https://purl.example.org"),
            "vocabulary (@context)",
        ),
        (lambda t: t[: len(t) // 2], "This is not a credential"),
        (lambda t: "[]", "This is not a credential"),
    ],
)
def test_a_changed_or_malformed_file_is_named_by_its_failed_check(
    admin, visitor, seeded, change, says
):
    text = credential_of(admin, seeded.certificate["number"]).decode()
    response = visitor.submit("/verify/credential?lang=en", {"text": change(text)})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and says in page and "authentic" not in page


def test_a_fifty_megabyte_upload_gets_a_clear_error_and_is_not_read(visitor):
    token = visitor.csrf("/verify/credential?lang=en")
    response = visitor.client.post(
        "/verify/credential?lang=en",
        data={"csrf_token": token, "file": (io.BytesIO(b"{" * (50 << 20)), "big.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "The file is too large" in response.get_data(as_text=True)


def test_the_verification_page_speaks_the_readers_language(visitor):
    for lang, word in (("ru", "Проверить"), ("ky", "Текшерүү"), ("en", "Verify")):
        assert word in visitor.text(f"/verify/credential?lang={lang}")


def test_an_empty_submission_or_a_foreign_form_records_nothing_and_says_so(visitor):
    empty = visitor.submit("/verify/credential?lang=en", {"text": "  "})
    assert empty.status_code == 400
    assert "Choose a credential file or paste its text." in empty.get_data(as_text=True)
    forged = visitor.client.post("/verify/credential?lang=en", data={"text": "{}"})
    assert forged.status_code == 400


def test_the_certificate_pdf_reads_back_with_number_hours_and_the_credentials_digest(admin, seeded):
    number = seeded.certificate["number"]
    from registry.credentials.proof import digest

    raw = credential_of(admin, number)
    response = admin.get(f"/certificates/{number}/certificate.pdf?lang=en")
    assert response.status_code == 200 and response.content_type == "application/pdf"
    text = pdf_text(response.data)
    assert number in text and "72" in text and "Academic hours" in text
    assert digest(json.loads(raw)) in text.replace("\n", "")
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    again = admin.get(f"/certificates/{number}/certificate.pdf?lang=en")
    assert again.data == response.data  # the same inputs, the same bytes
    assert "Академические часы" in pdf_text(
        admin.get(f"/certificates/{number}/certificate.pdf?lang=ru").data
    )
    assert "Академиялык сааттар" in pdf_text(
        admin.get(f"/certificates/{number}/certificate.pdf?lang=ky").data
    )


def test_the_statement_pdf_lists_each_certificate_with_its_hours(admin, seeded):
    response = admin.get(f"/teachers/{DUPLICATE_PIN}/statement.pdf?lang=en&as_of=2025-01-01")
    assert response.status_code == 200
    text = pdf_text(response.data).replace("\n", " ")
    for certificate in (seeded.original, seeded.duplicate, seeded.revoked):
        assert certificate["number"].split("-")[-1] in text
    assert "80" in text and "24" in text and "Statement of qualification upgrading" in text
    assert admin.get(f"/teachers/{DUPLICATE_PIN}/statement.pdf?as_of=nonsense").status_code == 400


def test_the_certificate_and_dossier_pages_offer_the_downloads(admin, seeded):
    number = seeded.certificate["number"]
    page = admin.text(f"/certificates/{number}")
    assert f"/certificates/{number}/credential.json" in page
    assert f"/certificates/{number}/certificate.pdf" in page
    dossier = admin.text(f"/teachers/{PIN}")
    assert f"/teachers/{PIN}/statement.pdf" in dossier and "credential.json" in dossier
