"""The seal of a work authorization (CONTRACTS.md §7): a genuine one verifies, nothing else does."""

from __future__ import annotations

import base64
import io
import json
import stat
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
import zxingcpp
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pypdf import PdfReader

from messages.seal import SEAL_ATTACHMENT, SealPayload
from tests.support.documents import SUBMISSIONS, context_for, edited_code, submission
from workers.core.errors import TransientError
from workers.documents.contexts import seal_payload
from workers.documents.render import render_pdf
from workers.seal.code import read_code, sign_code
from workers.seal.keys import (
    SealKey,
    SealKeyError,
    generate_seal,
    load_certificate,
    load_seal_key,
)
from workers.seal.reasons import NotGenuine, Reason
from workers.seal.sealer import Sealer
from workers.seal.verify import ReplacementQuestion, Status, Verdict, verify_code, verify_pdf

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SealKey]:
    made = {}
    for name in ("ours", "other"):
        written = generate_seal(tmp_path_factory.mktemp(name))
        made[name] = load_seal_key(written.key_file, written.cert_file)
    return made


@pytest.fixture(scope="module")
def ours(keys: dict[str, SealKey]) -> Sealer:
    return Sealer(keys["ours"])


def authorization(sealer: Sealer, sample: str = "01", **changes: Any) -> tuple[bytes, str]:
    """A sealed authorization as the documents stage issues it, and its seal code."""
    context = context_for("authorization", submission(sample), **changes)
    code = sealer.code(seal_payload(context))
    pdf = render_pdf("authorization", context, seal_code=code)
    return sealer.seal(pdf, code, reason=f"Autorisation de travail {changes}"), code


@pytest.fixture(scope="module")
def genuine(ours: Sealer) -> tuple[bytes, str]:
    return authorization(ours)


def refused(verdict: Verdict, reason: Reason) -> None:
    assert verdict.status is Status.NOT_GENUINE, verdict
    assert verdict.reason is reason, verdict
    assert verdict.payload is None


# --- genuine ---------------------------------------------------------------------------


def test_a_genuine_authorization_verifies_with_its_signed_data(
    genuine: tuple[bytes, str], keys: dict[str, SealKey]
) -> None:
    pdf, _ = genuine
    verdict = verify_pdf(pdf, keys["ours"].certificate)
    assert verdict.status is Status.GENUINE and verdict.genuine
    payload = verdict.payload
    assert payload is not None
    assert payload.doc == "AT26-0000042-2-A1" and payload.dossier == "AT26-0000042-2"
    assert payload.platform == "pf-nanterre"
    employee, job = submission("01")["employee"], submission("01")["job"]
    assert (payload.last_name, payload.first_names) == (
        employee["last_name"],
        employee["first_names"],
    )
    assert payload.nationality == employee["nationality"]
    assert payload.passport == employee["passport"]["number"]
    assert payload.contract == job["contract"]["type"]
    assert str(payload.birth_date) == employee["birth_date"]
    assert str(payload.valid_from) == "2027-02-01" and str(payload.valid_until) == "2028-01-31"


def test_the_scanned_code_verifies_alone(
    genuine: tuple[bytes, str], keys: dict[str, SealKey]
) -> None:
    _, code = genuine
    verdict = verify_code(f"  {code[:40]}\n{code[40:]}  ", keys["ours"].certificate)
    assert verdict.status is Status.GENUINE
    assert verdict.payload == verify_pdf(genuine[0], keys["ours"].certificate).payload


def test_the_code_is_an_es256_jws_keyed_by_the_certificate_fingerprint(
    genuine: tuple[bytes, str], keys: dict[str, SealKey]
) -> None:
    header_part, payload_part, signature_part = genuine[1].split(".")
    header = json.loads(base64.urlsafe_b64decode(header_part + "=="))
    assert header == {"alg": "ES256", "kid": keys["ours"].certificate.kid}
    assert len(header["kid"]) == 64
    assert len(base64.urlsafe_b64decode(signature_part + "==")) == 64  # r || s, RFC 7518
    payload = json.loads(base64.urlsafe_b64decode(payload_part + "=="))
    assert set(payload) == set(SealPayload.model_fields)
    assert payload["v"] == 1 and payload["issued"] == "2027-01-15"


def test_the_qr_code_on_the_page_holds_the_embedded_code(genuine: tuple[bytes, str]) -> None:
    pdf, code = genuine
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=4).to_pil()
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert [barcode.text for barcode in found] == [code]
    assert found[0].ec_level == "M"
    attachments = PdfReader(io.BytesIO(pdf)).attachments
    assert attachments[SEAL_ATTACHMENT] == [code.encode()]


def test_the_sealed_pdf_keeps_a_text_layer_and_one_page(genuine: tuple[bytes, str]) -> None:
    reader = PdfReader(io.BytesIO(genuine[0]))
    assert len(reader.pages) == 1
    text = " ".join(reader.pages[0].extract_text().split())
    assert "Autorisation de travail" in text and "AT26-0000042-2-A1" in text


def test_a_superseded_authorization_is_reported(
    genuine: tuple[bytes, str], keys: dict[str, SealKey]
) -> None:
    replacements = {"AT26-0000042-2-A1": "AT26-0000042-2-A2"}
    verdict = verify_pdf(genuine[0], keys["ours"].certificate, replacements.get)
    assert verdict.status is Status.SUPERSEDED and not verdict.genuine
    assert verdict.superseded_by == "AT26-0000042-2-A2" and verdict.payload is not None
    by_code = verify_code(genuine[1], keys["ours"].certificate, replacements.get)
    assert by_code.status is Status.SUPERSEDED


# --- the PDF altered ---------------------------------------------------------------------


def test_any_single_byte_changed_is_detected(
    genuine: tuple[bytes, str], keys: dict[str, SealKey]
) -> None:
    pdf = genuine[0]
    positions = [len(pdf) * k // 64 for k in range(64)] + [len(pdf) - 1, 9, 200]
    for position in positions:
        altered = bytearray(pdf)
        altered[position] ^= 0x01
        verdict = verify_pdf(bytes(altered), keys["ours"].certificate)
        assert verdict.status is Status.NOT_GENUINE, (position, verdict)


def test_a_changed_document_number_in_the_metadata_breaks_the_signature(
    ours: Sealer, keys: dict[str, SealKey]
) -> None:
    # The first occurrence is the Info dictionary's /Keywords (the page streams are
    # compressed): an edit a viewer shows, in place, same length.
    context = context_for("authorization", submission("01"))
    code = ours.code(seal_payload(context))
    pdf = render_pdf("authorization", context, seal_code=code)
    sealed = ours.seal(pdf, code, reason="test")
    assert sealed.count(b"AT26-0000042-2-A1") >= 1
    altered = sealed.replace(b"AT26-0000042-2-A1", b"AT26-0000042-2-A9", 1)
    refused(verify_pdf(altered, keys["ours"].certificate), Reason.SIGNATURE_BROKEN)


def test_an_incremental_update_after_signing_is_detected(
    genuine: tuple[bytes, str], keys: dict[str, SealKey]
) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(genuine[0]))
    writer.set_info(generic.DictionaryObject())  # a new revision, as an editor would write
    writer.root["/PermisForged"] = generic.TextStringObject("valid until 2099")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    refused(verify_pdf(out.getvalue(), keys["ours"].certificate), Reason.MODIFIED_AFTER_SIGNING)


def test_bytes_appended_after_signing_are_detected(
    genuine: tuple[bytes, str], keys: dict[str, SealKey]
) -> None:
    refused(
        verify_pdf(genuine[0] + b"% more", keys["ours"].certificate), Reason.MODIFIED_AFTER_SIGNING
    )


def test_a_pdf_sealed_by_another_key_is_not_ours(keys: dict[str, SealKey]) -> None:
    pdf, _ = authorization(Sealer(keys["other"]))
    refused(verify_pdf(pdf, keys["ours"].certificate), Reason.UNKNOWN_SIGNER)
    assert verify_pdf(pdf, keys["other"].certificate).genuine


def test_a_pdf_carrying_another_documents_code_is_refused(
    ours: Sealer, keys: dict[str, SealKey]
) -> None:
    # Even signed with the genuine key, the PDF must tell the same document as its code.
    context = context_for("authorization", submission("01"))
    other_context = context_for(
        "authorization", submission("02"), document_number="AT26-0000042-2-A2"
    )
    other_code = ours.code(seal_payload(other_context))
    pdf = ours.seal(
        render_pdf("authorization", context, seal_code=other_code), other_code, reason="x"
    )
    refused(verify_pdf(pdf, keys["ours"].certificate), Reason.CODE_MISMATCH)


def test_an_unsigned_pdf_is_refused(keys: dict[str, SealKey]) -> None:
    pdf = render_pdf("authorization", context_for("authorization", submission("01")))
    refused(verify_pdf(pdf, keys["ours"].certificate), Reason.UNSIGNED)


def test_a_sealed_letter_is_not_an_authorization(ours: Sealer, keys: dict[str, SealKey]) -> None:
    letter = render_pdf("refusal", context_for("refusal", submission("01")))
    refused(
        verify_pdf(ours.seal(letter, None, reason="x"), keys["ours"].certificate),
        Reason.NO_SEAL_CODE,
    )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", Reason.NOT_A_PDF),
        (b"GIF89a not a pdf", Reason.NOT_A_PDF),
        (b"%PDF-1.7\n" + b"\x00" * 1000, Reason.DAMAGED),
        (
            b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF",
            Reason.DAMAGED,
        ),
        (b"x" * (10 * 1024 * 1024 + 1), Reason.NOT_A_PDF),
    ],
    ids=["empty", "gif", "zeros", "no-xref", "oversized"],
)
def test_what_is_not_a_pdf_gets_a_clear_reason(
    content: bytes, reason: Reason, keys: dict[str, SealKey]
) -> None:
    refused(verify_pdf(content, keys["ours"].certificate), reason)


def test_a_truncated_pdf_is_refused(genuine: tuple[bytes, str], keys: dict[str, SealKey]) -> None:
    for cut in (100, len(genuine[0]) // 2, len(genuine[0]) - 10):
        verdict = verify_pdf(genuine[0][:cut], keys["ours"].certificate)
        assert verdict.status is Status.NOT_GENUINE, (cut, verdict)


# --- the code altered ----------------------------------------------------------------------


def test_an_edited_payload_breaks_the_codes_signature(
    genuine: tuple[bytes, str], keys: dict[str, SealKey]
) -> None:
    for change in ({"last_name": "DUPONT"}, {"valid_until": "2099-12-31"}):
        forged = edited_code(genuine[1], **change)
        assert forged != genuine[1]
        refused(verify_code(forged, keys["ours"].certificate), Reason.CODE_SIGNATURE_BROKEN)


def test_a_payload_signed_by_another_key_is_refused(
    genuine: tuple[bytes, str], keys: dict[str, SealKey]
) -> None:
    payload = verify_code(genuine[1], keys["ours"].certificate).payload
    assert payload is not None
    foreign = sign_code(payload, keys["other"])
    refused(verify_code(foreign, keys["ours"].certificate), Reason.UNKNOWN_KEY)
    # The other key, claiming our key id, fails on the signature itself.
    header = (
        base64.urlsafe_b64encode(
            json.dumps({"alg": "ES256", "kid": keys["ours"].certificate.kid}).encode()
        )
        .rstrip(b"=")
        .decode()
    )
    impostor = ".".join((header, *sign_code(payload, keys["other"]).split(".")[1:]))
    refused(verify_code(impostor, keys["ours"].certificate), Reason.CODE_SIGNATURE_BROKEN)


def test_a_code_from_another_document_tells_that_document(
    ours: Sealer, genuine: tuple[bytes, str], keys: dict[str, SealKey]
) -> None:
    _, other_code = authorization(ours, "02", document_number="AT26-0000042-2-A2")
    verdict = verify_code(other_code, keys["ours"].certificate)
    assert verdict.genuine and verdict.payload is not None
    assert verdict.payload.doc == "AT26-0000042-2-A2"
    assert verdict.payload != verify_code(genuine[1], keys["ours"].certificate).payload


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "a.b.c",
        "a.b",
        "é.é.é",
        "x" * 5000,
        "eyJhbGciOiJub25lIn0.eyJ2IjoxfQ.",
        "https://example.org/verify?code=abc.def.ghi",
    ],
    ids=["empty", "word", "dots", "two-parts", "non-ascii", "huge", "alg-none", "url"],
)
def test_text_that_is_no_seal_code_is_malformed(text: str, keys: dict[str, SealKey]) -> None:
    verdict = verify_code(text, keys["ours"].certificate)
    assert verdict.status is Status.NOT_GENUINE
    assert verdict.reason in (Reason.MALFORMED_CODE, Reason.UNKNOWN_KEY)


@pytest.mark.parametrize(
    "spoil",
    [
        lambda code: code.replace(".", "\udcff.", 1),
        lambda code: code.replace(".", "\uff0e"),
        lambda code: "\ufeff" + code,
        lambda code: code[:40] + "\u200b" + code[40:],
        lambda code: code.replace("e", "é", 1),
    ],
    ids=["lone-surrogate", "full-width-dots", "bom", "zero-width-space", "accent"],
)
def test_a_genuine_code_with_a_character_no_code_has_is_malformed(
    spoil: Any, genuine: tuple[bytes, str], keys: dict[str, SealKey]
) -> None:
    verdict = verify_code(spoil(genuine[1]), keys["ours"].certificate)
    assert (verdict.status, verdict.reason) == (Status.NOT_GENUINE, Reason.MALFORMED_CODE)


def test_an_hs256_code_is_refused_whatever_its_key_id(
    genuine: tuple[bytes, str], keys: dict[str, SealKey]
) -> None:
    import jwt

    kid = keys["ours"].certificate.kid
    token = jwt.encode({"v": 1}, "s" * 32, algorithm="HS256", headers={"kid": kid})
    refused(verify_code(token, keys["ours"].certificate), Reason.MALFORMED_CODE)


def test_a_signed_payload_of_the_wrong_shape_is_refused(keys: dict[str, SealKey]) -> None:
    import jwt

    key = keys["ours"]
    token = jwt.PyJWS().encode(
        b'{"v":2,"doc":"x"}',
        key.private_key,
        algorithm="ES256",
        headers={"kid": key.certificate.kid},
    )
    with pytest.raises(NotGenuine) as caught:
        read_code(token, key.certificate)
    assert caught.value.reason is Reason.BAD_PAYLOAD


# --- keys ------------------------------------------------------------------------------------


def test_generate_seal_writes_a_private_key_only_its_owner_reads_and_keeps_it(
    tmp_path: Path,
) -> None:
    first = generate_seal(tmp_path)
    assert first.created
    assert stat.S_IMODE(first.key_file.stat().st_mode) == 0o600
    key = first.key_file.read_bytes()
    again = generate_seal(tmp_path)
    assert not again.created and again.key_file.read_bytes() == key
    certificate = load_certificate(first.cert_file)
    assert certificate.certificate.issuer == certificate.certificate.subject


def test_a_key_that_does_not_match_its_certificate_is_refused(tmp_path: Path) -> None:
    a, b = generate_seal(tmp_path / "a"), generate_seal(tmp_path / "b")
    with pytest.raises(SealKeyError, match="does not match"):
        load_seal_key(a.key_file, b.cert_file)


def test_keys_of_the_wrong_kind_are_refused(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519

    written = generate_seal(tmp_path)
    wrong = tmp_path / "wrong.pem"
    wrong.write_bytes(
        ed25519.Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(SealKeyError, match="P-256"):
        load_seal_key(wrong, written.cert_file)
    p384 = tmp_path / "p384.pem"
    p384.write_bytes(
        ec.generate_private_key(ec.SECP384R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(SealKeyError, match="P-256"):
        load_seal_key(p384, written.cert_file)
    with pytest.raises(SealKeyError, match="certificate"):
        load_certificate(written.key_file)


SAMPLES = sorted(p.name[:2] for p in SUBMISSIONS.glob("0*.json"))


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("sample", SAMPLES)
def test_every_sealed_authorization_fits_one_page_with_its_code(
    sample: str, language: str, ours: Sealer
) -> None:
    context = context_for("authorization", submission(sample), language=language)
    code = ours.code(seal_payload(context))
    reader = PdfReader(io.BytesIO(render_pdf("authorization", context, seal_code=code)))
    assert len(reader.pages) == 1


def test_only_the_authorization_carries_a_seal_code() -> None:
    from workers.documents.contexts import seal_payload_of

    for kind in ("refusal", "documents_request", "implicit_refusal"):
        assert seal_payload_of(kind, context_for(kind, submission("01"))) is None
    payload = seal_payload_of("authorization", context_for("authorization", submission("01")))
    assert payload is not None and payload.doc == "AT26-0000042-2-A1"


def test_a_store_that_fails_leaves_the_replacement_unanswered_and_says_why() -> None:
    failures: list[Exception] = []

    def down(number: str) -> str | None:
        raise TransientError("database unreachable")

    question = ReplacementQuestion(down, failures.append)
    assert question("AT26-0000042-2-A1") is None
    assert not question.answered
    assert [str(exc) for exc in failures] == ["database unreachable"]


def test_a_store_that_answers_marks_the_replacement_asked() -> None:
    replaced = {"AT26-0000042-2-A1": "AT26-0000042-2-A2"}
    question = ReplacementQuestion(replaced.get, pytest.fail)
    assert question("AT26-0000042-2-A1") == "AT26-0000042-2-A2"
    assert question.answered
    assert ReplacementQuestion(None, pytest.fail)("AT26-0000042-2-A1") is None
