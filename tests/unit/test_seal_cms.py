"""The seal's CMS from a template: pyHanko's bytes, the digest and signature spliced in."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest
from asn1crypto import cms
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from workers.documents.markup import qr_path
from workers.seal.cms import TemplateSigner, cms_template
from workers.seal.keys import SealKey, generate_seal, load_seal_key

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> SealKey:
    written = generate_seal(Path(tmp_path_factory.mktemp("seal")))
    return load_seal_key(written.key_file, written.cert_file)


def _arguments(key: SealKey) -> dict[str, object]:
    return {
        "signing_cert": asn1_x509.Certificate.load(key.certificate.der),
        "signing_key": asn1_keys.PrivateKeyInfo.load(key.private_der),
        "cert_registry": SimpleCertificateStore(),
    }


def _pyhanko(key: SealKey, digest: bytes) -> cms.ContentInfo:
    signer = signers.SimpleSigner(**_arguments(key))  # type: ignore[arg-type]
    return asyncio.run(signer.async_sign(digest, "sha256", use_pades=True))


def _with_signature(content: cms.ContentInfo, signature: bytes) -> bytes:
    copy = cms.ContentInfo.load(content.dump())
    copy["content"]["signer_infos"][0]["signature"] = signature
    return bytes(copy.dump(force=True))


def test_the_template_writes_the_bytes_pyhanko_writes(key: SealKey) -> None:
    first, second = hashlib.sha256(b"first").digest(), hashlib.sha256(b"second").digest()
    template = cms_template(_pyhanko(key, first), first)
    assert template is not None
    ours = cms.ContentInfo.load(template.content_info(second, key.private_key))
    signer_info = ours["content"]["signer_infos"][0]
    signature = bytes(signer_info["signature"].native)
    assert ours.dump() == _with_signature(_pyhanko(key, second), signature)
    assert signer_info["signed_attrs"][1]["values"][0].native == second
    attributes = signer_info["signed_attrs"].dump()
    key.certificate.public_key.verify(
        signature, b"\x31" + attributes[1:], ec.ECDSA(hashes.SHA256())
    )


def test_the_signer_templates_plain_seals_only(key: SealKey) -> None:
    signer = TemplateSigner(key.private_key, **_arguments(key))
    digest = hashlib.sha256(b"x").digest()

    def sign(*, dry_run: bool = False) -> cms.ContentInfo:
        return asyncio.run(signer.async_sign(digest, "sha256", dry_run=dry_run, use_pades=True))

    sign(dry_run=True)
    assert signer._template is None
    sign()
    assert signer._template is not None
    assert sign()["content"]["signer_infos"][0]["signed_attrs"][1]["values"][0].native == digest


def test_the_qr_path_draws_each_run_of_dark_modules_once() -> None:
    matrix = (b"\x00\x01\x01", b"\x01\x00\x01")
    assert qr_path(matrix) == "1 1 2 1 re\n0 0 1 1 re\n2 0 1 1 re"
