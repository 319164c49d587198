"""Render an issued document: a Jinja2 template of a small HTML subset, laid out by ReportLab.

The template (``templates/documents/<kind>.html``) renders with HTML autoescape and
``StrictUndefined``; the markup is then parsed into a tree and every text node is
escaped again for ReportLab, so a value such as ``<b>X</b>`` prints literally. Only
the tags below are allowed; anything else is a template bug (``PermanentError``).

The output is deterministic: ReportLab's invariant mode, a creation date taken from
``issued_on``, and fonts embedded from files in the repository.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

import jinja2
from markupsafe import Markup, escape
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    HRFlowable,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)

import templates
from workers.core.errors import PermanentError

DOCUMENT_TEMPLATES_DIR = Path(templates.__file__).parent / "documents"
FONTS_DIR = DOCUMENT_TEMPLATES_DIR / "fonts"
FONT, FONT_BOLD = "PermisSans", "PermisSans-Bold"
GREY_HEX = "#555555"
BLUE, GREY = colors.HexColor("#000091"), colors.HexColor(GREY_HEX)
MARGIN = 18 * mm
TITLES = {
    "authorization": "Autorisation de travail",
    "refusal": "Décision de refus d'autorisation de travail",
    "documents_request": "Demande de pièces complémentaires",
    "implicit_refusal": "Avis de décision implicite de rejet",
}
SEAL_SIZE = 42 * mm
_MONTHS = {
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "en": "January February March April May June July August September October November December",
}
_BLOCKS = {"h1", "h2", "p", "table", "ol", "ul", "div", "hr"}
_INLINE = {"b", "br", "span"}
_VOID = {"br", "hr"}
_ALLOWED = _BLOCKS | _INLINE | {"tr", "th", "td", "li"}
# ReportLab keeps fonts and their subsets in process-wide state: one build at a time.
_BUILD_LOCK = threading.Lock()
# Column shares of the page width, per table class.
_COLUMNS = {"header": (0.58, 0.42), "fields": (0.36, 0.64), "closing": (0.72, 0.28)}


def render_pdf(kind: str, context: Mapping[str, Any]) -> bytes:
    """Render one document of ``kind`` to PDF bytes, the same bytes for the same context."""
    if kind not in TITLES:
        raise PermanentError(f"document {kind!r}: unknown kind")
    _register_fonts()  # before any Paragraph: <b> resolves to the bold face when parsed
    markup = _render_template(kind, context)
    flowables = _blocks(_parse(markup))
    return _build(kind, context, flowables)


def long_date(value: date, language: str) -> str:
    """Write a date in words: "1er février 2027" in French, "1 February 2027" in English."""
    day = "1er" if value.day == 1 and language == "fr" else str(value.day)
    return f"{day} {_MONTHS[language].split()[value.month - 1]} {value.year}"


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
    )
    env.filters["longdate"] = long_date
    env.filters["lines"] = _text_lines
    return env


@dataclass
class _Node:
    tag: str
    cls: str = ""
    children: list[_Node | str] = field(default_factory=list)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack = [_Node("body")]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ALLOWED:
            raise PermanentError(f"document template uses <{tag}>")
        node = _Node(tag, dict(attrs).get("class") or "")
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        if len(self.stack) < 2 or self.stack[-1].tag != tag:
            raise PermanentError(f"document template closes <{tag}> out of order")
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def _parse(markup: str) -> _Node:
    builder = _TreeBuilder()
    builder.feed(markup)
    builder.close()
    if len(builder.stack) != 1:
        raise PermanentError(f"document template leaves <{builder.stack[-1].tag}> open")
    return builder.stack[0]


def _inline(node: _Node) -> str:
    """ReportLab paragraph markup for a node's inline content; text is always escaped."""
    parts = []
    for child in node.children:
        if isinstance(child, str):
            parts.append(xml_escape(child))
        elif child.tag == "br":
            parts.append("<br/>")
        elif child.tag == "b":
            parts.append(f"<b>{_inline(child)}</b>")
        elif child.tag == "span":
            parts.append(f'<font color="{GREY_HEX}">{_inline(child)}</font>')
        else:
            raise PermanentError(f"document template puts <{child.tag}> inside text")
    return "".join(parts)


def _blocks(node: _Node) -> list[Flowable]:
    flowables: list[Flowable] = []
    for child in node.children:
        if isinstance(child, str):
            if child.strip():
                flowables.append(Paragraph(xml_escape(child), _style("p")))
            continue
        flowables.extend(_block(child))
    return flowables


def _block(node: _Node) -> list[Flowable]:
    if node.tag in {"h1", "h2", "p"}:
        style = _style(f"{node.tag}.{node.cls}" if node.cls else node.tag)
        return [Paragraph(_inline(node), style)]
    if node.tag == "hr":
        return [HRFlowable(width="100%", thickness=0.6, color=BLUE, spaceAfter=4)]
    builders: dict[str, Callable[[_Node], list[Flowable]]] = {
        "table": _table,
        "ol": _list,
        "ul": _list,
        "div": _div,
    }
    if node.tag not in builders:
        raise PermanentError(f"document template puts <{node.tag}> where a block belongs")
    return builders[node.tag](node)


def _div(node: _Node) -> list[Flowable]:
    if node.cls == "seal":
        return [SealBox(_inline(node))]
    if node.cls == "keep":
        return [KeepTogether(_blocks(node))]
    raise PermanentError(f"document template uses div class {node.cls!r}")


def _list(node: _Node) -> list[Flowable]:
    items = _elements(node)
    if any(item.tag != "li" for item in items):
        raise PermanentError(f"document template puts other than <li> in <{node.tag}>")
    style = _style("li")
    return [
        Paragraph(_inline(item), style, bulletText=f"{n}." if node.tag == "ol" else "–")
        for n, item in enumerate(items, start=1)
    ]


def _table(node: _Node) -> list[Flowable]:
    rows = [[_cell(cell) for cell in _elements(row)] for row in _elements(node)]
    width = A4[0] - 2 * MARGIN
    shares = _COLUMNS.get(node.cls or "fields")
    if shares is None:
        raise PermanentError(f"document template uses table class {node.cls!r}")
    table = Table(rows, colWidths=[width * s for s in shares], hAlign="LEFT")
    table.setStyle(_TABLE_STYLES[node.cls or "fields"])
    return [table]


def _elements(node: _Node) -> list[_Node]:
    return [c for c in node.children if isinstance(c, _Node)]


def _cell(node: _Node) -> Flowable | list[Flowable]:
    if any(isinstance(c, _Node) and c.tag in _BLOCKS for c in node.children):
        return _blocks(node)
    return Paragraph(_inline(node), _style(node.tag))


class SealBox(Flowable):
    """The reserved, empty box where the secure seal's QR code will be drawn."""

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label
        self.width = self.height = SEAL_SIZE

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        canvas.saveState()
        canvas.setStrokeColor(GREY)
        canvas.setDash(3, 2)
        canvas.rect(0, 0, self.width, self.height)
        caption = Paragraph(self.label, _style("seal"))
        _, height = caption.wrap(self.width - 6 * mm, self.height)
        caption.drawOn(canvas, 3 * mm, (self.height - height) / 2)
        canvas.restoreState()


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


@cache
def _register_fonts() -> None:
    # DejaVu Sans covers Latin Extended (Łukasz, Çağlar, Nguyễn), not only French.
    pdfmetrics.registerFont(TTFont(FONT, str(FONTS_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONTS_DIR / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD)


def _style(name: str) -> ParagraphStyle:
    try:
        return _STYLES[name]
    except KeyError:
        raise PermanentError(f"document template uses unknown style {name!r}") from None


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("p", fontName=FONT, fontSize=9, leading=11.5, spaceAfter=4)
    small = {"fontSize": 8, "leading": 10.5}

    def style(name: str, **changes: Any) -> ParagraphStyle:
        return ParagraphStyle(name, parent=base, **changes)

    return {
        "p": base,
        "p.en": style("p.en", textColor=GREY, fontSize=8.5, leading=11),
        "p.subtitle": style("p.subtitle", textColor=GREY, fontSize=11, leading=14, spaceAfter=6),
        "p.republic": style("p.republic", fontName=FONT_BOLD, fontSize=11, spaceAfter=0),
        "p.motto": style("p.motto", textColor=GREY, spaceAfter=8, **small),
        "p.issuer": style("p.issuer", spaceAfter=0, **small),
        "p.meta": style("p.meta", alignment=2, spaceAfter=2, **small),
        "p.address": style("p.address", leftIndent=95 * mm, spaceBefore=6, spaceAfter=10),
        "p.small": style("p.small", **small),
        "h1": style("h1", fontName=FONT_BOLD, fontSize=15, leading=19, spaceBefore=6),
        "h2": style(
            "h2", fontName=FONT_BOLD, fontSize=10.5, textColor=BLUE, spaceBefore=7, keepWithNext=1
        ),
        "li": style("li", leftIndent=7 * mm, bulletIndent=1 * mm, bulletFontName=FONT),
        "th": style("th", fontName=FONT_BOLD, spaceAfter=0, **small),
        "td": style("td", spaceAfter=0),
        "seal": style("seal", textColor=GREY, alignment=1, fontSize=7, leading=9),
    }


def _table_styles() -> dict[str, TableStyle]:
    flat = [("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]
    grid = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor("#c8c8c8")),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (0, -1), 0),
    ]
    closing = [*flat, ("ALIGN", (1, 0), (1, -1), "RIGHT"), ("VALIGN", (1, 0), (1, -1), "BOTTOM")]
    return {"header": TableStyle(flat), "fields": TableStyle(grid), "closing": TableStyle(closing)}


_STYLES = _styles()
_TABLE_STYLES = _table_styles()
