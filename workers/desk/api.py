"""The desk's JSON API for other tools: POST a PDF or a code, get the verdict and the data.

Any verdict is a 200; input that cannot be verified is a 4xx with ``{error, message}``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from messages.seal import SealPayload
from workers.desk.checks import Checked, Desk, InputError
from workers.desk.reading import code_from_api, pdf_from_api
from workers.seal.code import MAX_CODE_LENGTH as MAX_CODE_CHARS
from workers.seal.reasons import Reason
from workers.seal.verify import MAX_PDF_BYTES, Status

router = APIRouter(prefix="/api/v1", tags=["verification"])


class VerificationAnswer(BaseModel):
    """A verdict (CONTRACTS.md §7), as ``permis verify --json`` prints it, and one more field."""

    status: Status = Field(description="genuine, not_genuine, or superseded (genuine, replaced)")
    reason: Reason | None = Field(description="why not genuine; null otherwise")
    explanation: str | None = Field(description="the reason in plain French words")
    superseded_by: str | None = Field(description="the number of the replacing document")
    document: SealPayload | None = Field(description="the signed data, when genuine")
    replacement_checked: bool | None = Field(
        description="whether the database said if a replacement exists: false when it could"
        " not be asked (then a genuine answer does not rule out superseded); null when not"
        " genuine"
    )


class ErrorAnswer(BaseModel):
    """Why the request was not verified."""

    error: str = Field(
        description="empty, not_a_pdf, malformed_code, too_large, unsupported_media_type,"
        " bad_request; busy"
    )
    message: str


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorAnswer, "description": "empty body, or the field missing"},
    413: {"model": ErrorAnswer, "description": "over the size limit"},
    415: {"model": ErrorAnswer, "description": "not a content type this endpoint reads"},
    422: {"model": ErrorAnswer, "description": "not a PDF, or not a seal code at all"},
    503: {
        "model": ErrorAnswer,
        "description": "busy: as many requests are under way as the desk takes at once; try"
        " again after the Retry-After header's seconds",
    },
}
_BINARY = {"type": "string", "format": "binary", "maxLength": MAX_PDF_BYTES}
PDF_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/pdf": {"schema": _BINARY},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": _BINARY},
                }
            },
        },
    }
}
CODE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["code"],
                    "properties": {
                        "code": {
                            "type": "string",
                            "maxLength": MAX_CODE_CHARS,
                            "description": "the text of the scanned QR code (a JWS)",
                        }
                    },
                }
            }
        },
    }
}


@router.post(
    "/verify/pdf",
    summary="Verify a work authorization's PDF",
    operation_id="verify_pdf",
    response_model=VerificationAnswer,
    response_description="the verdict, whatever it is",
    responses=ERRORS,
    openapi_extra=PDF_BODY,
)
async def verify_pdf(request: Request) -> JSONResponse:
    """The PDF as the body (`application/pdf`) or as the multipart field `file`."""
    desk: Desk = request.app.state.desk
    return await _answer(lambda: pdf_from_api(request), desk.check_pdf)


@router.post(
    "/verify/code",
    summary="Verify the text of a scanned seal code",
    operation_id="verify_code",
    response_model=VerificationAnswer,
    response_description="the verdict, whatever it is",
    responses=ERRORS,
    openapi_extra=CODE_BODY,
)
async def verify_code(request: Request) -> JSONResponse:
    """The code as `{"code": "eyJ…"}`."""
    desk: Desk = request.app.state.desk
    return await _answer(lambda: code_from_api(request), desk.check_code)


async def _answer(
    read: Callable[[], Awaitable[Any]], check: Callable[[Any], Checked]
) -> JSONResponse:
    try:
        checked = await run_in_threadpool(check, await read())
    except InputError as error:
        problem = error.problem
        body = {"error": problem.error, "message": problem.text.en}
        return JSONResponse(body, status_code=problem.status)
    return JSONResponse(checked.as_json())
