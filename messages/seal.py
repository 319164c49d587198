"""The payload of a work authorization's seal code (CONTRACTS.md §7).

Signed as an ES256 JWS, drawn on the document as a QR code and embedded in the PDF as
``permis-seal.jws``: what a verifier reads, with or without the PDF.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict

from messages.common import CountryCode, DossierNumber, PlatformId
from messages.envelope import Data, Day, Line, Pattern
from messages.portal import ContractType

SEAL_ATTACHMENT = "permis-seal.jws"
SEAL_ALGORITHM = "ES256"

DocumentNumber = Annotated[str, Pattern(r"^AT[0-9]{2}-[0-9]{7}-[0-9]-[ARDI][1-9][0-9]{0,3}$")]


class SealPayload(Data):
    """What the seal of a work authorization vouches for: the document and whose it is."""

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")

    v: Literal[1]
    doc: DocumentNumber
    dossier: DossierNumber
    issued: Day
    valid_from: Day
    valid_until: Day
    platform: PlatformId
    employer_name: Annotated[str, Line(200)]
    siret: Annotated[str, Pattern(r"^[0-9]{14}$")] | None
    last_name: Annotated[str, Line(100)]
    first_names: Annotated[str, Line(100)]
    birth_date: Day
    nationality: CountryCode
    passport: Annotated[str, Line(20)] | None
    foreign_number: Annotated[str, Pattern(r"^[0-9]{10}$")] | None
    contract: ContractType
    start_date: Day
