"""The PAdES seal of a PDF: the seal code attached, then a certifying B-B signature over it all.

pyHanko writes one incremental update holding the attachment ``permis-seal.jws`` and the
signature, so the signature covers the code: one byte changed or appended anywhere shows.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from functools import cache
from typing import Any

from asn1crypto import cms
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils import embed, generic, misc
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from messages.seal import SEAL_ATTACHMENT
from workers.seal.cms import TemplateSigner
from workers.seal.keys import Certificate, SealKey
from workers.seal.reasons import NotGenuine, Reason

SIGNATURE_FIELD = "PermisSeal"
ECDSA_SHA256 = {"algorithm": "sha256_ecdsa", "parameters": None}
# Room for the CMS signature: an ECDSA P-256 one with its certificate takes about 1.5 kB.
# Reserving it spares pyHanko a trial signature to measure it.
SIGNATURE_BYTES = 8192
MEDIA_TYPE = "application/jose"
# pyHanko logs each failed check with a traceback; our verdict says it once, plainly.
logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)


def seal_pdf(pdf: bytes, code: str | None, key: SealKey, *, reason: str) -> bytes:
    """Attach the seal code (when given) and sign: a certifying PAdES B-B signature."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    if code is not None:
        data = embed.EmbeddedFileObject.from_file_data(
            writer, data=code.encode("ascii"), mime_type=MEDIA_TYPE
        )
        spec = embed.FileSpec(
            file_spec_string=SEAL_ATTACHMENT,
            embedded_data=data,
            description="Code du cachet électronique (JWS ES256)",
            af_relationship=generic.NameObject("/Data"),
        )
        embed.embed_file(writer, spec)
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
    )
    output = signers.PdfSigner(meta, _signer(key)).sign_pdf(writer, bytes_reserved=SIGNATURE_BYTES)
    assert isinstance(output, io.BytesIO)
    return output.getvalue()


@cache
def _signer(key: SealKey) -> TemplateSigner:
    certificate = asn1_x509.Certificate.load(key.certificate.der)
    return TemplateSigner(
        key.private_key,
        signing_cert=certificate,
        signing_key=asn1_keys.PrivateKeyInfo.load(key.private_der),
        cert_registry=SimpleCertificateStore(),
    )


@dataclass(frozen=True)
class SealedPdf:
    """What a genuinely sealed PDF says: its seal code (if any) and its document number."""

    code: str | None
    document_number: str | None


def read_sealed_pdf(pdf: bytes, certificate: Certificate) -> SealedPdf:
    """Check the PDF's seal signature against ``certificate``; NotGenuine when it fails."""
    reader = _reader(pdf)
    try:
        signatures = reader.embedded_signatures
    except Exception as exc:  # hostile bytes: pyHanko fails in many ways; fail closed
        raise NotGenuine(Reason.SIGNATURE_BROKEN, type(exc).__name__) from exc
    if not signatures:
        raise NotGenuine(Reason.UNSIGNED)
    if len(signatures) > 1:
        raise NotGenuine(Reason.MODIFIED_AFTER_SIGNING, "more than one signature")
    status = _validate(signatures[0], certificate)
    if not (status.intact and status.valid):
        raise NotGenuine(Reason.SIGNATURE_BROKEN)
    if signatures[0].signer_cert.dump() != certificate.der:
        if signatures[0].signer_cert.public_key.dump() == _public_key_info(certificate):
            raise NotGenuine(Reason.SIGNATURE_BROKEN, "the embedded certificate was altered")
        raise NotGenuine(Reason.UNKNOWN_SIGNER)
    if not _as_we_sign(pdf, signatures[0], certificate):
        raise NotGenuine(Reason.SIGNATURE_BROKEN, "the signature's unsigned parts were altered")
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        raise NotGenuine(Reason.MODIFIED_AFTER_SIGNING, f"coverage {status.coverage.name}")
    if not status.trusted:
        raise NotGenuine(Reason.UNKNOWN_SIGNER)
    return SealedPdf(code=_attachment(reader), document_number=_keyword(reader))


def _reader(pdf: bytes) -> PdfFileReader:
    if not pdf.startswith(b"%PDF-"):
        raise NotGenuine(Reason.NOT_A_PDF, "no PDF header")
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        reader.root  # noqa: B018  # parses the trailer and catalogue now, not later
    except (misc.PdfError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise NotGenuine(Reason.DAMAGED, type(exc).__name__) from exc
    return reader


def _public_key_info(certificate: Certificate) -> bytes:
    return bytes(asn1_x509.Certificate.load(certificate.der).public_key.dump())


def _as_we_sign(pdf: bytes, signature: Any, certificate: Certificate) -> bool:
    """The signature is exactly as Permis writes it, to the byte.

    The CMS holds parts its signature does not cover (algorithm lists, the certificate,
    the padding of the reserved room, the hex text itself); a reader ignores changes
    there, but §7 promises that any byte changed shows.
    """
    try:
        start, end = signature.byte_range[1], signature.byte_range[2]
        raw = bytes(signature.sig_object["/Contents"])
        content = cms.ContentInfo.load(raw, strict=False)
        der = content.dump(force=True)
        expected_hex = b"<" + (der + bytes(len(raw) - len(der))).hex().upper().encode() + b">"
        return pdf[start:end] == expected_hex and _profile(content, certificate)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        return False


def _profile(content: cms.ContentInfo, certificate: Certificate) -> bool:
    sha256 = {"algorithm": "sha256", "parameters": None}
    signed = content["content"]
    signers_ = signed["signer_infos"]
    if content["content_type"].native != "signed_data" or len(signers_) != 1:
        return False
    signer = signers_[0]
    identity = signer["sid"].chosen
    ours = asn1_x509.Certificate.load(certificate.der)
    return (
        signed["version"].native == "v1"
        and signed["digest_algorithms"].native == [sha256]
        and signed["encap_content_info"].native == {"content_type": "data", "content": None}
        and [c.chosen.dump() for c in signed["certificates"]] == [certificate.der]
        and not signed["crls"]
        and signer["version"].native == "v1"
        and identity["issuer"] == ours.issuer
        and identity["serial_number"].native == ours.serial_number
        and signer["digest_algorithm"].native == sha256
        and signer["signature_algorithm"].native == ECDSA_SHA256
        and not signer["unsigned_attrs"]
    )


def _validate(signature: Any, certificate: Certificate) -> Any:
    anchor = asn1_x509.Certificate.load(certificate.der)
    context = ValidationContext(trust_roots=[anchor], allow_fetching=False)
    usage = KeyUsageConstraints(key_usage={"digital_signature"}, match_all_key_usages=False)
    try:
        return validate_pdf_signature(
            signature, signer_validation_context=context, key_usage_settings=usage
        )
    except Exception as exc:  # hostile bytes: pyHanko fails in many ways; fail closed
        raise NotGenuine(Reason.SIGNATURE_BROKEN, type(exc).__name__) from exc


def _attachment(reader: PdfFileReader) -> str | None:
    try:
        names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
        for position in range(0, len(names) - 1, 2):
            if str(names[position]) == SEAL_ATTACHMENT:
                data = names[position + 1].get_object()["/EF"]["/F"].get_object().data
                return str(data.decode("ascii"))
    except (KeyError, TypeError, ValueError, misc.PdfError):
        return None
    return None


def _keyword(reader: PdfFileReader) -> str | None:
    try:
        info = reader.trailer_view["/Info"]
        return str(info["/Keywords"]).strip() or None
    except (KeyError, TypeError, misc.PdfError):
        return None
