"""Typst: a fixed template, ``typst_authorization.typ``, fed the document as Typst data.

Each render writes the ``engines.model`` blocks as one ``#let doc = (...)`` dictionary of
escaped Typst string literals before the template, so no value is ever read as markup or
code. The QR code's SVG goes in through ``sys_inputs``: nothing touches the disk per
document. One ``typst.Compiler`` per process keeps the fonts (DejaVu Sans from the
repository only; system fonts are ignored).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import typst

from engines.model import SEAL_SIZE_MM, authorization
from engines.qr import qr_svg
from workers.documents.render import FONTS_DIR, qr_matrix

TEMPLATE = Path(__file__).with_name("typst_authorization.typ")
_ESCAPES = {"\\": "\\\\", '"': '\\"'}


def render(context: Mapping[str, Any], code: str) -> bytes:
    """The authorization, compiled by Typst."""
    document = authorization(context)
    data = {**dataclasses.asdict(document), "footer": document.footer}
    source = f"#let doc = {typst_value(data)}\n{_template()}"
    pdf = _compiler().compile(
        input=source.encode(),
        format="pdf",
        sys_inputs={"qr": qr_svg(qr_matrix(code), SEAL_SIZE_MM)},
    )
    assert isinstance(pdf, bytes)
    return pdf


def typst_value(value: object) -> str:
    """``value`` (None, bool, number, str, date, mapping, sequence) as a Typst literal."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return typst_string(value)
    if isinstance(value, date):
        return f"datetime(year: {value.year}, month: {value.month}, day: {value.day})"
    if isinstance(value, Mapping):
        entries = "".join(f"{key}: {typst_value(item)}, " for key, item in value.items())
        return f"({entries})" if entries else "(:)"
    if isinstance(value, Sequence):
        return "(" + "".join(f"{typst_value(item)}, " for item in value) + ")"
    raise TypeError(f"no Typst literal for {type(value).__name__}")


def typst_string(text: str) -> str:
    """``text`` as a Typst string literal: backslash and quote escaped, controls as \\u{..}."""
    return '"' + "".join(_escape(character) for character in text) + '"'


def _escape(character: str) -> str:
    if character in _ESCAPES:
        return _ESCAPES[character]
    if not character.isprintable() and character != " ":
        return f"\\u{{{ord(character):x}}}"
    return character


@cache
def _template() -> str:
    return TEMPLATE.read_text(encoding="utf-8")


@cache
def _compiler() -> typst.Compiler:
    return typst.Compiler(font_paths=[str(FONTS_DIR)], ignore_system_fonts=True)
