"""The seal as the documents stage uses it: one key, a code for a payload, a seal for a PDF."""

from __future__ import annotations

from dataclasses import dataclass

from messages.seal import SealPayload
from workers.seal.code import sign_code
from workers.seal.keys import SealKey
from workers.seal.pdf import seal_pdf


@dataclass(frozen=True)
class Sealer:
    """Signs seal codes and seals PDFs with the key of ``PERMIS_SEAL_KEY``."""

    key: SealKey

    def code(self, payload: SealPayload) -> str:
        return sign_code(payload, self.key)

    def seal(self, pdf: bytes, code: str | None, *, reason: str) -> bytes:
        return seal_pdf(pdf, code, self.key, reason=reason)
