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
    """A laptop-sized page logged in as the organiser."""
    from tests.live_server import ORGANISER

    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # confirmations: the organiser says yes
    page.goto(live_server.base_url + "/login")
    page.fill("input[name=username]", ORGANISER[0])
    page.fill("input[name=password]", ORGANISER[1])
    page.click("button[type=submit]")
    page.wait_for_url("**/meetings")
    yield page
    context.close()
