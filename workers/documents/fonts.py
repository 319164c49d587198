"""The documents' fonts, registered once; each distinct subset embedded is made and compressed once.

ReportLab embeds, per document, the subset of each font its text uses: it cuts the
glyphs out of the TrueType file and compresses them, about a millisecond per font.
The subset is a list of characters in their order of first use, and documents of a
kind mostly use the same ones in the same order (the template's text comes first), so
the same font file comes out again and again: it is kept, the few dozen last ones, and
the PDF is the same to the byte.
"""

from __future__ import annotations

import zlib
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import FF_NONSYMBOLIC, FF_SYMBOLIC, TTFont, TTFontFace

import templates
from workers.documents.markup import FONT, FONT_BOLD

FONTS_DIR = Path(templates.__file__).parent / "documents" / "fonts"
_KEPT_SUBSETS = 32  # about 55 kB each: the font file and its compressed form


@cache
def register_fonts() -> None:
    """Register the documents' fonts with ReportLab, once per process."""
    # DejaVu Sans covers Latin Extended (Łukasz, Çağlar, Nguyễn), not only French.
    for name, file in ((FONT, "DejaVuSans.ttf"), (FONT_BOLD, "DejaVuSans-Bold.ttf")):
        font = TTFont(name, str(FONTS_DIR / file))
        font.face.__class__ = _KeptSubsetsFace  # TTFont makes its face itself
        pdfmetrics.registerFont(font)
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD)


class _KeptSubsetsFace(TTFontFace):
    def addSubsetObjects(self, doc: Any, fontname: str, subset: list[int]) -> Any:
        """ReportLab's, with the font file taken from the kept subsets: the same objects."""
        if not doc.compression:
            return super().addSubsetObjects(doc, fontname, subset)
        length, compressed = _font_file(self, tuple(subset))
        font_file = pdfdoc.PDFStream(content=compressed)
        font_file.dictionary["Length1"] = length
        font_file.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])
        reference = doc.Reference(font_file, f"fontFile:{self.filename}({fontname})")
        flags = (self.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC
        descriptor = pdfdoc.PDFDictionary(
            {
                "Type": "/FontDescriptor",
                "Ascent": self.ascent,
                "CapHeight": self.capHeight,
                "Descent": self.descent,
                "Flags": flags,
                "FontBBox": pdfdoc.PDFArray(self.bbox),
                "FontName": pdfdoc.PDFName(fontname),
                "ItalicAngle": self.italicAngle,
                "StemV": self.stemV,
                "FontFile2": reference,
                "MissingWidth": self.defaultWidth,
            }
        )
        return doc.Reference(descriptor, "fontDescriptor:" + fontname)


@lru_cache(maxsize=_KEPT_SUBSETS)
def _font_file(face: TTFontFace, subset: tuple[int, ...]) -> tuple[int, bytes]:
    content = face.makeSubset(list(subset))
    return len(content), zlib.compress(content)
