"""fpdf2: the authorization laid out with fpdf2's own API, from ``engines.model`` blocks.

Text goes through text regions (``text_columns`` paragraphs written run by run), never
through fpdf2's markdown, so a value prints as it is with nothing to escape. The QR code
is one filled rectangle per horizontal run of dark modules. fpdf2 keeps fonts per
document, so each render registers (parses) the two DejaVu Sans files again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, time
from typing import Any

import fontTools
from fpdf import FPDF

from engines.model import SEAL_SIZE_MM, Authorization, Block, Run, Section, authorization
from engines.qr import dark_runs
from workers.documents.render import FONTS_DIR, qr_matrix

FAMILY = "PermisSans"
MARGIN = 18.0
PAGE_WIDTH = 210.0
WIDTH = PAGE_WIDTH - 2 * MARGIN
PT = 25.4 / 72  # one point in millimetres
BLACK, GREY, BLUE, RULE = (0, 0, 0), (85, 85, 85), (0, 0, 145), (200, 200, 200)
# Per style: font size (pt), line height (pt), space after (pt), alignment.
STYLES: dict[str, tuple[float, float, float, str]] = {
    "p": (9, 11.5, 4, "LEFT"),
    "en": (8.5, 11, 4, "LEFT"),
    "title": (15, 19, 4, "LEFT"),
    "subtitle": (11, 14, 6, "LEFT"),
    "republic": (11, 11.5, 0, "LEFT"),
    "motto": (8, 10.5, 8, "LEFT"),
    "issuer": (8, 10.5, 0, "LEFT"),
    "meta": (8, 10.5, 2, "RIGHT"),
    "small": (8, 10.5, 4, "LEFT"),
    "signature": (9, 11.5, 0, "LEFT"),
    "h2": (10.5, 11.5, 4, "LEFT"),
    "th": (8, 10.5, 0, "LEFT"),
    "td": (9, 11.5, 0, "LEFT"),
    "seal": (7, 9, 0, "CENTER"),
}


class _Document(FPDF):
    """A page with the document's footer: its number and the page number."""

    footer_text = ""

    def footer(self) -> None:
        self.set_y(-MARGIN + 2)
        self.set_font(FAMILY, "", 7.5)
        self.set_text_color(*GREY)
        self.cell(0, 4, f"{self.footer_text}{self.page_no()}", align="C")


def render(context: Mapping[str, Any], code: str) -> bytes:
    """The authorization, laid out by fpdf2."""
    document = authorization(context)
    pdf = _new_pdf(document)
    _header(pdf, document)
    for block in document.heading:
        _blocks(pdf, (block,), MARGIN, WIDTH)
    for section in document.sections:
        _section(pdf, section)
    _closing(pdf, document, qr_matrix(code))
    return bytes(pdf.output())


def details() -> str:
    """What fpdf2 parses and subsets its fonts with."""
    return f"fonts parsed and subset by fontTools {fontTools.version}"


def _new_pdf(document: Authorization) -> _Document:
    pdf = _Document(format="A4", unit="mm")
    pdf.footer_text = document.footer
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=MARGIN + 4)
    pdf.c_margin = 0
    pdf.add_font(FAMILY, "", FONTS_DIR / "DejaVuSans.ttf")
    pdf.add_font(FAMILY, "B", FONTS_DIR / "DejaVuSans-Bold.ttf")
    pdf.set_title(document.title)
    pdf.set_author(document.author)
    pdf.set_subject("Autorisation de travail")
    pdf.set_keywords(document.number)
    pdf.set_creator("Permis")
    pdf.set_lang("fr-FR")
    pdf.set_creation_date(datetime.combine(document.issued_on, time(), UTC))
    pdf.add_page()
    return pdf


def _header(pdf: FPDF, document: Authorization) -> None:
    top = pdf.y
    left_end = _blocks(pdf, document.header_left, MARGIN, WIDTH * 0.58)
    pdf.set_y(top)
    right_end = _blocks(pdf, document.header_right, MARGIN + WIDTH * 0.58, WIDTH * 0.42)
    pdf.set_y(max(left_end, right_end) + 1)
    _rule(pdf, BLUE, 0.6)
    pdf.set_y(pdf.y + 4 * PT)


def _section(pdf: FPDF, section: Section) -> None:
    _blocks(pdf, (Block("h2", section.heading),), MARGIN, WIDTH, top=7 * PT)
    for row in section.rows:
        top = pdf.y + 2 * PT
        pdf.set_y(top)
        label_end = _blocks(pdf, (Block("th", row.label),), MARGIN, WIDTH * 0.36, bold=True)
        pdf.set_y(top)
        value_end = _blocks(pdf, row.value, MARGIN + WIDTH * 0.36, WIDTH * 0.64)
        pdf.set_y(max(label_end, value_end) + 3 * PT)
        _rule(pdf, RULE, 0.4)


def _closing(pdf: FPDF, document: Authorization, matrix: Sequence[bytes]) -> None:
    top = pdf.y + 7 * PT
    pdf.set_y(top)
    _blocks(pdf, (Block("h2", document.validity_heading),), MARGIN, WIDTH * 0.72)
    _blocks(pdf, document.closing, MARGIN, WIDTH * 0.72)
    seal_left = MARGIN + WIDTH - SEAL_SIZE_MM
    _qr(pdf, matrix, seal_left, top)
    pdf.set_y(top + SEAL_SIZE_MM + 1)
    _blocks(pdf, document.seal_caption, seal_left, SEAL_SIZE_MM)


def _blocks(
    pdf: FPDF,
    blocks: Sequence[Block],
    left: float,
    width: float,
    *,
    top: float = 0,
    bold: bool = False,
) -> float:
    """Write ``blocks`` in the column ``left``..``left + width``; the y where they end."""
    right = PAGE_WIDTH - left - width
    with pdf.text_columns(l_margin=left, r_margin=right) as column:
        for number, block in enumerate(blocks):
            size, leading, after, align = STYLES[block.style]
            paragraph = column.paragraph(
                text_align=align,  # type: ignore[arg-type]
                line_height=leading / size,
                top_margin=top if number == 0 else 0,
                bottom_margin=after * PT,
            )
            with paragraph:
                for run in block.runs:
                    _font(pdf, block.style, run, size, bold)
                    paragraph.write(run.text)
    return pdf.y


def _font(pdf: FPDF, style: str, run: Run, size: float, bold: bool) -> None:
    pdf.set_font(FAMILY, "B" if bold or run.bold or style in {"h2", "title"} else "", size)
    colour = GREY if run.secondary else BLUE if style == "h2" else BLACK
    pdf.set_text_color(*colour)


def _rule(pdf: FPDF, colour: tuple[int, int, int], thickness_pt: float) -> None:
    pdf.set_draw_color(*colour)
    pdf.set_line_width(thickness_pt * PT)
    pdf.line(MARGIN, pdf.y, MARGIN + WIDTH, pdf.y)


def _qr(pdf: FPDF, matrix: Sequence[bytes], left: float, top: float) -> None:
    module = SEAL_SIZE_MM / len(matrix)
    pdf.set_fill_color(*BLACK)
    for row, column, length in dark_runs(matrix):
        pdf.rect(left + column * module, top + row * module, length * module, module, style="F")
