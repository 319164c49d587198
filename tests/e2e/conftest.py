"""The verification desk in a real browser: Debian's Chromium, driven by Playwright.

Playwright never downloads a browser here: it drives ``/usr/bin/chromium`` (the Debian
packages ``chromium`` and ``chromium-driver``, which ``.ci/run`` installs). Without it
these tests skip, saying so.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from config.settings import Settings
from tests.support.desk import NUMBER, REPLACEMENT, Issued, database_with_replacement, issue
from tests.support.desk import served as served_desk
from workers.desk.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser(desk_url: str) -> Iterator[Any]:
    """Chromium, launched once the documents are sealed and closed with the module: pyhanko
    seals in an event loop of its own, which Playwright's loop in this thread forbids while
    it runs (here, and in any test after these).
    """
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium: install Debian's chromium and chromium-driver")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Issued]:
    """The same authorization twice under one seal: superseded (A1), then current (A2)."""
    directory = tmp_path_factory.mktemp("desk")
    return {"superseded": issue(directory, NUMBER), "current": issue(directory, REPLACEMENT)}


@pytest.fixture(scope="module")
def desk_url(
    documents: dict[str, Issued], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The desk, trusting the seal, with a database that knows A2 replaced A1."""
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'permis.db'}"
    database_with_replacement(url, NUMBER, REPLACEMENT)
    settings = Settings(seal_cert=documents["current"].cert_file, database_url=url)
    with served_desk(create_app(settings)) as base:
        yield base


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    try:
        yield tab
    finally:
        context.close()
