"""Value types that several messages share: addresses, documents, platforms, codes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import NonNegativeInt

from messages.envelope import Data, Line, Pattern, Text

PlatformId = Literal[
    "pf-bethune",
    "pf-bobigny",
    "pf-nanterre",
    "pf-tulle",
    "pf-clermont-ferrand",
    "pf-cayenne",
    "pf-avignon",
]

DocumentKind = Literal[
    "passport",
    "employment_contract",
    "job_offer_proof",
    "social_contributions_certificate",
    "company_registration",
    "tax_notice",
    "diploma",
    "residence_permit",
    "asylum_certificate",
    "student_enrolment",
    "housing_proof",
    "other",
]

CountryCode = Annotated[str, Pattern(r"^[A-Z]{2}$")]
DossierNumber = Annotated[str, Line(30)]


class Address(Data):
    """A postal address; ``postcode`` is 5 digits in France, free text abroad."""

    line1: Annotated[str, Line(200)]
    line2: Annotated[str, Line(200, min_length=0)] | None = None
    postcode: Annotated[str, Line(20, min_length=0)] | None = None
    city: Annotated[str, Line(100)]
    country: CountryCode = "FR"


class DocumentRef(Data):
    """A document the portal holds for the dossier: we keep its description and hash."""

    kind: DocumentKind
    filename: Annotated[str, Line(200)]
    media_type: Annotated[str, Line(100)]
    size_bytes: NonNegativeInt
    sha256: Annotated[str, Pattern(r"^[0-9a-f]{64}$")]


class Error(Data):
    """Why a message was refused: a code, where, and a message in French and English."""

    code: str
    pointer: str | None = None
    detail: str | None = None
    message_fr: str
    message_en: str


class Finding(Data):
    """An advisory remark for the agents on a deposited dossier; never a decision."""

    code: str
    legal_basis: str | None = None
    detail: str | None = None
    message_fr: str
    message_en: str


class RequestedDocument(Data):
    """A document an agent asks the employer for, with an optional note."""

    kind: DocumentKind
    note: Annotated[str, Text()] | None = None
