"""WeasyPrint: the production Jinja2 template itself, laid out as HTML and CSS.

``templates/documents/authorization.html`` renders as in production (autoescape,
``StrictUndefined``), so every value arrives HTML-escaped; ``weasyprint_page.html`` wraps it with
the metadata, and the QR code goes into the seal box as inline SVG. The stylesheet and
its ``@font-face`` rules (DejaVu Sans from the repository) are parsed once per process;
the footer, which names the document, is a small per-document ``@page`` rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from string import Template
from typing import Any

import jinja2
from markupsafe import Markup
from weasyprint import CSS, HTML
from weasyprint.text.ffi import harfbuzz_subset, pango
from weasyprint.text.fonts import FontConfiguration

from engines.model import SEAL_SIZE_MM
from engines.qr import qr_svg
from workers.documents.render import DOCUMENT_TEMPLATES_DIR, FONTS_DIR, TITLES, qr_matrix
from workers.law.wording import long_date

HERE = Path(__file__).parent
SEAL_BOX = '<div class="seal">'
STYLESHEET = Template("""
@font-face { font-family: "Permis Sans"; font-weight: normal; src: url("$regular"); }
@font-face { font-family: "Permis Sans"; font-weight: bold; src: url("$bold"); }
@page { size: A4; margin: 18mm 18mm 22mm;
  @bottom-center { font: 7.5pt "Permis Sans"; color: #555; } }
html { font: 9pt/11.5pt "Permis Sans"; hyphens: manual; }
body { margin: 0; }
p { margin: 0 0 4pt; }
b, th { font-weight: bold; }
.en, .motto, .subtitle, .seal { color: #555; }
p.en { font-size: 8.5pt; line-height: 11pt; }
.subtitle { font-size: 11pt; line-height: 14pt; margin-bottom: 6pt; }
.republic { font-weight: bold; font-size: 11pt; margin: 0; }
.motto { font-size: 8pt; line-height: 10.5pt; margin-bottom: 8pt; }
.issuer { font-size: 8pt; line-height: 10.5pt; margin: 0; }
.meta { font-size: 8pt; line-height: 10.5pt; text-align: right; margin-bottom: 2pt; }
.small { font-size: 8pt; line-height: 10.5pt; }
hr { border: 0; border-top: 0.6pt solid #000091; margin: 0 0 4pt; }
h1 { font-size: 15pt; line-height: 19pt; margin: 6pt 0 4pt; }
h2 { font-size: 10.5pt; line-height: 11.5pt; color: #000091; margin: 7pt 0 4pt;
  break-after: avoid; }
table { width: 100%; border-collapse: collapse; }
td, th { vertical-align: top; text-align: left; padding: 0; font-weight: normal; }
table.header td:first-child { width: 58%; }
table.fields th { width: 36%; font-weight: bold; font-size: 8pt; line-height: 10.5pt; }
table.fields th, table.fields td { padding: 2pt 6pt 3pt 0; border-bottom: 0.4pt solid #c8c8c8; }
table.closing td:first-child { width: 72%; }
table.closing td:last-child { vertical-align: bottom; text-align: right; }
.seal { display: inline-block; width: ${seal}mm; text-align: center; font-size: 7pt;
  line-height: 9pt; }
.seal svg { display: block; }
""")


def render(context: Mapping[str, Any], code: str) -> bytes:
    """The authorization: the production template, then WeasyPrint's layout."""
    body = _environment().get_template("authorization.html").render(context)
    if body.count(SEAL_BOX) != 1:
        raise ValueError("authorization.html no longer has exactly one seal box")
    svg = qr_svg(qr_matrix(code), SEAL_SIZE_MM)
    body = body.replace(SEAL_BOX, SEAL_BOX + svg, 1)  # the SVG is ours: numbers only
    number = str(context["document_number"])
    page = (
        _environment()
        .get_template("weasyprint_page.html")
        .render(
            body=Markup(body),
            footer=Markup(css_string(f"{number} · page ")),  # letters, digits, escapes
            title=f"{TITLES['authorization']} {number}",
            author=context["platform"]["name"],
            keywords=number,
            created=context["issued_on"].isoformat(),
        )
    )
    stylesheet, fonts = _stylesheet()
    pdf = HTML(string=page, base_url=str(HERE)).write_pdf(
        stylesheets=[stylesheet], font_config=fonts
    )
    assert isinstance(pdf, bytes)
    return pdf


def details() -> str:
    """The system libraries that decide WeasyPrint's speed: Pango, and the font subsetter."""
    major, rest = divmod(pango.pango_version(), 10000)
    subsetter = "HarfBuzz" if harfbuzz_subset else "fontTools (no libharfbuzz-subset)"
    return f"Pango {major}.{rest // 100}.{rest % 100}, fonts subset by {subsetter}"


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string: anything but letters, digits and spaces escaped."""
    return '"' + "".join(c if c.isalnum() or c == " " else f"\\{ord(c):x} " for c in text) + '"'


@cache
def _environment() -> jinja2.Environment:
    # The production environment's settings; this folder adds weasyprint_page.html.
    loader = jinja2.FileSystemLoader([HERE, DOCUMENT_TEMPLATES_DIR])
    environment = jinja2.Environment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["longdate"] = long_date
    return environment


@cache
def _stylesheet() -> tuple[CSS, FontConfiguration]:
    fonts = FontConfiguration()
    text = STYLESHEET.substitute(
        regular=(FONTS_DIR / "DejaVuSans.ttf").as_uri(),
        bold=(FONTS_DIR / "DejaVuSans-Bold.ttf").as_uri(),
        seal=SEAL_SIZE_MM,
    )
    return CSS(string=text, font_config=fonts), fonts
