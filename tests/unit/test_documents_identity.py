"""Every issued document carries the administration's identity, as text a reader can extract.

Each document is made as the documents stage makes it: rendered, then sealed with a
development seal (the authorization shows its QR code). Its text is read with pypdfium2
(PDFium, the engine of Chromium's viewer) line by line, beside the pypdf reading of
test_documents.py: the bloc-marque, the motto, the issuing platform of the dossier's
routing, the numbers and the legal bases. With ``PERMIS_SCREENSHOTS=1`` the tests also
write page 1 of each kind to ``docs/screenshots/document-<kind>.png``.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

from tests.support.documents import DOSSIER, KINDS, context_for, platform, submission
from workers.documents.issuing import sealed_document
from workers.documents.render import TITLES
from workers.seal.keys import generate_seal, load_seal_key
from workers.seal.sealer import Sealer

pytestmark = pytest.mark.timeout(60)

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
SCREENSHOT_SCALE = 1.5  # 1.5 × 72 dpi: A4 at 893 × 1263 pixels
IDENTITY = ("RÉPUBLIQUE", "FRANÇAISE", "Liberté, Égalité, Fraternité")
LABOUR_CODE = "Base légale : C. trav., art. L.5221-2 et R.5221-1 et suivants"
LEGAL_BASES = {
    "authorization": (LABOUR_CODE,),
    "refusal": (LABOUR_CODE, "Fondement : C. trav., art. R.5221-20, 4°"),
    "implicit_refusal": (
        LABOUR_CODE,
        "code des relations entre le public et l'administration, art. L.231-4 et L.232-4",
    ),
    "documents_request": (
        LABOUR_CODE,
        "notamment R.5221-12",
        "arrêté du 1er avril 2021 fixant la liste des pièces à fournir",
    ),
}


def lines_of(pdf: bytes) -> list[str]:
    """Each page's text lines as PDFium extracts them, whitespace collapsed."""
    document = pdfium.PdfDocument(pdf)
    try:
        text = "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def sealer(tmp_path_factory: pytest.TempPathFactory) -> Sealer:
    """A development seal, made once for the module."""
    seal = generate_seal(tmp_path_factory.mktemp("seal"))
    return Sealer(load_seal_key(seal.key_file, seal.cert_file))


def issued(
    sealer: Sealer, kind: str, language: str = "fr", platform_id: str = "pf-nanterre"
) -> bytes:
    """The document as issued: rendered, then sealed (the authorization with its code)."""
    context = context_for(kind, submission("01"), language, platform=platform(platform_id))
    return sealed_document(sealer, kind, context)[1]


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_document_opens_with_the_bloc_marque_and_the_issuing_platform(
    kind: str, language: str, sealer: Sealer
) -> None:
    lines = lines_of(issued(sealer, kind, language))
    issuer = platform()
    assert lines[:5] == [*IDENTITY, issuer.host_prefecture, issuer.name]


@pytest.mark.parametrize("kind", KINDS)
def test_every_document_names_its_number_its_dossier_and_its_title(
    kind: str, sealer: Sealer
) -> None:
    lines = lines_of(issued(sealer, kind))
    number = context_for(kind, submission("01"))["document_number"]
    assert f"N° {number}" in lines
    assert f"Dossier n° {DOSSIER}" in lines
    assert TITLES[kind] in lines
    assert lines[-1] == f"{number} · page 1"  # the footer, drawn last, is read last


@pytest.mark.parametrize("kind", KINDS)
def test_every_document_cites_its_legal_bases(kind: str, sealer: Sealer) -> None:
    text = " ".join(lines_of(issued(sealer, kind)))
    assert [basis for basis in LEGAL_BASES[kind] if basis not in text] == []


@pytest.mark.parametrize("kind", KINDS)
def test_the_english_reading_gives_the_legal_basis_in_english_too(
    kind: str, sealer: Sealer
) -> None:
    text = " ".join(lines_of(issued(sealer, kind, "en")))
    assert "Legal basis: French Labour Code, articles L.5221-2 and R.5221-1 et seq." in text


@pytest.mark.parametrize("kind", KINDS)
def test_the_issuer_is_the_platform_the_dossier_was_routed_to(kind: str, sealer: Sealer) -> None:
    seasonal = platform("pf-avignon")
    lines = lines_of(issued(sealer, kind, platform_id="pf-avignon"))
    assert lines[3:5] == [seasonal.host_prefecture, seasonal.name]
    assert platform().name not in " ".join(lines)


@pytest.mark.parametrize("kind", KINDS)
def test_every_document_declares_french_and_a_title_for_assistive_technology(
    kind: str, sealer: Sealer
) -> None:
    pdf = issued(sealer, kind)
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.root_object["/Lang"] == "fr-FR"
    assert reader.metadata is not None
    assert str(reader.metadata.title).startswith(TITLES[kind])


@pytest.mark.skipif(os.environ.get("PERMIS_SCREENSHOTS") != "1", reason="PERMIS_SCREENSHOTS=1")
@pytest.mark.parametrize("kind", KINDS)
def test_screenshot_of_page_one(kind: str, sealer: Sealer) -> None:
    document = pdfium.PdfDocument(issued(sealer, kind))
    try:
        image = document[0].render(scale=SCREENSHOT_SCALE).to_pil()
    finally:
        document.close()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    image.save(SCREENSHOTS / f"document-{kind}.png", optimize=True)
    assert image.size == (893, 1263)
