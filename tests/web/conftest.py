"""Browser tests of the supervisors' page: Debian's Chromium, headless, driven by Playwright,
against a real hotline (`hotline up`: Asterisk, FastAGI, the API serving the page).

One hotline per test module and database (module-scoped, on SQLite and on a fresh PostgreSQL
database, like the root `db_url` fixture) because starting one and placing its calls costs
tens of seconds; each test gets a fresh browser profile.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import BrowserContext, Playwright, sync_playwright

from pg_databases import create_database, drop_database
from web_helpers import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def web_db_url(request, tmp_path_factory) -> Iterator[str]:
    """The root db_url fixture, for a whole module: one hotline serves all its tests."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'hotline.db'}"
        return
    name, url = create_database()
    try:
        yield url
    finally:
        drop_database(name)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    assert CHROMIUM.exists(), f"{CHROMIUM} missing: apt-get install chromium (scripts/install-system.sh)"
    with sync_playwright() as p:
        yield p


@pytest.fixture
def browser(playwright, tmp_path) -> Iterator[BrowserContext]:
    """A fresh Chromium profile for the test: no cookies, no remembered language."""
    context = playwright.chromium.launch_persistent_context(
        tmp_path / "chromium-profile", executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True,
        viewport={"width": 1280, "height": 900},
        timezone_id="UTC")  # not the hotline's Asia/Shanghai, on purpose: times must not shift
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()
