"""What the desk does with what it is given: the one verification, and the replacement asked.

Input that is neither a PDF nor a seal code is not a verdict: it is a ``Problem`` told to
the sender (with an HTTP status), so a wrong file or a half-pasted code never reads as
"not genuine".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

from workers.core.errors import PermisError
from workers.desk.limits import CODE_CHARACTERS, PDF_MEGABYTES
from workers.desk.texts import Bilingual
from workers.seal.code import MAX_CODE_LENGTH as MAX_CODE_CHARS
from workers.seal.keys import Certificate
from workers.seal.reasons import Reason
from workers.seal.verify import (
    MAX_PDF_BYTES,
    ReplacementQuestion,
    Status,
    SupersededBy,
    Verdict,
)
from workers.seal.verify import verify_code as seal_verify_code
from workers.seal.verify import verify_pdf as seal_verify_pdf

log = logging.getLogger("permis.desk")
T = TypeVar("T", bytes, str)
Verify = Callable[[T, Certificate, SupersededBy], Verdict]
FormField = Literal["file", "code"] | None


@dataclass(frozen=True)
class Problem:
    """Why a request was not verified: a code for software, a status, the field, the words."""

    error: str
    status: int
    field: FormField
    text: Bilingual


EMPTY_FILE = Problem(
    "empty",
    400,
    "file",
    Bilingual(
        "Choisissez le fichier PDF de l'autorisation.", "Choose the authorization's PDF file."
    ),
)
EMPTY_CODE = Problem(
    "empty",
    400,
    "code",
    Bilingual("Collez le texte du code QR scanné.", "Paste the text of the scanned QR code."),
)
NOT_A_PDF = Problem(
    "not_a_pdf",
    422,
    "file",
    Bilingual(
        "Ce fichier n'est pas un PDF\u00a0: choisissez le PDF de l'autorisation.",
        "This file is not a PDF: choose the authorization's PDF.",
    ),
)
MALFORMED_CODE = Problem(
    "malformed_code",
    422,
    "code",
    Bilingual(
        "Ce texte n'est pas le code d'une autorisation de travail\u00a0: scannez le code QR"
        " imprimé sur l'autorisation et collez tout le texte obtenu.",
        "This text is not the code of a work authorization: scan the QR code printed on the"
        " authorization and paste all the text you get.",
    ),
)
FILE_TOO_LARGE = Problem(
    "too_large",
    413,
    "file",
    Bilingual(
        f"Ce fichier dépasse {PDF_MEGABYTES} Mo\u00a0: ce n'est pas une autorisation délivrée"
        " par Permis.",
        f"This file is over {PDF_MEGABYTES} MB: it is not an authorization Permis issued.",
    ),
)
CODE_TOO_LARGE = Problem(
    "too_large",
    413,
    "code",
    Bilingual(
        "Ce texte est trop long pour être le code d'une autorisation"
        f" ({CODE_CHARACTERS['fr']} caractères au plus).",
        "This text is too long to be an authorization's code"
        f" ({CODE_CHARACTERS['en']} characters at most).",
    ),
)
BAD_FORM = Problem(
    "bad_request",
    400,
    None,
    Bilingual(
        "Le formulaire envoyé ne se lit pas. Rechargez la page et recommencez.",
        "The form sent does not read. Reload the page and try again.",
    ),
)
NO_PDF_FIELD = Problem(
    "bad_request",
    400,
    "file",
    Bilingual(
        "Le formulaire doit porter le PDF dans le champ «\u00a0file\u00a0».",
        "The form must carry the PDF in its field `file`.",
    ),
)
NO_CODE_FIELD = Problem(
    "bad_request",
    400,
    "code",
    Bilingual(
        "Le corps doit être un objet JSON portant le code dans «\u00a0code\u00a0», une chaîne.",
        "The body must be a JSON object with the code as the string `code`.",
    ),
)
UNSUPPORTED_PDF_TYPE = Problem(
    "unsupported_media_type",
    415,
    None,
    Bilingual(
        "Envoyez le PDF en application/pdf, ou en multipart/form-data dans le champ"
        " «\u00a0file\u00a0».",
        "Send the PDF as application/pdf, or as multipart/form-data in the field `file`.",
    ),
)
UNSUPPORTED_CODE_TYPE = Problem(
    "unsupported_media_type",
    415,
    None,
    Bilingual(
        'Envoyez le code en application/json\u00a0: {"code": "eyJ…"}.',
        'Send the code as application/json: {"code": "eyJ…"}.',
    ),
)


class InputError(Exception):
    """The request cannot be verified, for the reason its ``problem`` gives."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.error)
        self.problem = problem


@dataclass(frozen=True)
class Checked:
    """A verdict, and whether the replacement could be asked (None when not genuine)."""

    verdict: Verdict
    replacement_checked: bool | None

    def as_json(self) -> dict[str, object]:
        return {**self.verdict.as_json(), "replacement_checked": self.replacement_checked}


class Desk:
    """Verifies PDFs and codes against the trusted seal, asking the store what replaced them."""

    def __init__(self, certificate: Certificate, replacement_of: SupersededBy | None) -> None:
        self.certificate = certificate
        self.replacement_of = replacement_of

    def check_pdf(self, pdf: bytes) -> Checked:
        """The verdict on a PDF; InputError when it is empty, too large or no PDF at all."""
        if not pdf:
            raise InputError(EMPTY_FILE)
        if len(pdf) > MAX_PDF_BYTES:
            raise InputError(FILE_TOO_LARGE)
        return self._verified(seal_verify_pdf, pdf, Reason.NOT_A_PDF, NOT_A_PDF)

    def check_code(self, text: str) -> Checked:
        """The verdict on a scanned code; InputError when it is empty, too long or no code."""
        # A scanner or a paste may break the code over lines; a JWS has no whitespace.
        code = "".join(text.split())
        if not code:
            raise InputError(EMPTY_CODE)
        if len(code) > MAX_CODE_CHARS:
            raise InputError(CODE_TOO_LARGE)
        return self._verified(seal_verify_code, code, Reason.MALFORMED_CODE, MALFORMED_CODE)

    def _verified(self, verify: Verify[T], given: T, no_input: Reason, problem: Problem) -> Checked:
        """The verdict on ``given``; InputError(problem) when it is not such input at all."""
        asked = ReplacementQuestion(self.replacement_of, _unchecked)
        verdict = verify(given, self.certificate, asked)
        if verdict.reason is no_input:
            raise InputError(problem)
        return Checked(verdict, None if verdict.status is Status.NOT_GENUINE else asked.answered)


def _unchecked(exc: PermisError) -> None:
    # The seal's own answer stands; the page says the replacement went unchecked.
    log.warning("replacement not checked: %s", exc, extra={"error": type(exc).__name__})
