"""What a request carries, read under the caps: a PDF, or a code, or the problem with it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from starlette.requests import Request

from workers.desk.checks import (
    BAD_FORM,
    CODE_TOO_LARGE,
    FILE_TOO_LARGE,
    NO_CODE_FIELD,
    NO_PDF_FIELD,
    UNSUPPORTED_CODE_TYPE,
    UNSUPPORTED_PDF_TYPE,
    InputError,
    Problem,
)
from workers.desk.forms import BadForm, media_type, parse_multipart, parse_urlencoded
from workers.desk.limits import CODE_BODY_LIMIT, PDF_FORM_LIMIT, TooLarge, read_capped
from workers.seal.verify import MAX_PDF_BYTES

T = TypeVar("T")


@dataclass(frozen=True)
class Given:
    """What to verify: the bytes of a PDF, or the text of a code."""

    pdf: bytes | None = None
    code: str | None = None


async def from_page_form(request: Request) -> Given:
    """The desk page's forms: the PDF as multipart ``file``, or the code as ``code``."""
    kind = media_type(request.headers.get("content-type"))
    if kind == "multipart/form-data":
        fields = await _multipart(request)
        if "file" in fields:
            return Given(pdf=fields["file"])
        if "code" in fields:
            return Given(code=_text(fields["code"]))
    elif kind == "application/x-www-form-urlencoded":
        body = await _body(request, CODE_BODY_LIMIT, CODE_TOO_LARGE)
        code = _parsed(parse_urlencoded, body).get("code")
        if code is not None:
            return Given(code=code)
    raise InputError(BAD_FORM)


async def pdf_from_api(request: Request) -> bytes:
    """The API's PDF: the raw body as ``application/pdf``, or a multipart field ``file``."""
    kind = media_type(request.headers.get("content-type"))
    if kind == "application/pdf":
        return await _body(request, MAX_PDF_BYTES, FILE_TOO_LARGE)
    if kind == "multipart/form-data":
        fields = await _multipart(request)
        if "file" not in fields:
            raise InputError(NO_PDF_FIELD)
        return fields["file"]
    raise InputError(UNSUPPORTED_PDF_TYPE)


async def code_from_api(request: Request) -> str:
    """The API's code: a JSON object ``{"code": "eyJ…"}``."""
    if media_type(request.headers.get("content-type")) != "application/json":
        raise InputError(UNSUPPORTED_CODE_TYPE)
    body = await _body(request, CODE_BODY_LIMIT, CODE_TOO_LARGE)
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser goes
        raise InputError(NO_CODE_FIELD) from None
    if not isinstance(document, dict) or not isinstance(document.get("code"), str):
        raise InputError(NO_CODE_FIELD)
    return str(document["code"])


async def _multipart(request: Request) -> dict[str, bytes]:
    body = await _body(request, PDF_FORM_LIMIT, FILE_TOO_LARGE)
    return _parsed(lambda b: parse_multipart(b, request.headers["content-type"]), body)


async def _body(request: Request, limit: int, too_large: Problem) -> bytes:
    try:
        return await read_capped(request.stream(), request.headers.get("content-length"), limit)
    except TooLarge:
        raise InputError(too_large) from None


def _parsed(parse: Callable[[bytes], T], body: bytes) -> T:
    try:
        return parse(body)
    except BadForm:
        raise InputError(BAD_FORM) from None


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(BAD_FORM) from None
