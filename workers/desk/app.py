"""The verification desk's composition: ``create_app(settings)`` is what ``permis desk`` serves.

The verification is ``workers.seal.verify``'s, the one ``permis verify`` uses; the desk adds
pages for people, a JSON API for tools, caps on what it reads, and security headers.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.staticfiles import StaticFiles

from config.settings import Settings
from workers.admin import configured_store, superseded_lookup
from workers.desk import api, pages
from workers.desk.checks import Desk
from workers.desk.guard import ConcurrencyLimit, RequestLog, Scope, SecurityHeaders
from workers.desk.limits import (
    BUSY_RETRY_AFTER_S,
    CODE_CHARACTERS,
    MAX_CONCURRENT_REQUESTS,
    PDF_MEGABYTES,
)
from workers.desk.texts import Language
from workers.desk.views import page_context
from workers.seal.keys import SealKeyError, load_certificate

OPENAPI_URL = "/api/v1/openapi.json"
DESCRIPTION = (
    "Checks a work authorization issued by Permis: its PDF (PAdES seal and seal code) or the"
    " text of its scanned QR code (an ES256 JWS), against the seal certificate the desk"
    " trusts. Answers genuine, not_genuine with a reason, or superseded, with the signed"
    f" data. Nothing sent is stored. A PDF is at most {PDF_MEGABYTES} MiB, a code at most"
    f" {CODE_CHARACTERS['en']} characters."
)
NO_CERTIFICATE = (
    "the desk verifies against the seal's certificate: set PERMIS_SEAL_CERT"
    " (`permis keys generate` writes a development one)"
)


def create_app(settings: Settings) -> FastAPI:
    """The desk trusting ``PERMIS_SEAL_CERT``, asking the database (when one is set) what
    replaced a document. SealKeyError when there is no usable certificate.
    """
    if settings.seal_cert is None:
        raise SealKeyError(NO_CERTIFICATE)
    certificate = load_certificate(settings.seal_cert)
    store = configured_store(settings)
    if store is None:
        return build_app(Desk(certificate, None))
    return build_app(Desk(certificate, superseded_lookup(store)), on_close=store.dispose)


def build_app(
    desk: Desk | None = None,
    on_close: Callable[[], None] | None = None,
    *,
    concurrency: int = MAX_CONCURRENT_REQUESTS,
) -> FastAPI:
    """The desk's routes and guards around ``desk``; without one, only its shape (OpenAPI).
    Past ``concurrency`` requests under way, the next are answered 503.
    """

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if on_close is not None:
                on_close()

    app = FastAPI(
        title="Permis verification desk",
        version="1",
        description=DESCRIPTION,
        openapi_url=OPENAPI_URL,
        docs_url=None,  # both load scripts from a CDN: the CSP forbids them, and so do we
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.desk = desk
    app.include_router(pages.router)
    app.include_router(api.router)
    app.mount(pages.DSFR_ADDRESS, StaticFiles(directory=pages.DSFR_DIR), name="dsfr")
    app.add_exception_handler(HTTPException, _http_error)
    app.add_middleware(ConcurrencyLimit, limit=concurrency, busy=_busy, exempt=_never_busy)
    app.add_middleware(RequestLog)
    app.add_middleware(SecurityHeaders)  # outermost: even a failure's 500 carries the headers
    return app


def openapi_document() -> dict[str, Any]:
    """The API's OpenAPI document, as served at ``/api/v1/openapi.json``."""
    return build_app().openapi()


def openapi_text() -> str:
    """The OpenAPI document as committed in ``docs/desk.openapi.json``."""
    return json.dumps(openapi_document(), indent=2, ensure_ascii=False) + "\n"


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    error = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    path, status = request.url.path, exc.status_code
    return _refusal(path, status, error, str(exc.detail), "missing", exc.headers)


def _never_busy(path: str) -> bool:
    """A busy desk is still alive: its health check is not turned away; nor are the files its
    pages are drawn with (read from disk, holding no body), so even "busy" shows as it should.
    """
    return path in ("/healthz", pages.STYLESHEET) or path.startswith(pages.DSFR_ADDRESS + "/")


def _busy(scope: Scope) -> Response:
    message = f"too many requests under way; try again in {BUSY_RETRY_AFTER_S} s"
    headers = {"retry-after": str(BUSY_RETRY_AFTER_S)}
    return _refusal(scope["path"], 503, "busy", message, "busy", headers)


def _refusal(
    path: str, status: int, error: str, message: str, notice: str, headers: Any = None
) -> Response:
    """JSON ``{error, message}`` for the API, else the page ``notice`` in the path's language."""
    if path.startswith("/api/"):
        return JSONResponse({"error": error, "message": message}, status, headers=headers)
    language: Language = "en" if path.startswith("/en") else "fr"
    page = pages.render_text("notice.html", {**page_context(language), "heading": notice})
    return HTMLResponse(page, status, headers=headers)
