"""Verify a work authorization, as a PDF or as its scanned code: one implementation for all.

``permis verify`` and the verification desk both call these. A PDF is genuine when its
PAdES signature is intact, covers the whole file and is the trusted seal's, and when the
seal code it carries is genuine and names the document the PDF says it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from messages.seal import SealPayload
from workers.core.errors import PermisError
from workers.seal.code import read_code
from workers.seal.keys import Certificate
from workers.seal.pdf import read_sealed_pdf
from workers.seal.reasons import NotGenuine, Reason

MAX_PDF_BYTES = 10 * 1024 * 1024

# The number of the document that replaces a given one, or None: the store answers it.
SupersededBy = Callable[[str], str | None]


class ReplacementQuestion:
    """One verification's question to the store: which document replaced this one.

    A store that fails must not hide the seal's own answer: its error goes to ``on_failure``
    and the question stays unanswered (``answered`` is False), as when nothing was asked.
    """

    def __init__(self, ask: SupersededBy | None, on_failure: Callable[[PermisError], None]) -> None:
        self.ask = ask
        self.on_failure = on_failure
        self.answered = False

    def __call__(self, number: str) -> str | None:
        if self.ask is None:
            return None
        try:
            found = self.ask(number)
        except PermisError as exc:
            self.on_failure(exc)
            return None
        self.answered = True
        return found


class Status(StrEnum):
    """A verification's answer."""

    GENUINE = "genuine"
    NOT_GENUINE = "not_genuine"
    SUPERSEDED = "superseded"


@dataclass(frozen=True)
class Verdict:
    """The answer, why when negative, the signed data when genuine, what replaced it if any."""

    status: Status
    reason: Reason | None = None
    detail: str = ""
    payload: SealPayload | None = None
    superseded_by: str | None = None

    @property
    def genuine(self) -> bool:
        return self.status is Status.GENUINE

    def as_json(self) -> dict[str, object]:
        return {
            "status": self.status.value,
            "reason": self.reason.value if self.reason else None,
            "explanation": self.reason.explain() if self.reason else None,
            "superseded_by": self.superseded_by,
            "document": self.payload.model_dump(mode="json") if self.payload else None,
        }


def verify_pdf(
    pdf: bytes, certificate: Certificate, superseded_by: SupersededBy | None = None
) -> Verdict:
    """Verify a PDF work authorization against the trusted seal certificate."""
    if len(pdf) > MAX_PDF_BYTES:
        return _refused(NotGenuine(Reason.NOT_A_PDF, "larger than any issued document"))
    try:
        sealed = read_sealed_pdf(pdf, certificate)
        if sealed.code is None:
            raise NotGenuine(Reason.NO_SEAL_CODE)
        payload = read_code(sealed.code, certificate)
        if payload.doc != sealed.document_number:
            raise NotGenuine(Reason.CODE_MISMATCH, "the code names another document number")
    except NotGenuine as refusal:
        return _refused(refusal)
    return _current(payload, superseded_by)


def verify_code(
    text: str, certificate: Certificate, superseded_by: SupersededBy | None = None
) -> Verdict:
    """Verify the text of a scanned seal code against the trusted seal certificate."""
    try:
        payload = read_code(text, certificate)
    except NotGenuine as refusal:
        return _refused(refusal)
    return _current(payload, superseded_by)


def _refused(refusal: NotGenuine) -> Verdict:
    return Verdict(Status.NOT_GENUINE, reason=refusal.reason, detail=refusal.detail)


def _current(payload: SealPayload, superseded_by: SupersededBy | None) -> Verdict:
    replacement = superseded_by(payload.doc) if superseded_by else None
    if replacement is not None:
        return Verdict(Status.SUPERSEDED, payload=payload, superseded_by=replacement)
    return Verdict(Status.GENUINE, payload=payload)
