"""The desk's accessibility, proven in Chromium: every state of the page, in both languages,
has no axe-core violation of WCAG 2.1 A and AA, reflows at 200 % zoom, and is used by
keyboard alone with the focus in sight.

``PERMIS_SCREENSHOTS=1`` also writes each state's screenshot to
``docs/screenshots/desk-<state>-<lang>.png`` (left alone otherwise: a test run rewrites no file).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from config.settings import Settings
from tests.e2e.axe import described, violations
from tests.support.desk import Issued
from tests.support.desk import served as served_desk
from workers.desk.app import build_app, create_app
from workers.desk.checks import Desk
from workers.desk.texts import PAGE, Language
from workers.desk.views import LINKS
from workers.seal.keys import load_certificate

pytestmark = pytest.mark.timeout(120)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
LANGUAGES: tuple[Language, ...] = ("fr", "en")
# A window 1280 px wide zoomed to 200 % lays the page out in 640 CSS pixels.
ZOOMED = {"width": 640, "height": 450}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
BROKEN_MULTIPART = b"--nothing-ends-this\r\nContent-Disposition: form-data"


@pytest.fixture(scope="module")
def unchecked_url(documents: dict[str, Issued]) -> Iterator[str]:
    """The desk with no database: a genuine document's replacement goes unchecked."""
    settings = Settings(seal_cert=documents["current"].cert_file)
    with served_desk(create_app(settings)) as base:
        yield base


@pytest.fixture(scope="module")
def busy_url(documents: dict[str, Issued]) -> Iterator[str]:
    """A desk that takes no request at all: every page is its "busy" answer."""
    desk = Desk(load_certificate(documents["current"].cert_file), None)
    with served_desk(build_app(desk, concurrency=0)) as base:
        yield base


@pytest.fixture
def desks(
    desk_url: str, unchecked_url: str, busy_url: str, documents: dict[str, Issued], tmp_path: Path
) -> dict[str, Any]:
    """What bringing the page to a state needs: the desks' addresses, the documents, a folder."""
    return {
        "main": desk_url,
        "unchecked": unchecked_url,
        "busy": busy_url,
        "documents": documents,
        "tmp": tmp_path,
    }


# --- bringing the page to each state ---------------------------------------------------------

Reach = Callable[[Any, dict[str, Any], Language], None]


def home(desks: dict[str, Any], language: Language, desk: str = "main") -> str:
    return desks[desk] + LINKS[language].home


def upload(
    page: Any, desks: dict[str, Any], language: Language, pdf: bytes, desk: str = "main"
) -> None:
    """Choose a file in the PDF form and send it."""
    path = desks["tmp"] / "autorisation.pdf"
    path.write_bytes(pdf)
    page.goto(home(desks, language, desk))
    page.set_input_files("#file", str(path))
    with page.expect_navigation():
        page.locator("form[enctype='multipart/form-data'] button").click()


def paste(page: Any, desks: dict[str, Any], language: Language, text: str) -> None:
    """Fill the code form with ``text`` and send it."""
    page.goto(home(desks, language))
    page.locator("#code").fill(text)
    with page.expect_navigation():
        page.locator("#code").locator("xpath=ancestor::form//button").click()


def sent_broken(page: Any, desks: dict[str, Any], language: Language) -> None:
    """The code form sent as a multipart body that never ends: a form the desk cannot read."""
    page.goto(home(desks, language))
    page.route(
        "**" + LINKS[language].verify,
        lambda route: route.continue_(
            post_data=BROKEN_MULTIPART,
            headers={
                **route.request.headers,
                "content-type": "multipart/form-data; boundary=nothing-ends-this",
            },
        ),
    )
    with page.expect_navigation():
        page.locator("#code").locator("xpath=ancestor::form//button").click()


def document(name: str, attribute: str = "pdf", desk: str = "main") -> Reach:
    return lambda page, desks, language: upload(
        page, desks, language, getattr(desks["documents"][name], attribute), desk
    )


def statement(page_name: str) -> Reach:
    return lambda page, desks, language: page.goto(
        desks["main"] + getattr(LINKS[language], page_name)
    )


STATES: dict[str, tuple[Reach, str | None]] = {
    # state: how to reach it, the field the problem is on (focused) if any
    "form": (lambda page, desks, language: page.goto(home(desks, language)), None),
    "genuine": (document("current"), None),
    "genuine-unchecked": (document("current", desk="unchecked"), None),
    "not-genuine": (document("current", "tampered_pdf"), None),
    "superseded": (document("superseded"), None),
    "error-no-file": (lambda page, desks, language: upload(page, desks, language, b""), "file"),
    "error-not-a-pdf": (lambda page, desks, language: upload(page, desks, language, PNG), "file"),
    "error-file-too-large": (
        lambda page, desks, language: upload(
            page, desks, language, b"%PDF-1.7\n" + b"0" * (11 * 1024 * 1024)
        ),
        "file",
    ),
    "error-no-code": (lambda page, desks, language: paste(page, desks, language, " "), "code"),
    "error-malformed-code": (
        lambda page, desks, language: paste(page, desks, language, "https://example.org/x"),
        "code",
    ),
    "error-code-too-long": (
        lambda page, desks, language: paste(page, desks, language, "x" * 5000),
        "code",
    ),
    "error-unreadable-form": (sent_broken, None),
    "not-found": (
        lambda page, desks, language: page.goto(
            desks["main"] + {"fr": "", "en": "/en"}[language] + "/nowhere"
        ),
        None,
    ),
    "busy": (lambda page, desks, language: page.goto(home(desks, language, "busy")), None),
    "accessibility": (statement("accessibility"), None),
    "legal": (statement("legal"), None),
    "privacy": (statement("privacy"), None),
}
# What each state's first heading says, to be sure the page is the state it is named for.
HEADINGS: dict[str, str] = {
    "form": "title",
    "genuine": "genuine",
    "genuine-unchecked": "genuine",
    "not-genuine": "not_genuine",
    "superseded": "Remplacée|Superseded",
    "not-found": "missing",
    "busy": "busy",
    "accessibility": "accessibility_title",
    "legal": "legal_title",
    "privacy": "privacy_title",
}


def reach(page: Any, desks: dict[str, Any], state: str, language: Language) -> None:
    """Bring ``page`` to ``state`` in ``language``, and check it is that state."""
    STATES[state][0](page, desks, language)
    assert page.locator("html").get_attribute("lang") == language
    heading = " ".join(page.locator("h1").inner_text().split())
    expected = HEADINGS.get(state, "title")
    words = expected.split("|") if "|" in expected else [PAGE[expected](language)]
    assert any(word in heading for word in words), (state, heading)
    if state.startswith("error"):
        assert page.locator(".error-summary").count() == 1
    if state == "genuine-unchecked":
        assert PAGE["replacement_unknown"](language) in page.locator(".note").inner_text()


def screenshot(page: Any, state: str, language: Language) -> None:
    if os.environ.get("PERMIS_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"desk-{state}-{language}.png"), full_page=True)


# --- the checks ------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("state", list(STATES))
def test_every_state_has_no_axe_violation_and_reflows_at_200_percent_zoom(
    page: Any, desks: dict[str, Any], state: str, language: Language
) -> None:
    reach(page, desks, state, language)
    field = STATES[state][1]
    if field is not None:  # the problem's field is focused, marked and described
        assert page.evaluate("document.activeElement.id") == field
        assert page.locator(f"#{field}").get_attribute("aria-invalid") == "true"
    found = violations(page)
    assert found == [], described(found)
    screenshot(page, state, language)
    page.set_viewport_size(ZOOMED)  # the same state, laid out as a 200 % zoom lays it out
    assert page.evaluate("document.documentElement.scrollWidth") <= ZOOMED["width"]
    assert not outside_the_window(page), outside_the_window(page)
    found = violations(page)
    assert found == [], described(found)


def outside_the_window(page: Any) -> list[str]:
    """The visible headings, texts, controls and links that stick out of the window's width."""
    return list(
        page.evaluate(
            """width => [...document.querySelectorAll(
                   'h1, h2, p, label, input, textarea, button, a, th, td')]
               .filter(e => e.getClientRects().length && !e.closest('.fr-skiplinks'))
               .filter(e => { const r = e.getBoundingClientRect();
                              return r.left < -1 || r.right > width + 1; })
               .map(e => e.tagName + ' ' + e.textContent.trim().slice(0, 40))""",
            ZOOMED["width"],
        )
    )


# The focused element and its focus outline: its own, or, for a DSFR link enlarged to its
# block (the header's brand), the one DSFR draws on the link's ::before, around the block.
FOCUSED = """() => {
    const e = document.activeElement, own = getComputedStyle(e);
    const s = parseFloat(own.outlineWidth) > 0 ? own : getComputedStyle(e, '::before');
    return {id: e.id, text: e.textContent.trim(), tag: e.tagName,
            outline: s.outlineStyle, width: s.outlineWidth, colour: s.outlineColor}; }"""


def tab_through(page: Any, times: int) -> list[dict[str, str]]:
    """Press Tab ``times``; each element focused in turn, with its focus outline's style.
    (Never past the last control: the focus would leave the page for the browser's own.)
    """
    focused = []
    for _ in range(times):
        page.keyboard.press("Tab")
        focused.append(page.evaluate(FOCUSED))
    return focused


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_form_is_reached_in_order_by_keyboard_with_the_focus_in_sight(
    page: Any, desks: dict[str, Any], language: Language
) -> None:
    texts = {key: text(language) for key, text in PAGE.items()}
    page.goto(home(desks, language))
    order = [
        texts["skip"],
        texts["skip_footer"],
        texts["site"],
        texts["other_language"],
        "file",
        texts["pdf_submit"],
        "code",
        texts["code_submit"],
        texts["accessibility_link"],
        texts["legal_link"],
        texts["privacy_link"],
    ]
    controls = "a[href], button, input, textarea, select, [tabindex]:not([tabindex='-1'])"
    assert page.locator(controls).count() == len(order)  # nothing else takes the focus
    focused = tab_through(page, len(order))
    assert [element["id"] or element["text"] for element in focused] == order
    for element in focused:
        assert element["outline"] != "none", element  # :focus-visible shows
        assert float(element["width"].removesuffix("px")) >= 2, element
        assert contrast(element["colour"], "rgb(255, 255, 255)") >= 3, element


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_file_input_is_labelled_and_chosen_and_sent_by_keyboard(
    page: Any, desks: dict[str, Any], language: Language, documents: dict[str, Issued]
) -> None:
    texts = {key: text(language) for key, text in PAGE.items()}
    # Playwright turns the browser's file chooser interception on when a listener is added,
    # without waiting: added now, it is on long before Space is pressed.
    page.on("filechooser", lambda chooser: None)
    page.goto(home(desks, language))
    assert page.get_by_label(texts["pdf_label"]).get_attribute("id") == "file"
    assert page.get_by_role("button", name=texts["pdf_submit"]).count() == 1
    for _ in range(12):  # the skip links, the header's two links, then the file input
        if page.evaluate("document.activeElement.id") == "file":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "file"
    path = desks["tmp"] / "autorisation.pdf"
    path.write_bytes(documents["current"].pdf)
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(str(path))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == texts["pdf_submit"]
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert texts["genuine"] in page.locator("h1").inner_text()


def test_the_skip_link_shows_when_focused_and_leads_to_the_content(
    page: Any, desks: dict[str, Any]
) -> None:
    page.goto(home(desks, "fr"))
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name=PAGE["skip"].fr)
    assert skip.is_visible() and skip.bounding_box()["y"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def contrast(one: str, other: str) -> float:
    """The WCAG contrast ratio of two ``rgb(r, g, b)`` colours."""
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def luminance(colour: str) -> float:
    channels = [int(c) / 255 for c in colour[colour.index("(") + 1 : -1].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
