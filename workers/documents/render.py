"""Render an issued document: a Jinja2 template of a small HTML subset, laid out by ReportLab.

The template (``templates/documents/<kind>.html``) renders with HTML autoescape and
``StrictUndefined``; ``workers.documents.markup`` then turns the markup into ReportLab
flowables, escaping every text node again, so a value such as ``<b>X</b>`` prints
literally. Only the tags it lists are allowed; anything else is a template bug
(``PermanentError``).

The output is deterministic: ReportLab's invariant mode, a creation date taken from
``issued_on``, and fonts embedded from files in the repository.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Mapping
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import zxingcpp
from markupsafe import Markup, escape
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

import templates
from workers.core.errors import PermanentError
from workers.documents.fonts import FONTS_DIR as FONTS_DIR
from workers.documents.fonts import register_fonts
from workers.documents.markup import BLUE as BLUE
from workers.documents.markup import FONT as FONT
from workers.documents.markup import FONT_BOLD as FONT_BOLD
from workers.documents.markup import GREY as GREY
from workers.documents.markup import GREY_HEX as GREY_HEX
from workers.documents.markup import MARGIN as MARGIN
from workers.documents.markup import SEAL_SIZE as SEAL_SIZE
from workers.documents.markup import SealBox as SealBox
from workers.documents.markup import to_flowables
from workers.law.wording import long_date

DOCUMENT_TEMPLATES_DIR = Path(templates.__file__).parent / "documents"
TITLES = {
    "authorization": "Autorisation de travail",
    "refusal": "Décision de refus d'autorisation de travail",
    "documents_request": "Demande de pièces complémentaires",
    "implicit_refusal": "Avis de décision implicite de rejet",
}
# ReportLab keeps fonts and their subsets in process-wide state: one build at a time.
_BUILD_LOCK = threading.Lock()


def render_pdf(kind: str, context: Mapping[str, Any], *, seal_code: str | None = None) -> bytes:
    """Render one document of ``kind`` to PDF bytes, the same bytes for the same context.

    ``seal_code`` is drawn as a QR code (error correction M) in the template's seal box.
    """
    if kind not in TITLES:
        raise PermanentError(f"document {kind!r}: unknown kind")
    register_fonts()  # before any Paragraph: <b> resolves to the bold face when parsed
    markup = _render_template(kind, context)
    flowables = to_flowables(markup, qr_matrix(seal_code) if seal_code else None)
    return _build(kind, context, flowables)


def warm_up() -> None:
    """Register the fonts and compile every template now, not in the first grant's time."""
    register_fonts()
    for kind in TITLES:
        _environment().get_template(f"{kind}.html")


def qr_matrix(text: str) -> tuple[bytes, ...]:
    """The modules of ``text``'s QR code, error correction M, with its quiet zone; 1 is dark."""
    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    pixels = memoryview(code.to_image(scale=1, add_quiet_zones=True))  # type: ignore[arg-type]
    width = pixels.shape[1] if pixels.shape else 0
    flat = pixels.tobytes().translate(_DARK_AS_ONE)
    return tuple(flat[start : start + width] for start in range(0, len(flat), width))


_DARK_AS_ONE = bytes([1] + [0] * 255)


def _render_template(kind: str, context: Mapping[str, Any]) -> str:
    try:
        return _environment().get_template(f"{kind}.html").render(context)
    except jinja2.TemplateNotFound as exc:
        raise PermanentError(f"document {kind}: no template") from exc
    except jinja2.UndefinedError as exc:
        raise PermanentError(f"document {kind}: {exc.message}") from exc
    except jinja2.TemplateError as exc:
        raise PermanentError(f"document {kind}: template error: {exc}") from exc


def _text_lines(value: str) -> Markup:
    # Multi-line agent texts keep their line breaks; each line is escaped first.
    return Markup("<br>").join(escape(line) for line in str(value).splitlines())


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(DOCUMENT_TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # the templates ship with the code: no stat per document
    )
    env.filters["longdate"] = long_date
    env.filters["lines"] = _text_lines
    return env


def _build(kind: str, context: Mapping[str, Any], flowables: list[Flowable]) -> bytes:
    number, issued_on, platform = _metadata(kind, context)
    stamp = f"D:{issued_on:%Y%m%d}000000+00'00'"

    def on_page(canvas: Canvas, _: object) -> None:
        canvas.setDateFormatter(lambda *_: stamp)  # invariant mode would say 2000-01-01

    def on_page_end(canvas: Canvas, _: object) -> None:
        _footer(canvas, number)  # drawn last, so a screen reader reads it last

    buffer = io.BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=A4,
        title=f"{TITLES[kind]} {number}",
        author=platform,
        subject=TITLES[kind],
        creator="Permis",
        keywords=[number],
        invariant=True,
        lang="fr-FR",
    )
    frame = Frame(MARGIN, MARGIN + 4 * mm, A4[0] - 2 * MARGIN, A4[1] - 2 * MARGIN, id="body")
    document.addPageTemplates(PageTemplate("page", [frame], on_page, on_page_end))
    with _BUILD_LOCK:
        document.build(flowables)
    return buffer.getvalue()


def _metadata(kind: str, context: Mapping[str, Any]) -> tuple[str, date, str]:
    try:
        number, issued_on = str(context["document_number"]), context["issued_on"]
        platform = str(context["platform"]["name"])
    except (KeyError, TypeError) as exc:
        raise PermanentError(f"document {kind}: context lacks {exc}") from exc
    if not isinstance(issued_on, date):
        raise PermanentError(f"document {kind}: issued_on is not a date")
    return number, issued_on, platform


def _footer(canvas: Canvas, number: str) -> None:
    canvas.saveState()
    canvas.setFont(FONT, 7.5)
    canvas.setFillColor(GREY)
    text = f"{number} · page {canvas.getPageNumber()}"
    canvas.drawCentredString(A4[0] / 2, MARGIN - 2 * mm, text)
    canvas.restoreState()
