"""Every email kind, in every language it is written in, as a reader's browser shows it.

Each message is composed by the real code (``render`` then ``write_message``), read back
with the email package, and its HTML part loaded in Chromium: axe-core finds no violation
of WCAG 2.1 A and AA, the page keeps its language and the State's identity, and it reflows
to 320 CSS pixels without horizontal scrolling. The plain-text part is checked as text.

With ``PERMIS_SCREENSHOTS=1`` the tests also write ``docs/screenshots/email-<kind>-<lang>.png``
(French for every kind, English for the authorization).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from config.reference import load_reference
from tests.e2e.axe import described, violations
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.support.mail import SAMPLE_CONTEXT, mail_arguments
from workers.mail import letters
from workers.mail.compose import MAIL_TEMPLATES_DIR, MailKind, reference_of, render, write_message

pytestmark = pytest.mark.timeout(120)

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
SHOWN_IN_ENGLISH = {MailKind.AUTHORIZATION_GRANTED}
NARROWEST_PX = 320  # WCAG 2.1 SC 1.4.10: content reflows at 320 CSS pixels
PLATFORM = "pf-nanterre"


def languages_of(kind: MailKind) -> list[str]:
    """The languages a kind is written in: those of its HTML bodies on disk."""
    bodies = (MAIL_TEMPLATES_DIR / kind.value).glob("body.*.html")
    return sorted(path.name.split(".")[1] for path in bodies)


CASES = [(kind, language) for kind in MailKind for language in languages_of(kind)]
IDS = [f"{kind.value}-{language}" for kind, language in CASES]


def context_of(kind: MailKind) -> dict[str, Any]:
    """The sample context, signed by the dossier's platform; a rejected submission has none."""
    letter = letters.Letter(kind.value, "fr", None, dict(SAMPLE_CONTEXT))
    if kind is MailKind.SUBMISSION_REJECTED:
        return letter.context
    platform = letters.issuing_platform(load_reference(), PLATFORM)
    return letters.issued_by(letter, platform).context


def composed(kind: MailKind, language: str) -> EmailMessage:
    """The message as a mail client receives it."""
    rendered = render(kind, language, context_of(kind))  # type: ignore[arg-type]
    return write_message(rendered, **mail_arguments(kind)).parsed()


def part(message: EmailMessage, subtype: str) -> str:
    body = message.get_body((subtype,))
    assert body is not None, f"no text/{subtype} part"
    return str(body.get_content()).replace("\r\n", "\n")


@pytest.fixture(scope="module")
def mail_browser() -> Iterator[Any]:
    """Chromium for this module alone: emails need no desk, no seal and no database."""
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium: install Debian's chromium and chromium-driver")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def tab(mail_browser: Any) -> Iterator[Any]:
    context = mail_browser.new_context(viewport={"width": 720, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        yield page
    finally:
        context.close()


def shown(tab: Any, message: EmailMessage) -> Any:
    """The tab with the message's HTML part loaded, as a webmail shows it, offline."""
    tab.route("**/*", lambda route: route.abort())  # an email must not need the network
    tab.set_content(part(message, "html"), wait_until="load")
    return tab


@pytest.mark.parametrize(("kind", "language"), CASES, ids=IDS)
def test_every_email_has_no_axe_violation_at_wcag21_aa(
    kind: MailKind, language: str, tab: Any
) -> None:
    page = shown(tab, composed(kind, language))
    found = violations(page)
    assert found == [], described(found)
    if os.environ.get("PERMIS_SCREENSHOTS") == "1" and (
        language == "fr" or kind in SHOWN_IN_ENGLISH
    ):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=str(SCREENSHOTS / f"email-{kind.value}-{language}.png"), full_page=True
        )


@pytest.mark.parametrize(("kind", "language"), CASES, ids=IDS)
def test_every_email_keeps_its_language_and_the_states_identity(
    kind: MailKind, language: str, tab: Any
) -> None:
    page = shown(tab, composed(kind, language))
    assert page.evaluate("document.documentElement.lang") == language
    assert page.locator("[role=article]").get_attribute("lang") == language
    text = " ".join(page.inner_text("body").split())
    assert "RÉPUBLIQUE FRANÇAISE" in text and "Liberté Égalité Fraternité" in text
    assert reference_of(kind, SAMPLE_CONTEXT) in text
    if kind is not MailKind.SUBMISSION_REJECTED:
        assert load_reference().platform(PLATFORM).name in text
    assert page.locator("h1").count() == 1


@pytest.mark.parametrize(("kind", "language"), CASES, ids=IDS)
def test_every_email_reflows_to_320_pixels_without_scrolling_sideways(
    kind: MailKind, language: str, tab: Any
) -> None:
    tab.set_viewport_size({"width": NARROWEST_PX, "height": 800})
    page = shown(tab, composed(kind, language))
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROWEST_PX


@pytest.mark.parametrize(("kind", "language"), CASES, ids=IDS)
def test_every_email_has_a_real_plain_text_part(kind: MailKind, language: str) -> None:
    message = composed(kind, language)
    text = part(message, "plain")
    assert text.strip()
    assert reference_of(kind, SAMPLE_CONTEXT) in text
    assert text.startswith("RÉPUBLIQUE FRANÇAISE\nLiberté, Égalité, Fraternité\n")
    assert not re.search(r"<[a-zA-Z/!][^>]*>", text), "markup in the text part"
    assert "&nbsp;" not in text and "&#" not in text
    assert "0806 001 620" in text


@pytest.mark.parametrize(("kind", "language"), CASES, ids=IDS)
def test_every_link_says_where_it_goes_in_words(kind: MailKind, language: str, tab: Any) -> None:
    page = shown(tab, composed(kind, language))
    links = page.locator("a").evaluate_all(
        "links => links.map(a => [a.getAttribute('href'), a.innerText.trim()])"
    )
    for href, label in links:
        assert re.search(r"[A-Za-z0-9]{3}", label), f"{href} has no words: {label!r}"
        assert label.lower() not in {"ici", "here", "cliquez ici", "click here", "lien", "link"}


def test_axe_reports_what_an_email_gets_wrong(tab: Any) -> None:
    # The check itself, on a broken copy: an image without text and grey on white.
    html = part(composed(MailKind.DEPOSIT_CONFIRMATION, "fr"), "html").replace(
        "<h1 ", '<img src="cid:logo"><p style="color:#aaaaaa;">pâle</p><h1 ', 1
    )
    tab.set_content(html)
    assert {v["id"] for v in violations(tab)} >= {"image-alt", "color-contrast"}
