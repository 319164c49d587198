"""The seal's CMS signature, written from a template: pyHanko's bytes, without its ASN.1 work.

With one key and one certificate, the CMS SignedData pyHanko writes for a PAdES B-B seal
differs from one document to the next only by the message digest (32 bytes, in the signed
attributes) and the ECDSA signature over those attributes. Building it through asn1crypto
costs several milliseconds of object construction and DER serialisation; splicing the two
values into the DER of the first signature pyHanko made costs microseconds and gives the
same bytes (``tests/unit/test_seal_cms.py`` compares them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from asn1crypto import cms
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.sign import signers

_SEQUENCE, _SET, _OCTET_STRING, _CONTENT = 0x30, 0x31, 0x04, 0xA0
_DIGEST_BYTES = 32
# What pyHanko signs for a PAdES seal without a timestamp: anything else is not templated.
_TEMPLATED_ATTRIBUTES = ["content_type", "message_digest", "signing_certificate_v2"]


@dataclass(frozen=True)
class CmsTemplate:
    """The DER of a seal's CMS around its two variable parts: the digest and the signature."""

    content_type: bytes  # the ContentInfo's OID, before the [0] holding the SignedData
    signed_data_head: bytes  # SignedData's fields before its SignerInfos
    before_digest: bytes  # SignerInfo's fields up to the digest's 32 bytes
    after_digest: bytes  # ... from the digest to the signature's OCTET STRING
    attributes_start: int  # where the signed attributes begin in SignerInfo's fields
    attributes_end: int

    def content_info(self, digest: bytes, key: ec.EllipticCurvePrivateKey) -> bytes:
        """The DER of the CMS ContentInfo sealing ``digest`` (a SHA-256) with ``key``."""
        if len(digest) != _DIGEST_BYTES:
            raise ValueError("the template holds a SHA-256 digest")
        fields = self.before_digest + digest + self.after_digest
        attributes = fields[self.attributes_start : self.attributes_end]
        signature = key.sign(bytes([_SET]) + attributes[1:], ec.ECDSA(hashes.SHA256()))
        signer_info = _der(_SEQUENCE, fields + _der(_OCTET_STRING, signature))
        signed_data = _der(_SEQUENCE, self.signed_data_head + _der(_SET, signer_info))
        return _der(_SEQUENCE, self.content_type + _der(_CONTENT, signed_data))


def cms_template(content_info: cms.ContentInfo, digest: bytes) -> CmsTemplate | None:
    """The template of a CMS seal signed over ``digest``; None when it is not of that shape."""
    signed_data = content_info["content"]
    signer_infos = signed_data["signer_infos"]
    if content_info["content_type"].native != "signed_data" or len(signer_infos) != 1:
        return None
    signer_info = signer_infos[0]
    attributes = signer_info["signed_attrs"]
    if [a["type"].native for a in attributes] != _TEMPLATED_ATTRIBUTES:
        return None
    if signer_info["unsigned_attrs"] or signed_data["crls"]:
        return None
    body, infos = bytes(signed_data.contents), signer_infos.dump()
    fields, signature = bytes(signer_info.contents), signer_info["signature"].dump()
    attributes_der = attributes.dump()
    start = fields.find(attributes_der)
    end = start + len(attributes_der)
    at = fields.find(digest, start, end)
    if not (body.endswith(infos) and fields.endswith(signature) and start >= 0 and at >= 0):
        return None
    fields = fields[: -len(signature)]
    return CmsTemplate(
        content_type=content_info["content_type"].dump(),
        signed_data_head=body[: -len(infos)],
        before_digest=fields[:at],
        after_digest=fields[at + _DIGEST_BYTES :],
        attributes_start=start,
        attributes_end=end,
    )


def _der(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + content


class TemplateSigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner, whose PAdES seals after the first are spliced from a template.

    Any other request (a dry run, a timestamp, another digest algorithm, CAdES outside a
    PDF) goes to pyHanko unchanged.
    """

    def __init__(self, private_key: ec.EllipticCurvePrivateKey, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._private_key = private_key
        self._template: CmsTemplate | None = None

    async def async_sign(
        self,
        data_digest: bytes,
        digest_algorithm: str,
        dry_run: bool = False,
        use_pades: bool = False,
        timestamper: Any = None,
        signed_attr_settings: Any = None,
        is_pdf_sig: bool = True,
        encap_content_info: Any = None,
    ) -> cms.ContentInfo:
        plain = use_pades and is_pdf_sig and digest_algorithm.lower() == "sha256"
        templated = plain and not dry_run and timestamper is None and encap_content_info is None
        if templated and self._template is not None:
            der = self._template.content_info(data_digest, self._private_key)
            return cms.ContentInfo.load(der)
        signed = await super().async_sign(
            data_digest,
            digest_algorithm,
            dry_run=dry_run,
            use_pades=use_pades,
            timestamper=timestamper,
            signed_attr_settings=signed_attr_settings,
            is_pdf_sig=is_pdf_sig,
            encap_content_info=encap_content_info,
        )
        if templated:
            self._template = cms_template(signed, data_digest)
        return signed
