"""Real server and real browser: Debian's chromium driven by Playwright (no download)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def organiser_page(browser, live_server):  # type: ignore[no-untyped-def]
    """A 1280x800 page logged in as the organiser; dialogs recorded and accepted."""
    from tests.e2e.screens import log_in_organiser

    page = log_in_organiser(
        browser, live_server, viewport={"width": 1280, "height": 800}, accept_downloads=True
    )
    yield page
    page.context.close()


@pytest.fixture
def laptop(browser, live_server):  # type: ignore[no-untyped-def]
    """The organiser at 1366x768; every dialog is recorded in ``laptop.dialogs``, then
    accepted, or dismissed while ``laptop.answer`` is False."""
    from tests.e2e.screens import LAPTOP, log_in_organiser

    page = log_in_organiser(browser, live_server, **LAPTOP, accept_downloads=True)
    yield page
    page.context.close()
