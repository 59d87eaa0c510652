"""What the browser tests share: the screens of the day, what "in view" means, waiting for
text, screenshots on request, the logged-in organiser, and work in the live server's data."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from tests.helpers import wait_until

T = TypeVar("T")

# Playwright context kwargs: browser.new_context(**PHONE)
LAPTOP: dict[str, Any] = {"viewport": {"width": 1366, "height": 768}}
WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 10; V1938T) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/89.0.4389.72 MQQBrowser/6.2 TBS/046011 Mobile Safari/537.36 "
    "MicroMessenger/8.0.30.2260(0x28001E3B) WeChat/arm64 Weixin NetType/WIFI "
    "Language/zh_CN ABI/arm64"
)
PHONE: dict[str, Any] = {
    "viewport": {"width": 360, "height": 640},
    "is_mobile": True,
    "has_touch": True,
    "user_agent": WECHAT_UA,
}
PROJECTOR: dict[str, Any] = {"viewport": {"width": 1920, "height": 1080}}

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def why_not_in_view(page, selector: str) -> str | None:  # type: ignore[no-untyped-def]
    """Why the element is not drawn wholly inside the window without scrolling, or None."""
    locator = page.locator(selector)
    if not locator.is_visible():
        return f"{selector} is not drawn"
    box = locator.bounding_box()
    if box is None:
        return f"{selector} is not drawn"
    size = page.viewport_size
    if (
        box["x"] < 0
        or box["y"] < 0
        or box["x"] + box["width"] > size["width"]
        or box["y"] + box["height"] > size["height"]
    ):
        return f"{selector} at {box} is not wholly inside the {size} viewport"
    return None


def fits(page, selector: str) -> bool:  # type: ignore[no-untyped-def]
    """The element is drawn and wholly inside the window (for ``assert not fits(...)``)."""
    return why_not_in_view(page, selector) is None


def in_viewport(page, selector: str) -> None:  # type: ignore[no-untyped-def]
    """Assert the element is drawn and wholly inside the window, without scrolling."""
    reason = why_not_in_view(page, selector)
    assert reason is None, reason


def no_horizontal_scroll(page) -> None:  # type: ignore[no-untyped-def]
    """Assert the page does not scroll sideways."""
    wide, window = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert wide <= window, f"the page scrolls sideways: scrollWidth {wide} > innerWidth {window}"


def wait_text(page, selector: str, fragment: str, timeout: float = 30000) -> None:  # type: ignore[no-untyped-def]
    """Wait until the element is shown and its text contains ``fragment``."""
    wait_until(
        page,
        "([sel, frag]) => { const el = document.querySelector(sel);"
        " return !!el && el.offsetParent !== null && el.innerText.indexOf(frag) >= 0; }",
        arg=[selector, fragment],
        timeout=timeout,
    )


def shoot(page, name: str, full_page: bool = False) -> None:  # type: ignore[no-untyped-def]
    """Keep a screenshot for a person to look at, only when asked to (SHOTS=1): under
    test-artifacts/screenshots/, ``name`` may hold a folder ("console/scoring_1366")."""
    if os.environ.get("SHOTS"):
        path = SCREENSHOTS / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=full_page)


def log_in_organiser(browser, server, **context: Any):  # type: ignore[no-untyped-def]
    """A page logged in as the organiser, in a new context (``LAPTOP`` unless told).

    Every dialog is recorded in ``page.dialogs`` (its message) and accepted, or dismissed
    while ``page.answer`` is False. Close it with ``page.context.close()``."""
    from tests.live_server import ORGANISER

    page = browser.new_context(**(context or LAPTOP)).new_page()
    page.dialogs = []
    page.answer = True

    def on_dialog(dialog):  # type: ignore[no-untyped-def]
        page.dialogs.append(dialog.message)
        if page.answer:
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(server.base_url + "/login")
    page.fill("input[name=username]", ORGANISER[0])
    page.fill("input[name=password]", ORGANISER[1])
    page.click("button[type=submit]")
    page.wait_for_url("**/meetings")
    return page


def in_server(server, work: Callable[[Any], T]) -> T:  # type: ignore[no-untyped-def]
    """Run ``work(session)`` on the live server's database, commit, and give its result."""
    from meeting.db import get_session

    app = server.app()
    try:
        with app.app_context():
            session = get_session()
            result = work(session)
            session.commit()
            return result
    finally:
        app.extensions["sanshu.db"].engine.dispose()


def seal_meeting(server, meeting_id: int, web=None) -> None:  # type: ignore[no-untyped-def]
    """Close (seal) the meeting as the organiser does, through its overview page's form."""
    web = web or server.login()
    overview = web.get(f"{server.base_url}/meetings/{meeting_id}").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', overview)
    assert token, "no csrf_token on the meeting's overview"
    response = web.post(
        f"{server.base_url}/meetings/{meeting_id}/status",
        data={"status": "closed", "csrf_token": token.group(1)},
        allow_redirects=False,
    )
    assert response.status_code == 302, response.status_code
