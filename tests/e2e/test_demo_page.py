"""The demo's ``index.html`` in Chromium: it opens, every link resolves (in a copy of the run
folder moved elsewhere), the granted dossier shows both authorization emails, and what an
email holds cannot run in the page."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.support.processes import clean_env, permis
from workers.demo.page import INDEX_FILE, render_index
from workers.demo.story import Account, Email, MailFile, Story

AXE = Path(__file__).parent / "axe" / "__init__.py"
HOSTILE = (
    '<html lang="fr"><body><p id="said">Bonjour</p>'
    "<script>parent.document.title = 'pwned'; window.pwned = 1</script>"
    '<img src="x" onerror="window.pwned = 2"></body></html>'
)


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo run, as a user starts it, then its folder moved to a place of its own."""
    cwd = tmp_path_factory.mktemp("demo")
    done = subprocess.run(
        permis("demo"), cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=110
    )
    assert done.returncode == 0, done.stderr
    (folder,) = (cwd / "permis-demo").glob("run-*")
    moved = tmp_path_factory.mktemp("moved") / "demo-run"
    shutil.move(folder, moved)
    return moved


@pytest.fixture(scope="module")
def browser(run_folder: Path) -> Iterator[Any]:
    """Chromium, launched once the demo has run (in a process of its own)."""
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
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    try:
        yield tab
    finally:
        context.close()


@pytest.fixture
def index(page: Any, run_folder: Path) -> Any:
    """The moved run's page, opened from its file."""
    page.goto((run_folder / INDEX_FILE).as_uri())
    return page


def linked(page: Any) -> list[str]:
    """Every URL of the page's own markup (links, sources), as the browser resolved them."""
    found: list[str] = page.evaluate(
        "() => [...document.querySelectorAll('[href], [src]')].map(e => e.href || e.src)"
    )
    return found


def section_with(page: Any, text: str) -> Any:
    """The one dossier's section that links a document whose name holds ``text``."""
    sections = page.locator("section.dossier").filter(has=page.locator(f"a[href*='{text}']"))
    assert sections.count() == 1
    return sections


def test_the_page_opens_with_every_dossier(index: Any) -> None:
    assert index.title().startswith("Permis demo, run-")
    assert index.locator("h1").count() == 1
    assert index.locator("section.dossier").count() == 8
    assert index.locator("section.dossier ol.timeline li").count() > 8


def test_every_link_and_source_resolves_to_a_file_of_the_moved_folder(
    index: Any, run_folder: Path
) -> None:
    urls = linked(index)
    assert len(urls) > 20
    for url in urls:
        parts = urlsplit(url)
        assert parts.scheme == "file", url
        target = Path(unquote(parts.path))
        assert target.is_relative_to(run_folder) and target.is_file(), url
        if parts.fragment:
            assert index.locator(f"[id='{parts.fragment}']").count() == 1, url


def test_every_email_written_is_linked_once(index: Any, run_folder: Path) -> None:
    emls = index.locator("a[href$='.eml']")
    written = sorted(p.name for p in (run_folder / "mail").glob("*.eml"))
    assert len(written) == 21
    hrefs = [unquote(emls.nth(i).get_attribute("href")) for i in range(emls.count())]
    assert sorted(h.removeprefix("mail/") for h in hrefs) == written


def test_every_document_issued_is_linked(index: Any, run_folder: Path) -> None:
    issued = {f"documents/{p.name}" for p in (run_folder / "documents").glob("*.pdf")}
    pdfs = index.locator("a[href$='.pdf']")
    assert {pdfs.nth(i).get_attribute("href") for i in range(pdfs.count())} == issued


def test_the_granted_dossier_shows_both_authorization_emails(index: Any) -> None:
    granted = section_with(index, "-A1.pdf")
    for role in ("employer", "beneficiary"):
        email = granted.locator("article.email").filter(
            has=index.get_by_role("heading", name=f"authorization_granted to the {role}")
        )
        assert email.count() == 1
        assert email.locator("a[href$='.eml']").count() == 1
        assert email.locator("a[href$='-A1.pdf']").count() == 1
        shown = email.locator("iframe").content_frame.locator("body")
        assert "-A1" in shown.inner_text()


def test_the_refused_and_requested_dossiers_show_their_emails(index: Any) -> None:
    refused = section_with(index, "-R1.pdf")
    assert refused.locator("article.email h4", has_text="authorization_refused").count() == 2
    requested = section_with(index, "-D1.pdf")
    assert requested.locator("article.email h4", has_text="documents_requested").count() == 1


def test_an_email_cannot_run_a_script_in_the_page(page: Any, tmp_path: Path) -> None:
    file = MailFile("<h@x>", tmp_path / "h.eml", "Objet", "fr", (), HOSTILE)
    story = Story(
        "AT26-0000001-8", "granted", None, (), (), (Email("r", "k", "employer", "sent", file),)
    )
    (tmp_path / "h.eml").write_text("x")
    (tmp_path / INDEX_FILE).write_text(
        render_index(tmp_path, Account((story,), ()), tmp_path, "Permis demo")
    )
    page.goto((tmp_path / INDEX_FILE).as_uri())
    frame = page.locator("iframe").content_frame
    assert frame.locator("#said").inner_text() == "Bonjour"
    assert page.title() == "Permis demo"
    assert page.evaluate("() => window.pwned") is None
    assert page.frames[1].evaluate("() => window.pwned") is None


@pytest.mark.skipif(not AXE.is_file(), reason="no axe-core module in tests/e2e/axe")
def test_the_page_has_no_accessibility_violation(index: Any) -> None:
    from tests.e2e.axe import described, violations

    found = violations(index)
    assert not found, described(found)
