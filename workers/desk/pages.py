"""The desk's pages for people: French at ``/``, English at ``/en``; plain forms, no script.

They are drawn with the State's design system (DSFR), whose stylesheets, fonts and icons
the desk serves itself from ``static/dsfr`` (vendored from npm, see its README).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import jinja2
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

import templates
from config.reference import load_reference
from workers.desk.checks import Checked, Desk, InputError
from workers.desk.reading import from_page_form
from workers.desk.texts import Language
from workers.desk.views import (
    LINKS,
    STATEMENT_PAGES,
    StatementPage,
    form_context,
    page_context,
    result_context,
)

DESK_TEMPLATES_DIR = Path(templates.__file__).parent / "desk"
STYLESHEET = "/desk.css"
DSFR_DIR = Path(__file__).parent / "static" / "dsfr"
DSFR_ADDRESS = "/dsfr"
# The DSFR components the pages use, after its core; each one's url() are relative to it.
DSFR_COMPONENTS = (
    "link",
    "button",
    "form",
    "input",
    "upload",
    "alert",
    "skiplink",
    "logo",
    "header",
    "footer",
    "table",
)
DSFR_STYLESHEETS = (
    f"{DSFR_ADDRESS}/core/core.min.css",
    *(f"{DSFR_ADDRESS}/component/{name}/{name}.min.css" for name in DSFR_COMPONENTS),
)

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
async def form_fr() -> HTMLResponse:
    return _render("form.html", form_context("fr"))


@router.get("/en", response_class=HTMLResponse)
async def form_en() -> HTMLResponse:
    return _render("form.html", form_context("en"))


@router.post("/verifier", response_class=HTMLResponse)
async def verify_fr(request: Request) -> HTMLResponse:
    return await _verify(request, "fr")


@router.post("/en/verify", response_class=HTMLResponse)
async def verify_en(request: Request) -> HTMLResponse:
    return await _verify(request, "en")


@router.get("/verifier")
async def back_fr() -> RedirectResponse:
    """A result page reloaded or bookmarked: back to the form, nothing is kept to show."""
    return RedirectResponse(LINKS["fr"].home, status_code=303)


@router.get("/en/verify")
async def back_en() -> RedirectResponse:
    return RedirectResponse(LINKS["en"].home, status_code=303)


def _statement(language: Language, page: StatementPage) -> Callable[[], Awaitable[HTMLResponse]]:
    async def statement() -> HTMLResponse:
        return _render(f"{page}.html", page_context(language, page))

    return statement


def _add_statements(to: APIRouter) -> None:
    """The footer's statements (accessibility, legal notice, personal data), each language's."""
    for language, links in LINKS.items():
        for page in STATEMENT_PAGES:
            to.add_api_route(
                getattr(links, page),
                _statement(language, page),
                methods=["GET"],
                response_class=HTMLResponse,
                name=f"{page}_{language}",
            )


_add_statements(router)


@router.get(STYLESHEET)
async def stylesheet() -> Response:
    return Response(_stylesheet(), media_type="text/css")


@router.get("/healthz")
async def healthz() -> PlainTextResponse:
    """Alive: what the compose healthcheck asks."""
    return PlainTextResponse("ok")


async def _verify(request: Request, language: Language) -> HTMLResponse:
    desk: Desk = request.app.state.desk
    try:
        given = await from_page_form(request)
        if given.pdf is not None:
            checked: Checked = await run_in_threadpool(desk.check_pdf, given.pdf)
        else:
            checked = await run_in_threadpool(desk.check_code, given.code or "")
    except InputError as error:
        context = form_context(language, error.problem)
        return _render("form.html", context, error.problem.status)
    return _render("result.html", result_context(language, checked, _platform_names()))


def render_text(name: str, context: dict[str, Any]) -> str:
    """A desk template rendered, autoescaped."""
    shared = {"stylesheets": (*DSFR_STYLESHEETS, STYLESHEET), "dsfr": DSFR_ADDRESS}
    return _environment().get_template(name).render({**context, **shared})


def _render(name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    return HTMLResponse(render_text(name, context), status_code=status)


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(DESK_TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@functools.cache
def _stylesheet() -> bytes:
    return (DESK_TEMPLATES_DIR / "desk.css").read_bytes()


@functools.cache
def _platform_names() -> dict[str, str]:
    return {platform.id: platform.name for platform in load_reference().platforms}
