"""The desk's pages: what they say for each verdict, in both languages, escaped, accessible,
drawn with the vendored DSFR and its colours alone."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from messages.seal import SealPayload
from workers.desk.checks import EMPTY_FILE, Checked
from workers.desk.pages import (
    DESK_TEMPLATES_DIR,
    DSFR_ADDRESS,
    DSFR_DIR,
    DSFR_STYLESHEETS,
    render_text,
)
from workers.desk.texts import FIELDS, PAGE, Language
from workers.desk.views import (
    LINKS,
    STATEMENT_PAGES,
    StatementPage,
    form_context,
    page_context,
    result_context,
)
from workers.seal.reasons import Reason
from workers.seal.verify import Status, Verdict

PAYLOAD = SealPayload(
    v=1,
    doc="AT26-0000042-2-A1",
    dossier="AT26-0000042-2",
    issued=date(2027, 1, 15),
    valid_from=date(2027, 2, 1),
    valid_until=date(2028, 1, 31),
    platform="pf-nanterre",
    employer_name="Quantiq <b>Analytics</b> & Cie",
    siret=None,
    last_name="O'NEIL<script>",
    first_names="Siobhán",
    birth_date=date(1993, 7, 14),
    nationality="IE",
    passport="Z7654321",
    foreign_number=None,
    contract="seasonal",
    start_date=date(2027, 2, 1),
)
NAMES = {"pf-nanterre": "Plateforme de Nanterre"}


def checked(status: Status, **fields: Any) -> Checked:
    payload = None if status is Status.NOT_GENUINE else PAYLOAD
    replacement = fields.pop("replacement_checked", True)
    return Checked(Verdict(status, payload=payload, **fields), replacement)


def test_a_genuine_verdict_shows_every_signed_field_in_the_page_language() -> None:
    context = result_context("fr", checked(Status.GENUINE), NAMES)
    assert str(context["heading"]) == "Authentique" and context["status"] == "genuine"
    rows = dict(context["rows"])
    assert list(rows) == [label.fr for _, label in FIELDS]
    # Every signed field but the payload's version is shown: a new one cannot go unseen.
    assert sorted(name for name, _ in FIELDS) == sorted(set(SealPayload.model_fields) - {"v"})
    assert rows["Date de naissance"] == "14 juillet 1993"
    assert rows["Valable du"] == "1er février 2027"
    assert rows["SIRET"] == "non renseigné" and rows["Plateforme"] == "Plateforme de Nanterre"
    assert rows["Contrat"] == "contrat de travail saisonnier"
    english = dict(result_context("en", checked(Status.GENUINE), NAMES)["rows"])
    assert english["Date of birth"] == "14 July 1993" and english["SIRET"] == "not given"
    assert english["Contract"] == "seasonal employment contract"
    assert not context["replacement_unknown"]


def test_a_refusal_says_why_in_plain_words_and_shows_no_data() -> None:
    verdict = checked(Status.NOT_GENUINE, reason=Reason.UNKNOWN_SIGNER, replacement_checked=None)
    for language in ("fr", "en"):
        context = result_context(language, verdict, NAMES)
        assert str(context["heading"]) == PAGE["not_genuine"](language)
        assert str(context["lines"][0]) == Reason.UNKNOWN_SIGNER.explain(language)
        assert context["rows"] == [] and not context["replacement_unknown"]


def test_a_superseded_verdict_names_the_replacement_kept_whole() -> None:
    verdict = checked(Status.SUPERSEDED, superseded_by="AT26-0000042-2-A2")
    context = result_context("fr", verdict, NAMES)
    assert str(context["heading"]) == "Remplacée par le n°\u00a0AT26-0000042-2-A2"
    page = render_text("result.html", context)
    assert '<span class="number">AT26-0000042-2-A2</span>' in page


def test_an_unchecked_replacement_is_said() -> None:
    context = result_context("en", checked(Status.GENUINE, replacement_checked=False), NAMES)
    assert context["replacement_unknown"]
    assert PAGE["replacement_unknown"].en in render_text("result.html", context)


def test_what_the_document_says_is_escaped() -> None:
    page = render_text("result.html", result_context("fr", checked(Status.GENUINE), NAMES))
    assert "O&#39;NEIL&lt;script&gt;" in page and "<script" not in page
    assert "Quantiq &lt;b&gt;Analytics&lt;/b&gt; &amp; Cie" in page


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_page_is_in_its_language_with_one_first_heading_and_labelled_fields(
    language: Language,
) -> None:
    pages = [
        render_text("form.html", form_context(language)),
        render_text("form.html", form_context(language, EMPTY_FILE)),
        render_text("result.html", result_context(language, checked(Status.GENUINE), NAMES)),
        render_text("notice.html", {**page_context(language), "heading": "missing"}),
        render_text("notice.html", {**page_context(language), "heading": "busy"}),
        *(render_text(f"{name}.html", page_context(language, name)) for name in STATEMENT_PAGES),
    ]
    other = "en" if language == "fr" else "fr"
    for page in pages:
        assert f'<html lang="{language}">' in page
        assert f'lang="{other}" hreflang="{other}"' in page
        assert page.count("<h1") == 1
        for field in re.findall(r'<(?:input|textarea)[^>]* id="([a-z]+)"', page):
            assert re.search(f'<label [^>]*for="{field}">', page), field
        for name in STATEMENT_PAGES:  # the footer's mandatory links, on every page
            assert f'href="{getattr(LINKS[language], name)}"' in page
    assert "autofocus" in pages[1] and "autofocus" not in pages[0]


@pytest.mark.parametrize("name", STATEMENT_PAGES)
def test_a_statement_links_to_itself_in_the_other_language(name: StatementPage) -> None:
    for language, other in (("fr", "en"), ("en", "fr")):
        page = render_text(f"{name}.html", page_context(language, name))
        assert f'href="{getattr(LINKS[other], name)}" lang="{other}"' in page
    assert PAGE["accessibility_link"].fr == "Accessibilité\u00a0: non conforme"


def test_the_templates_hold_no_script_no_inline_style_and_nothing_from_elsewhere() -> None:
    for template in DESK_TEMPLATES_DIR.iterdir():
        text = template.read_text(encoding="utf-8")
        assert "<script" not in text and "style=" not in text and "<style" not in text
        assert "http://" not in text and "https://" not in text and "url(" not in text


def test_the_desk_stylesheet_draws_with_dsfr_colours_only() -> None:
    # Every colour is a DSFR token, whose contrasts axe-core checks in the browser
    # (tests/e2e/test_desk_accessibility.py): our own layer adds layout, not colour.
    css = (Path(DESK_TEMPLATES_DIR) / "desk.css").read_text(encoding="utf-8")
    assert not re.search(r"#[0-9a-fA-F]{3,8}\b|rgba?\(|hsla?\(", css)
    assert "var(--" in css


def test_every_dsfr_file_the_pages_use_is_vendored() -> None:
    for address in DSFR_STYLESHEETS:
        stylesheet = DSFR_DIR / address.removeprefix(DSFR_ADDRESS + "/")
        css = stylesheet.read_text(encoding="utf-8")
        assert css.startswith("/*!\n * DSFR v1.15.3 |"), address
        for used in re.findall(r"url\(([^)\"']+)\)", css):
            # The woff fallbacks of the woff2 fonts are left out: every browser takes woff2.
            wanted = (stylesheet.parent / used).resolve()
            assert wanted.exists() or used.endswith(".woff"), (address, used)
    for favicon in ("favicon.svg", "favicon.ico", "apple-touch-icon.png"):
        assert (DSFR_DIR / "favicon" / favicon).exists()
    assert "1.15.3" in (DSFR_DIR / "README.md").read_text(encoding="utf-8")
