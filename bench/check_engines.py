"""Check that every engine's sealed authorization is the document it should be.

    .venv/bin/python bench/check_engines.py [--out-dir /tmp/bench-engines]

For each engine: one sealed authorization (sample 01) written to ``<out-dir>/<engine>.pdf``;
it must be one page whose text layer (pypdfium2) holds the document's data, whose QR code
(page rendered at scale 3, read by zxing-cpp) is the seal code, and which the production
verifier (``workers.seal.verify.verify_pdf``) finds genuine. Then every accepted sample, in
French and in English, should fit on one page, and hostile values must print literally.
Exit status 1 when any check fails.
"""

from __future__ import annotations

import argparse
import copy
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pypdfium2 as pdfium
import zxingcpp
from workload import (
    ENGINES,
    Render,
    Unavailable,
    accepted_submissions,
    authorization,
    development_sealer,
    first_line,
    issue,
    try_engine,
)

from workers.seal.pdf import read_sealed_pdf
from workers.seal.sealer import Sealer
from workers.seal.verify import verify_pdf

EXPECTED = (
    "RÉPUBLIQUE FRANÇAISE",
    "Liberté, Égalité, Fraternité",
    "Préfecture des Hauts-de-Seine (Nanterre)",
    "Plateforme main-d'œuvre étrangère de Nanterre",
    "AT26-0000042-2-A1",
    "Dossier n° AT26-0000042-2",
    "Date de délivrance : 15 janvier 2027",
    "Autorisation de travail",
    "Quantiq Analytics SAS",
    "79864326800021",
    "REDDY",
    "Sai Kiran",
    "14 juillet 1993 — Hyderabad (IN)",
    "Z7654321",
    "Ingénieur logiciel back-end",
    "contrat à durée indéterminée (CDI)",
    "Du 1er février 2027 au 31 janvier 2028 inclus.",
    "C. trav., art. L.5221-2 et R.5221-1 et suivants.",
    "Cachet électronique de l'administration",
)
# Markup of every language the engines use: HTML, Jinja2, Typst, fpdf2's markdown.
HOSTILE = {
    "employer": '<b>X</b> & Cie "#panic(1)" \\ {{ 7*7 }}',
    "first_names": "*gras* __souligné__ $x^2$ [lien](http://x) @ref <lbl>",
    "title": "#set page(width: 1cm) ]; ) } --barré-- &amp; </td>",
}


@dataclass
class Report:
    """One engine's verdicts, check by check: "ok" or what went wrong."""

    engine: str
    results: dict[str, str]

    @property
    def passed(self) -> bool:
        return all(result == "ok" for result in self.results.values())


CHECKS = (
    "one page",
    "text layer",
    "QR code",
    "seal verifies",
    "all samples fr: 1 page",
    "all samples en: 1 page",
    "hostile text literal",
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out-dir", type=Path, default=Path("/tmp/bench-engines"))
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    with development_sealer() as sealer:
        reports = [check(name, sealer, args.out_dir) for name in ENGINES]
    print(_table(reports))
    return 0 if all(report.passed for report in reports) else 1


def check(name: str, sealer: Sealer, out_dir: Path) -> Report:
    """Every check of one engine; an unavailable engine fails them all with its reason."""
    engine = try_engine(name)
    if isinstance(engine, Unavailable):
        return Report(name, dict.fromkeys(CHECKS, f"unavailable: {engine.reason}"))
    code, pdf = issue(sealer, engine.render, authorization(accepted_submissions()[0]))
    (out_dir / f"{name}.pdf").write_bytes(pdf)
    results = {
        "one page": _guard(lambda: _one_page(pdf)),
        "text layer": _guard(lambda: _has_text(pdf, EXPECTED)),
        "QR code": _guard(lambda: _qr_reads(pdf, code)),
        "seal verifies": _guard(lambda: _genuine(pdf, sealer, code)),
        "all samples fr: 1 page": _guard(lambda: _samples_fit(engine, "fr")),
        "all samples en: 1 page": _guard(lambda: _samples_fit(engine, "en")),
        "hostile text literal": _guard(lambda: _hostile_literal(engine, code)),
    }
    return Report(name, results)


def _guard(check: Callable[[], str]) -> str:
    try:
        return check()
    except Exception as exc:  # a crash is that check's failure, not the run's
        return f"error: {first_line(exc)}"


def _one_page(pdf: bytes) -> str:
    pages = len(pdfium.PdfDocument(pdf))
    return "ok" if pages == 1 else f"{pages} pages"


def _has_text(pdf: bytes, expected: Sequence[str]) -> str:
    text = text_of(pdf)
    missing = [item for item in expected if item not in text]
    return "ok" if not missing else f"missing {missing}"


def _qr_reads(pdf: bytes, code: str) -> str:
    image = pdfium.PdfDocument(pdf)[0].render(scale=3).to_pil()
    texts = [barcode.text for barcode in zxingcpp.read_barcodes(image)]
    if texts == [code]:
        return "ok"
    return f"{len(texts)} codes read, none the seal code" if texts else "no code read"


def _genuine(pdf: bytes, sealer: Sealer, code: str) -> str:
    verdict = verify_pdf(pdf, sealer.key.certificate)
    if not verdict.genuine:
        return f"{verdict.status}: {verdict.reason} {verdict.detail}".strip()
    embedded = read_sealed_pdf(pdf, sealer.key.certificate)
    return "ok" if embedded.code == code else "the embedded code is not the one drawn"


def _samples_fit(engine: ModuleType, language: str) -> str:
    render: Render = engine.render
    overflowing = []
    for number, submission in enumerate(accepted_submissions(), start=1):
        context = authorization(submission, number, language)
        pages = len(pdfium.PdfDocument(render(context, "CODE")))
        if pages != 1:
            overflowing.append(f"{number:02d}")
    return "ok" if not overflowing else f"2+ pages: samples {', '.join(overflowing)}"


def _hostile_literal(engine: ModuleType, code: str) -> str:
    data: dict[str, Any] = copy.deepcopy(accepted_submissions()[0])
    data["employer"]["name"] = HOSTILE["employer"]
    data["employee"]["first_names"] = HOSTILE["first_names"]
    data["job"]["title"] = HOSTILE["title"]
    pdf = engine.render(authorization(data), code)
    return _has_text(pdf, list(HOSTILE.values()))


def text_of(pdf: bytes) -> str:
    """The text layer of every page, whitespace (and line wrapping) collapsed."""
    document = pdfium.PdfDocument(pdf)
    pages = (document[n].get_textpage().get_text_range() for n in range(len(document)))
    return " ".join(" ".join(pages).split())


def _table(reports: Sequence[Report]) -> str:
    lines = ["| Engine | " + " | ".join(CHECKS) + " |", "|---" * (len(CHECKS) + 1) + "|"]
    for report in reports:
        cells = [report.results[name] for name in CHECKS]
        lines.append(f"| {report.engine} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
