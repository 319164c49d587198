"""The verification desk as an agent at the counter uses it: in Chromium, by keyboard, with
no JavaScript of ours. Its accessibility, state by state, and its screenshots are
``test_desk_accessibility.py``'s.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.desk import NUMBER, REPLACEMENT, Issued
from workers.seal.reasons import Reason

pytestmark = pytest.mark.timeout(120)


def upload(page: Any, base: str, pdf: bytes, tmp_path: Path, home: str = "/") -> Any:
    """Choose the PDF in the file input, then submit by keyboard: focus the button, Enter."""
    path = tmp_path / "autorisation.pdf"
    path.write_bytes(pdf)
    page.goto(base + home)
    page.set_input_files("#file", str(path))
    button = page.locator("form[enctype='multipart/form-data'] button")
    button.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    return page


def verdict(page: Any) -> str:
    """The first heading's words, no-break spaces read as spaces."""
    return " ".join(page.locator("h1").inner_text().split())


def data(page: Any) -> dict[str, str]:
    rows = page.locator("table.data tr")
    return {
        rows.nth(i).locator("th").inner_text(): rows.nth(i).locator("td").inner_text()
        for i in range(rows.count())
    }


def test_a_genuine_authorization_shows_genuine_and_whose_it_is(
    page: Any, desk_url: str, documents: dict[str, Issued], tmp_path: Path
) -> None:
    current = documents["current"]
    upload(page, desk_url, current.pdf, tmp_path)
    assert "Authentique" in verdict(page)
    assert "NON" not in verdict(page)
    shown = data(page)
    payload = current.payload
    assert shown["N° du document"] == REPLACEMENT
    assert shown["Nom"] == payload.last_name and shown["Prénoms"] == payload.first_names
    assert shown["Date de naissance"] == "14 juillet 1993"
    assert shown["N° de passeport"] == payload.passport
    assert shown["Employeur"] == payload.employer_name
    assert shown["Contrat"] == "contrat à durée indéterminée (CDI)"
    assert shown["Valable jusqu'au"] == "31 janvier 2028"
    assert page.locator("table.data th[scope=row]").count() == len(shown)


@pytest.mark.parametrize(
    ("forgery", "reason"),
    [("tampered_pdf", Reason.SIGNATURE_BROKEN), ("foreign_pdf", Reason.UNKNOWN_SIGNER)],
    ids=["tampered", "other-key"],
)
def test_an_altered_or_foreign_authorization_is_not_genuine_with_the_reason(
    page: Any,
    desk_url: str,
    documents: dict[str, Issued],
    tmp_path: Path,
    forgery: str,
    reason: Reason,
) -> None:
    upload(page, desk_url, getattr(documents["current"], forgery), tmp_path)
    assert "NON authentique" in verdict(page)
    box = page.locator(".verdict").inner_text()
    assert reason.explain("fr") in box
    assert page.locator("table.data").count() == 0  # nothing of a forgery is vouched for


def test_a_superseded_authorization_names_its_replacement(
    page: Any, desk_url: str, documents: dict[str, Issued], tmp_path: Path
) -> None:
    upload(page, desk_url, documents["superseded"].pdf, tmp_path)
    assert f"Remplacée par le n° {REPLACEMENT}" in verdict(page)
    assert data(page)["N° du document"] == NUMBER


def test_a_pasted_code_works_the_same(
    page: Any, desk_url: str, documents: dict[str, Issued]
) -> None:
    current = documents["current"]
    page.goto(desk_url + "/")
    page.locator("#code").focus()
    page.keyboard.insert_text(current.code)
    page.keyboard.press("Tab")  # to the code form's button
    assert page.evaluate("document.activeElement.textContent") == "Vérifier le code"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Authentique" in verdict(page)
    assert data(page)["Nom"] == current.payload.last_name


def test_the_english_page_works_too(
    page: Any, desk_url: str, documents: dict[str, Issued], tmp_path: Path
) -> None:
    page.goto(desk_url + "/")
    with page.expect_navigation():
        page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Français").get_attribute("lang") == "fr"
    upload(page, desk_url, documents["current"].pdf, tmp_path, home="/en")
    assert verdict(page).endswith("Genuine")
    shown = data(page)
    assert shown["Date of birth"] == "14 July 1993" and shown["Surname"] == "REDDY"
    upload(page, desk_url, documents["current"].tampered_pdf, tmp_path, home="/en")
    assert "NOT genuine" in verdict(page)
    assert Reason.SIGNATURE_BROKEN.explain("en") in page.locator(".verdict").inner_text()


def test_the_page_runs_no_script_and_is_served_under_a_strict_policy(
    page: Any, desk_url: str
) -> None:
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    response = page.goto(desk_url + "/")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert page.locator("script").count() == 0
    assert page.locator("[style]").count() == 0
    # DSFR loaded under the policy, from the desk itself: its stylesheets, the Marianne font,
    # the bloc-marque's images (a refused one would be a console error).
    assert page.locator(".fr-header .fr-logo").count() == 1
    colour = page.evaluate(
        "getComputedStyle(document.querySelector('button.fr-btn')).backgroundColor"
    )
    assert colour == "rgb(0, 0, 145)"  # DSFR's blue France
    assert page.evaluate("document.fonts.ready.then(() => document.fonts.check('1em Marianne'))")
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("Marianne")
    sheets = page.evaluate("[...document.styleSheets].map(sheet => sheet.href)")
    assert all(sheet.startswith(desk_url + "/") for sheet in sheets)
    assert problems == []


def test_the_form_is_used_by_keyboard_alone_in_a_logical_order(page: Any, desk_url: str) -> None:
    page.goto(desk_url + "/")
    order = []
    for _ in range(8):
        page.keyboard.press("Tab")
        order.append(
            page.evaluate(
                "(() => { const e = document.activeElement;"
                " return e.id || e.textContent.trim(); })()"
            )
        )
    assert order == [
        "Aller au contenu",
        "Aller au pied de page",
        "Vérification des autorisations de travail",
        "English",
        "file",
        "Vérifier le PDF",
        "code",
        "Vérifier le code",
    ]
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # the focus shows


def test_an_empty_form_says_what_to_do_on_its_field(page: Any, desk_url: str) -> None:
    page.goto(desk_url + "/")
    page.locator("form[enctype='multipart/form-data'] button").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    field = page.locator("#file")
    assert field.get_attribute("aria-invalid") == "true"
    assert "file-error" in (field.get_attribute("aria-describedby") or "")
    assert page.evaluate("document.activeElement.id") == "file"
    assert "Choisissez le fichier PDF" in page.locator("#file-error").inner_text()
    assert page.title().startswith("Erreur")


def test_a_file_over_the_limit_is_answered_on_the_form(
    page: Any, desk_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "big.pdf"
    path.write_bytes(b"%PDF-1.7\n" + b"0" * (11 * 1024 * 1024))
    page.goto(desk_url + "/")
    page.set_input_files("#file", str(path))
    with page.expect_navigation():
        page.locator("form[enctype='multipart/form-data'] button").click()
    assert "dépasse 10 Mo" in page.locator("#file-error").inner_text()


def test_a_verdict_reflows_on_a_narrow_screen_without_sideways_scrolling(
    page: Any, desk_url: str, documents: dict[str, Issued], tmp_path: Path
) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    upload(page, desk_url, documents["superseded"].pdf, tmp_path)
    assert "Remplacée" in verdict(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
