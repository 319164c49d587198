"""The seal's key and certificate (CONTRACTS.md §7): loading them, and development ones.

Production plugs in a key and a certificate issued by a recognised authority as PEM files
(``PERMIS_SEAL_KEY``, ``PERMIS_SEAL_CERT``); ``permis keys generate`` writes a self-signed
pair for development. Verifiers are given only the certificate.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from workers.core.keyfiles import write_private_key

SEAL_KEY_FILE = "seal.key.pem"
SEAL_CERT_FILE = "seal.cert.pem"
DEVELOPMENT_VALIDITY = timedelta(days=5 * 365)


class SealKeyError(Exception):
    """A seal key or certificate that cannot be used: unreadable, of the wrong kind, mismatched."""


@dataclass(frozen=True)
class Certificate:
    """The seal's X.509 certificate, what verifiers trust; ``kid`` is its SHA-256 fingerprint."""

    certificate: x509.Certificate

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def kid(self) -> str:
        return hashlib.sha256(self.der).hexdigest()

    @property
    def public_key(self) -> ec.EllipticCurvePublicKey:
        key = self.certificate.public_key()
        assert isinstance(key, ec.EllipticCurvePublicKey)  # checked when loaded
        return key


@dataclass(frozen=True)
class SealKey:
    """The private key that seals documents, with the certificate that names it."""

    private_key: ec.EllipticCurvePrivateKey
    certificate: Certificate

    @property
    def private_der(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def load_certificate(path: Path) -> Certificate:
    """The P-256 certificate of a PEM file; SealKeyError when it is anything else."""
    try:
        certificate = x509.load_pem_x509_certificate(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        raise SealKeyError(f"{Path(path).name}: not a readable PEM certificate ({exc})") from exc
    key = certificate.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise SealKeyError(f"{Path(path).name}: the certificate's key is not ECDSA P-256")
    return Certificate(certificate)


def load_seal_key(key_path: Path, cert_path: Path) -> SealKey:
    """The seal key and its certificate; SealKeyError when they do not belong together."""
    certificate = load_certificate(cert_path)
    try:
        key = serialization.load_pem_private_key(Path(key_path).read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise SealKeyError(f"{Path(key_path).name}: not a readable PEM private key") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise SealKeyError(f"{Path(key_path).name}: not an ECDSA P-256 private key")
    if key.public_key() != certificate.public_key:
        raise SealKeyError("the seal key does not match the seal certificate")
    return SealKey(key, certificate)


@dataclass(frozen=True)
class SealWritten:
    """Where ``generate_seal`` left the key and certificate, and whether it made them now."""

    key_file: Path
    cert_file: Path
    created: bool


def generate_seal(directory: Path, *, now: datetime | None = None) -> SealWritten:
    """A development seal: a P-256 key (mode 0600) and a self-signed certificate; kept if there."""
    directory = Path(directory)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    key_file, cert_file = directory / SEAL_KEY_FILE, directory / SEAL_CERT_FILE
    if key_file.exists() and cert_file.exists():
        load_seal_key(key_file, cert_file)
        return SealWritten(key_file, cert_file, created=False)
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = self_signed_certificate(key, now or datetime.now(UTC))
    key_file.unlink(missing_ok=True)  # a key without its certificate is of no use
    write_private_key(key_file, key)
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return SealWritten(key_file, cert_file, created=True)


def self_signed_certificate(
    key: ec.EllipticCurvePrivateKey, now: datetime, *, name: str = "Permis development seal"
) -> x509.Certificate:
    """A self-signed seal certificate for development: document signing only."""
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Permis (development)"),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + DEVELOPMENT_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )
