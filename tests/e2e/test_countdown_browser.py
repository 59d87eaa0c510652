"""Every screen shows the same countdown, even on a phone whose clock is wrong and
after the server is killed and restarted (the end time is stored, not a ticking count)."""

from __future__ import annotations

import time

import pytest

from meeting import agenda
from meeting.db import get_session
from meeting.meetings import get_meeting
from tests.builders import build_meeting
from tests.helpers import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.server]

SKEW_MS = 5 * 60 * 1000  # this phone's clock is five minutes fast


def test_countdown_agrees_across_screens_and_survives_a_restart(
    browser, live_server, organiser_page
):
    app = live_server.app()
    with app.app_context():
        session = get_session()
        scene = build_meeting(session, reporters_count=2, delegates=5, on_site=1, open_round=False)
        meeting = get_meeting(session, scene.meeting_id)
        agenda.build_agenda(session, meeting)
        agenda.start(session, meeting, int(time.time() * 1000))
        agenda.advance(session, meeting, int(time.time() * 1000))  # the report: 8 minutes
        session.commit()
    app.extensions["sanshu.db"].engine.dispose()

    base = live_server.base_url
    screen = browser.new_context(viewport={"width": 1600, "height": 900}).new_page()
    screen.goto(f"{base}/screen/{scene.meeting_id}/{scene.screen_key}")
    phone_context = browser.new_context(viewport={"width": 360, "height": 740})
    phone_context.add_init_script(
        f"(function(){{ var real = Date.now; Date.now = function(){{ return real() + {SKEW_MS}; }}; }})();"
    )
    phone = phone_context.new_page()
    phone.goto(f"{base}/b/{scene.secrets[0]}")
    console = organiser_page
    console.goto(f"{base}/meetings/{scene.meeting_id}/console")
    pages = [screen, phone, console]
    for page in pages:
        wait_until(page, "window.remainingMs && window.remainingMs() !== null")
    time.sleep(2.5)  # the second clock sync has happened on every page

    def readings() -> list[float]:
        return [page.evaluate("window.remainingMs()") for page in pages]

    values = readings()
    assert max(values) - min(values) < 500, values
    assert 7 * 60_000 < values[0] <= 8 * 60_000

    live_server.kill()
    killed_at = time.time()
    live_server.start()
    wait_until(screen, "document.getElementById('link').innerText === ''", timeout=30000)
    wait_until(
        phone,
        "document.getElementById('connection').className.indexOf('online') >= 0",
        timeout=30000,
    )
    time.sleep(2.5)
    after = readings()
    assert max(after) - min(after) < 500, after
    elapsed_ms = (time.time() - killed_at) * 1000
    assert (
        abs((values[0] - after[0]) - elapsed_ms) < 6000
    )  # the countdown kept running through the restart
    phone_context.close()
