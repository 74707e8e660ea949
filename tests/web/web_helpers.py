"""What the browser tests share: the Chromium they drive, logging in, a hotline per module."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from playwright.sync_api import BrowserContext, Page

from e2e.hotline_instance import Hotline, start_hotline, stop_hotline

CHROMIUM = Path("/usr/bin/chromium")  # Debian's (scripts/install-system.sh); never a downloaded one
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
DEMO_PASSWORD = "hotline-demo"  # the demo users of `hotline up` (telephony/demo.py)
TIMEOUT_MS = 20_000  # a busy 2-core machine: the page waits on a real API


def module_hotline(tmp_path_factory, db_url: str, **settings: str) -> Iterator[Hotline]:
    """A hotline for a whole test module (a generator for a module-scoped fixture)."""
    instance = start_hotline(tmp_path_factory.mktemp("hotline"), db_url, **settings)
    try:
        yield instance
    finally:
        stop_hotline(instance)


def open_page(context: BrowserContext) -> tuple[Page, list[str]]:
    """A new tab, and the list its uncaught script errors go to (tests end asserting it empty)."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page, errors


def log_in(page: Page, hotline: Hotline, username: str, password: str = DEMO_PASSWORD, then: str = "") -> None:
    """Open the page (at `then`, e.g. "#/calls/3"), which asks for a login first, and log in."""
    page.goto(f"{hotline.base_url}/{then}")
    page.wait_for_selector("#login-form")
    page.fill("#login-username", username)
    page.fill("#login-password", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#logout:not([hidden])")
