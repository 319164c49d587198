"""Translate the documents' small HTML subset into ReportLab flowables.

The rendered template is parsed into a tree and every text node is escaped again for
ReportLab, so a value such as ``<b>X</b>`` prints literally. Only the tags below are
allowed; anything else is a template bug (``PermanentError``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    KeepTogether,
    Paragraph,
    Table,
    TableStyle,
)

from workers.core.errors import PermanentError

FONT, FONT_BOLD = "PermisSans", "PermisSans-Bold"
GREY_HEX = "#555555"
BLUE, GREY = colors.HexColor("#000091"), colors.HexColor(GREY_HEX)
RED = colors.HexColor("#E1000F")  # the DSFR's "rouge Marianne"; BLUE is its "bleu France"
MARGIN = 18 * mm
SEAL_SIZE = 42 * mm
_BLOCKS = {"h1", "h2", "p", "table", "ol", "ul", "div", "hr"}
_INLINE = {"b", "br", "span"}
_VOID = {"br", "hr"}
_ALLOWED = _BLOCKS | _INLINE | {"tr", "th", "td", "li"}
# A QR code's modules, row by row, one byte each, 1 for dark, quiet zone included.
QrMatrix = Sequence[bytes]
_DARK_RUN = re.compile(rb"\x01+")
_SEAL: ContextVar[QrMatrix | None] = ContextVar("seal", default=None)
# Parsed paragraphs kept: a document has about fifty, most of them the same in every one.
_KEPT_PARAGRAPHS = 512
# Column shares of the page width, per table class.
_COLUMNS = {"header": (0.58, 0.42), "fields": (0.36, 0.64), "closing": (0.72, 0.28)}


def to_flowables(markup: str, seal: QrMatrix | None = None) -> list[Flowable]:
    """The flowables of rendered template markup; PermanentError on a tag outside the subset.

    ``seal`` is the QR code drawn in the template's ``<div class="seal">``, if any.
    """
    token = _SEAL.set(seal)
    try:
        return _blocks(_parse(markup))
    finally:
        _SEAL.reset(token)


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
                flowables.append(_paragraph(xml_escape(child), "p"))
            continue
        flowables.extend(_block(child))
    return flowables


def _block(node: _Node) -> list[Flowable]:
    if node.tag in {"h1", "h2", "p"}:
        return [_paragraph(_inline(node), f"{node.tag}.{node.cls}" if node.cls else node.tag)]
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
        return [SealBox(_inline(node), _SEAL.get())]
    if node.cls == "tricolour":
        return [Tricolour()]
    if node.cls == "keep":
        return [KeepTogether(_blocks(node))]
    raise PermanentError(f"document template uses div class {node.cls!r}")


def _list(node: _Node) -> list[Flowable]:
    items = _elements(node)
    if any(item.tag != "li" for item in items):
        raise PermanentError(f"document template puts other than <li> in <{node.tag}>")
    return [
        _paragraph(_inline(item), "li", f"{n}." if node.tag == "ol" else "–")
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
    return _paragraph(_inline(node), node.tag)


def _paragraph(markup: str, style: str, bullet: str | None = None) -> Paragraph:
    parsed = _parsed(markup, _style(style), bullet)
    return _Paragraph(markup, parsed.style, parsed.bulletText, frags=parsed.frags)


@lru_cache(maxsize=_KEPT_PARAGRAPHS)
def _parsed(markup: str, style: ParagraphStyle, bullet: str | None) -> Paragraph:
    # Most paragraphs are the template's own text, the same in every document: ReportLab's
    # parse of their markup (about a tenth of a document's time) is done once. Layout and
    # drawing only read the fragments it makes, so instances may share them.
    return Paragraph(markup, style, bullet)


class _Paragraph(Paragraph):
    """A Paragraph that breaks its lines once per width: tables wrap each cell two or three
    times (to size the rows, then to draw), always at the column's width."""

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        memo = getattr(self, "_wrapped", None)
        if memo is not None and memo[0] == avail_width:
            self.width, self.height, self.blPara, self._wrapWidths = memo[1:]
            return self.width, self.height
        size: tuple[float, float] = super().wrap(avail_width, avail_height)
        self._wrapped = (avail_width, self.width, self.height, self.blPara, self._wrapWidths)
        return size


class Tricolour(Flowable):
    """The small blue, white and red flag above the bloc-marque: drawing only, no text."""

    STRIPE = 3.2 * mm
    HEIGHT = 6 * mm

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return 3 * self.STRIPE, self.HEIGHT + 1.5 * mm

    def draw(self) -> None:
        canvas = self.canv
        canvas.saveState()
        canvas.setLineWidth(0.3)
        canvas.setStrokeColor(GREY)
        for index, colour in enumerate((BLUE, colors.white, RED)):
            canvas.setFillColor(colour)
            canvas.rect(index * self.STRIPE, 1.5 * mm, self.STRIPE, self.HEIGHT, stroke=0, fill=1)
        canvas.rect(0, 1.5 * mm, 3 * self.STRIPE, self.HEIGHT, stroke=1, fill=0)
        canvas.restoreState()


class SealBox(Flowable):
    """The seal's square: its QR code with a caption below, or a dashed placeholder."""

    def __init__(self, label: str, matrix: QrMatrix | None = None) -> None:
        super().__init__()
        self.label = label
        self.matrix = matrix
        self.width = self.height = SEAL_SIZE
        self.caption = _paragraph(label, "seal")
        if matrix is not None:
            _, caption_height = self.caption.wrap(self.width, self.height)
            self.height = SEAL_SIZE + caption_height

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        canvas.saveState()
        if self.matrix is None:
            canvas.setStrokeColor(GREY)
            canvas.setDash(3, 2)
            canvas.rect(0, 0, self.width, self.height)
            _, height = self.caption.wrap(self.width - 6 * mm, self.height)
            self.caption.drawOn(canvas, 3 * mm, (self.height - height) / 2)
        else:
            _draw_qr(canvas, self.matrix, bottom=self.height - SEAL_SIZE, size=SEAL_SIZE)
            self.caption.wrap(self.width, self.height)
            self.caption.drawOn(canvas, 0, 0)
        canvas.restoreState()


def _draw_qr(canvas: Any, matrix: QrMatrix, *, bottom: float, size: float) -> None:
    module = size / len(matrix)
    canvas.saveState()
    canvas.transform(module, 0, 0, module, 0, bottom)
    canvas.setFillColor(colors.black)
    canvas.addLiteral(qr_path(matrix) + "\nf")
    canvas.restoreState()


def qr_path(matrix: QrMatrix) -> str:
    """The dark modules as one PDF path of horizontal runs, in modules from the bottom left.

    Written directly, in integers: ReportLab's path object formats each of the two
    thousand or so rectangles' four coordinates as floats, about 3 ms a document.
    """
    top = len(matrix) - 1
    return "\n".join(
        f"{run.start()} {top - row} {run.end() - run.start()} 1 re"
        for row, modules in enumerate(matrix)
        for run in _DARK_RUN.finditer(modules)
    )


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
        "p.republic": style("p.republic", fontName=FONT_BOLD, fontSize=11, leading=12.5),
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
