"""What the portal publishes on ``permis.submissions`` (CONTRACTS.md §2)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, NonNegativeInt, StrictBool

from messages.common import Address, CountryCode, DocumentRef, DossierNumber
from messages.envelope import CloudEvent, Data, Day, Instant, Line, Pattern, Text

SUBMITTED = "fr.gouv.etrangers.work_authorization.submitted"
DOCUMENTS_SUPPLIED = "fr.gouv.etrangers.work_authorization.documents_supplied"
WITHDRAWN = "fr.gouv.etrangers.work_authorization.withdrawn"

Procedure = Literal["introduction", "change_of_status", "renewal", "provisional_authorization"]
Category = Literal["employee", "temporary_worker", "seasonal_worker", "student", "asylum_seeker"]
ContractType = Literal["CDI", "CDD", "seasonal"]
Documents = Annotated[tuple[DocumentRef, ...], Field(max_length=50)]


class Contact(Data):
    """The employer's contact person; ``email`` receives the employer's letters."""

    first_name: Annotated[str, Line(100)]
    last_name: Annotated[str, Line(100)]
    email: Annotated[str, Line(254)]
    phone: Annotated[str, Line(30)] | None = None


class Employer(Data):
    """The employer and the establishment the job belongs to."""

    kind: Literal["company", "private_individual"]
    name: Annotated[str, Line(200)]
    siret: Annotated[str, Pattern(r"^[0-9]{14}$")] | None = None
    naf_code: Annotated[str, Pattern(r"^[0-9]{2}\.[0-9]{2}[A-Z]$")] | None = None
    headcount: NonNegativeInt | None = None
    address: Address
    contact: Contact


class Passport(Data):
    """The beneficiary's passport."""

    number: Annotated[str, Line(20)]
    issuing_country: CountryCode
    expires_on: Day


class Employee(Data):
    """The foreign national to be employed (the beneficiary)."""

    last_name: Annotated[str, Line(100)]
    first_names: Annotated[str, Line(100)]
    sex: Literal["F", "M", "X"]
    birth_date: Day
    birth_place: Annotated[str, Line(100)]
    birth_country: CountryCode
    nationality: CountryCode
    email: Annotated[str, Line(254)] | None = None
    preferred_language: Literal["fr", "en"] = "fr"
    passport: Passport | None = None
    foreign_national_number: Annotated[str, Pattern(r"^[0-9]{10}$")] | None = None
    address: Address


class Contract(Data):
    """The employment contract's terms."""

    type: ContractType
    start_date: Day
    end_date: Day | None = None
    weekly_hours: Annotated[float, Field(gt=0, le=48, allow_inf_nan=False)]
    gross_monthly_salary: Annotated[str, Pattern(r"^[0-9]{1,7}(\.[0-9]{1,2})?$")]


class JobOffer(Data):
    """The job offer published before recruiting abroad (labour market test)."""

    reference: Annotated[str, Line(50)]
    channel: Literal["france_travail", "other"]
    published_on: Day
    applications_received: NonNegativeInt


class Job(Data):
    """The job offered."""

    title: Annotated[str, Line(200)]
    rome_code: Annotated[str, Pattern(r"^[A-N][0-9]{4}$")]
    workplace: Address
    contract: Contract
    job_offer: JobOffer | None = None
    shortage_occupation: StrictBool = False


class Student(Data):
    """A student's institution and yearly working hours."""

    institution: Annotated[str, Line(200)]
    annual_hours: Annotated[float, Field(gt=0, allow_inf_nan=False)]


class Asylum(Data):
    """An asylum seeker's claim."""

    claim_filed_on: Day
    certificate_number: Annotated[str, Line(30)]


class Submission(Data):
    """The data of a work authorization request as the employer filed it."""

    procedure: Procedure
    category: Category
    filed_at: Instant
    employer: Employer
    employee: Employee
    job: Job
    student: Student | None = None
    asylum: Asylum | None = None
    documents: Documents


class DocumentsSupply(Data):
    """Documents the employer sends in answer to a request."""

    dossier_number: DossierNumber
    documents: Documents


class Withdrawal(Data):
    """The employer withdraws the request (désistement)."""

    dossier_number: DossierNumber
    reason: Annotated[str, Text()] | None = None


class Submitted(CloudEvent[Submission]):
    """An employer filed a work authorization request on the portal."""

    type: Literal["fr.gouv.etrangers.work_authorization.submitted"]


class DocumentsSupplied(CloudEvent[DocumentsSupply]):
    """An employer answered a request for documents."""

    type: Literal["fr.gouv.etrangers.work_authorization.documents_supplied"]


class Withdrawn(CloudEvent[Withdrawal]):
    """An employer withdrew a request."""

    type: Literal["fr.gouv.etrangers.work_authorization.withdrawn"]


PORTAL_TYPES: dict[str, type[CloudEvent[Any]]] = {
    SUBMITTED: Submitted,
    DOCUMENTS_SUPPLIED: DocumentsSupplied,
    WITHDRAWN: Withdrawn,
}
