"""Issue #5 in a real browser: publish the results and read them off the projector."""

from __future__ import annotations

import pytest

from meeting.db import get_session
from tests.builders import build_known_meeting
from tests.helpers import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.server]


def test_published_results_appear_on_the_projector(browser, live_server, organiser_page):
    app = live_server.app()
    with app.app_context():
        meeting = build_known_meeting(get_session())
        meeting_id, key = meeting.id, meeting.screen_key
    app.extensions["sanshu.db"].engine.dispose()

    screen_context = browser.new_context(viewport={"width": 1600, "height": 900})
    screen = screen_context.new_page()
    screen.goto(f"{live_server.base_url}/screen/{meeting_id}/{key}")
    screen.wait_for_selector(".round-state.closed")
    assert "90.00" not in screen.inner_text("#main")  # nothing before publishing

    page = organiser_page
    page.goto(f"{live_server.base_url}/meetings/{meeting_id}/results")
    assert "75.60" in page.inner_text("#summary")
    page.select_option("#publish-form select[name=level]", "distribution")
    page.click("#publish-form button[type=submit]")
    screen.wait_for_selector(".results .stack")
    rows = screen.locator(".results .row").all_inner_texts()
    assert [r.split("\n")[0] for r in rows] == ["甲", "乙", "丙"]
    assert "50.0%" in rows[0] and "75.60" not in screen.inner_text(
        "#main"
    )  # no scores at this level

    page.select_option("#publish-form select[name=level]", "ranking")
    page.click("#publish-form button[type=submit]")
    wait_until(screen, "document.querySelector('#main').innerText.indexOf('75.60') >= 0")
    rows = screen.locator(".results .row").all_inner_texts()
    assert "1. 90.00 好" in rows[0] and "2. 75.60 一般" in rows[1] and "3. 52.00 差" in rows[2]
    widths = (
        screen.locator(".results .row")
        .nth(2)
        .locator(".stack span")
        .evaluate_all("spans => spans.map(s => s.style.width)")
    )
    assert widths == ["0%", "33.4%", "33.3%", "33.3%"]  # the browser writes 0.0% as 0%

    page.select_option("#publish-form select[name=level]", "none")
    page.click("#publish-form button[type=submit]")
    screen.wait_for_selector(".round-state.closed")
    screen_context.close()
