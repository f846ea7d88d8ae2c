"""The cryptosuite eddsa-jcs-2022 against the specification's published test vector, and
the encodings around it (Multikey, Bitstring Status List, did:web)."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, datetime

import pytest

from registry.credentials import proof as di
from registry.credentials.keyring import KeyHistory, did_web
from registry.credentials.multikey import (
    KeyFormatError,
    multibase_public,
    private_from_multibase,
    public_from_multibase,
)
from registry.credentials.status_list import LIST_SIZE, StatusListError, bit, decode, encode
from registry.credentials.verify import parse

# W3C vc-di-eddsa, test vectors of eddsa-jcs-2022 (TestVectors/keyPair.json and
# TestVectors/eddsa-jcs-2022/: signedJCS.json, canonDocJCS.txt, docHashJCS.txt,
# sigHexJCS.txt), as published with the specification.
PUBLIC_KEY = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
PRIVATE_KEY = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"]
UNSIGNED = {
    "@context": CONTEXT,
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "name": "Alumni Credential",
    "description": "A minimum viable example of an Alumni Credential.",
    "issuer": "https://vc.example/issuers/5678",
    "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
}
CREATED = "2023-02-24T23:36:38Z"
METHOD = f"https://vc.example/issuers/5678#{PUBLIC_KEY}"
CANONICAL_DOCUMENT = (
    '{"@context":["https://www.w3.org/ns/credentials/v2","https://www.w3.org/ns/credentials/'
    'examples/v2"],"credentialSubject":{"alumniOf":"The School of Examples","id":"did:example:'
    'abcdefgh"},"description":"A minimum viable example of an Alumni Credential.","id":"urn:uuid:'
    '58172aac-d8ba-11ed-83dd-0b3aef56cc33","issuer":"https://vc.example/issuers/5678","name":'
    '"Alumni Credential","type":["VerifiableCredential","AlumniCredential"],"validFrom":'
    '"2023-01-01T00:00:00Z"}'
)
DOCUMENT_HASH = "59b7cb6251b8991add1ce0bc83107e3db9dbbab5bd2c28f687db1a03abc92f19"
SIGNATURE_HEX = (
    "fc91dec6565f35fbe185a77352e7fc512f95d1904da305cfef32ab8135469301"
    "f5a72d4e7a58368fc6ffc497b44633993bac054e3bc1436e3c846db8f1544503"
)
PROOF_VALUE = (
    "z63t83Y53KfzJ5ZosfKTnqfMcKB2dmTrfjSaQjeNNjAD5srBowQfmWqeRb8rRjmeEuCBEsddF9LsVogtuTsijJKh4"
)


def test_the_published_key_pair_decodes_and_the_private_key_gives_the_public_one():
    private = private_from_multibase(PRIVATE_KEY)
    assert multibase_public(private) == PUBLIC_KEY
    assert multibase_public(public_from_multibase(PUBLIC_KEY)) == PUBLIC_KEY


def test_the_document_canonicalises_and_hashes_as_published():
    assert di.canonical(UNSIGNED).decode() == CANONICAL_DOCUMENT
    assert hashlib.sha256(di.canonical(UNSIGNED)).hexdigest() == DOCUMENT_HASH


def test_signing_the_published_document_gives_the_published_proof():
    signed = di.sign(UNSIGNED, private_from_multibase(PRIVATE_KEY), METHOD, CREATED)
    proof = signed["proof"]
    assert proof == {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "created": CREATED,
        "verificationMethod": METHOD,
        "proofPurpose": "assertionMethod",
        "@context": CONTEXT,
        "proofValue": PROOF_VALUE,
    }
    import base58

    assert base58.b58decode(PROOF_VALUE[1:]).hex() == SIGNATURE_HEX
    assert {k: v for k, v in signed.items() if k != "proof"} == UNSIGNED


def test_the_published_signed_document_verifies_and_any_change_fails_the_signature():
    signed = {
        **UNSIGNED,
        "proof": di.sign(UNSIGNED, private_from_multibase(PRIVATE_KEY), METHOD, CREATED)["proof"],
    }
    di.verify(signed, public_from_multibase(PUBLIC_KEY))
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["alumniOf"] = "The School of Exampled"
    with pytest.raises(di.ProofError) as failure:
        di.verify(tampered, public_from_multibase(PUBLIC_KEY))
    assert failure.value.check == "signature"
    changed_proof = copy.deepcopy(signed)
    changed_proof["proof"]["created"] = "2023-02-24T23:36:39Z"
    with pytest.raises(di.ProofError, match="signature does not match"):
        di.verify(changed_proof, public_from_multibase(PUBLIC_KEY))


def test_a_proof_of_another_suite_or_a_mangled_value_is_refused_before_the_signature():
    signed = di.sign(UNSIGNED, private_from_multibase(PRIVATE_KEY), METHOD, CREATED)
    key = public_from_multibase(PUBLIC_KEY)
    for change, message in (
        ({"cryptosuite": "eddsa-rdfc-2022"}, "not a DataIntegrityProof with cryptosuite"),
        ({"proofPurpose": "authentication"}, "purpose"),
        ({"proofValue": "z111"}, "not a base58btc Ed25519 signature"),
        ({"proofValue": "u" + PROOF_VALUE[1:]}, "not a base58btc"),
        ({"@context": ["https://example.org/other"]}, "@context does not match"),
    ):
        changed = {**signed, "proof": {**signed["proof"], **change}}
        with pytest.raises(di.ProofError, match=message) as failure:
            di.verify(changed, key)
        assert failure.value.check == "proof"


def test_multikeys_of_other_kinds_are_refused():
    for text in ("", "6Mk", "zzzz", "z" + "1" * 46, PRIVATE_KEY):
        with pytest.raises(KeyFormatError):
            public_from_multibase(text)


def test_the_specifications_empty_status_list_decodes_to_its_minimum_size_all_zero():
    # Bitstring Status List v1.0, the example of an empty 16 KiB list.
    bits = decode("uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA")
    assert len(bits) * 8 == LIST_SIZE and not any(bits)


def test_a_status_list_sets_the_bits_given_from_the_most_significant_first():
    encoded = encode([0, 9, LIST_SIZE - 1])
    bits = decode(encoded)
    assert bits[0] == 0x80 and bits[1] == 0x40 and bits[-1] == 0x01
    assert [i for i in range(LIST_SIZE) if bit(bits, i)] == [0, 9, LIST_SIZE - 1]
    assert encode([9, 0, LIST_SIZE - 1]) == encoded  # the same bits, the same text
    with pytest.raises(StatusListError):
        bit(bits, LIST_SIZE)


def test_a_status_list_that_would_inflate_beyond_any_list_is_refused():
    import base64
    import gzip

    bomb = gzip.compress(bytes(20 << 20), mtime=0)  # 20 MiB of zeros, ~20 KiB compressed
    with pytest.raises(StatusListError, match="larger than any list"):
        decode("u" + base64.urlsafe_b64encode(bomb).rstrip(b"=").decode())
    for text in ("", "zabc", "u!!!", "u" + base64.urlsafe_b64encode(b"not gzip").decode()):
        with pytest.raises(StatusListError):
            decode(text)


def test_did_web_identifiers_encode_the_port_and_path():
    assert did_web("https://registry.edu.gov.kg") == "did:web:registry.edu.gov.kg"
    assert did_web("http://localhost:8000/") == "did:web:localhost%3A8000"
    assert did_web("https://edu.gov.kg/teachers/registry") == "did:web:edu.gov.kg:teachers:registry"


def test_a_key_signs_from_its_start_until_the_next_key_starts():
    t = [datetime(2027 + i, 1, 1, tzinfo=UTC) for i in range(3)]
    history = KeyHistory([("zB", t[1]), ("zA", t[0])])
    first, second = history.find("zA"), history.find("zB")
    assert history.current is second and first.retired_at == t[1]
    assert (
        first.valid_at(t[0])
        and not first.valid_at(t[1])
        and not first.valid_at(datetime(2026, 1, 1, tzinfo=UTC))
    )
    assert second.valid_at(t[2]) and not second.valid_at(t[0])


@pytest.mark.parametrize(
    "raw, reason",
    [
        (b"\xff\xfe", "not UTF-8"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"a": 1', "not JSON"),
        (b'{"a": NaN}', "NaN is not JSON"),
        (b'{"a": 1, "a": 2}', "appears twice"),
        (b"[" * 100_000, "nested too deeply"),
        (b" " * (300 * 1024), "larger than 256 KiB"),
    ],
)
def test_files_that_are_not_one_sane_json_object_are_refused_saying_why(raw, reason):
    with pytest.raises(ValueError, match=reason):
        parse(raw)


def test_a_byte_order_mark_is_allowed():
    assert parse(b"\xef\xbb\xbf" + json.dumps({"a": 1}).encode()) == {"a": 1}
