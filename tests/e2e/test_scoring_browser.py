"""Issue #3 in a real browser: phone, console and projector open at once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from meeting.models import Ballot
from tests.e2e.screens import in_server
from tests.helpers import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.server]

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


def ballots_of(server) -> list[Ballot]:  # type: ignore[no-untyped-def]
    return in_server(server, lambda session: list(session.scalars(select(Ballot))))


def fill_sheet(phone, reporters: int, lines_per_reporter: int) -> None:
    """好 for the first reporter's overall line, 较好 everywhere else (a valid ballot)."""
    lines = phone.locator("#sheet .line")
    assert lines.count() == reporters * lines_per_reporter
    for i in range(lines.count()):
        line = lines.nth(i)
        first_overall = i == lines_per_reporter - 1
        line.locator(".choice").nth(0 if first_overall else 1).click()


def test_phone_scores_projector_follows_organiser_closes(browser, live_server, organiser_page):
    scene = live_server.scene(reporters_count=3, delegates=10, open_round=False)
    console = organiser_page
    console.goto(f"{live_server.base_url}/meetings/{scene.meeting_id}/console")
    console.click("button[data-pick=all]")
    console.click("#open-round")
    console.wait_for_selector("#close-round")

    screen_context = browser.new_context(viewport={"width": 1600, "height": 900})
    screen = screen_context.new_page()
    screen.goto(f"{live_server.base_url}/screen/{scene.meeting_id}/{scene.screen_key}")
    screen.wait_for_selector(".turnout .row.total")
    assert "0 / 10" in screen.inner_text(".turnout .row.total")

    phone_context = browser.new_context(**PHONE)
    phone = phone_context.new_page()
    phone.goto(f"{live_server.base_url}/b/{scene.secrets[0]}")
    assert "/b/" not in phone.url  # the secret leaves the address bar
    phone.wait_for_selector("#sheet .reporter")
    # the rules are checked before sending: nothing filled in yet
    phone.click("#check")
    assert "还有\xa03\xa0名述职对象未评完" in phone.inner_text("#sheet-error")
    assert phone.locator("#confirm").count() == 0
    fill_sheet(phone, 3, 4)
    # the draft survives a reload
    phone.reload()
    phone.wait_for_selector("#sheet .line.answered")
    assert phone.locator("#sheet .line.answered").count() == 12
    phone.click("#check")
    phone.click("#confirm")
    phone.wait_for_selector("#panel-done .ok")
    assert "已提交" in phone.inner_text("#panel-done")

    wait_until(
        screen, "document.querySelector('.turnout .row.total').innerText.indexOf('1 / 10') >= 0"
    )
    assert "较好" not in screen.inner_text("body")  # no grades on the projector
    wait_until(console, "document.getElementById('voted-total').innerText === '1'")

    # a submitted ballot shows as submitted after a reload
    phone.reload()
    phone.wait_for_selector("#panel-done .ok")

    console.once("dialog", lambda dialog: dialog.accept())
    console.click("#close-round")
    wait_until(
        phone, "document.getElementById('panel-status').innerText.indexOf('本轮测评已结束') >= 0"
    )
    screen.wait_for_selector(".round-state.closed")

    [stored] = ballots_of(live_server)
    assert stored.valid and stored.revision == 1
    phone_context.close()
    screen_context.close()


def test_a_ballot_changed_on_a_second_device_shows_on_the_first(browser, live_server):
    scene = live_server.scene(reporters_count=2, delegates=5)
    link = f"{live_server.base_url}/b/{scene.secrets[2]}"
    first_context, second_context = browser.new_context(**PHONE), browser.new_context(**PHONE)
    first, second = first_context.new_page(), second_context.new_page()
    first.goto(link)
    first.wait_for_selector("#sheet .reporter")
    fill_sheet(first, 2, 4)
    first.click("#check")
    first.click("#confirm")
    first.wait_for_selector("#panel-done .ok")

    # the same slip opened on a second device: the first is warned at once; the second
    # learns that a ballot is stored, not what it says
    second.goto(link)
    second.wait_for_selector("#panel-done .ok")
    first.wait_for_selector("#shared:not([hidden])")
    second.click("#change")
    assert second.locator("#sheet .line.answered").count() == 0
    fill_sheet(second, 2, 4)
    second.click("#check")
    second.click("#confirm")
    wait_until(second, "document.querySelectorAll('#panel-done .ok').length === 1")

    # the first device shows the change without a reload
    wait_until(
        first,
        "document.getElementById('panel-done').innerText.indexOf('已在另一台设备上修改') >= 0",
    )
    assert [b.revision for b in ballots_of(live_server)] == [2]
    first_context.close()
    second_context.close()


def test_phone_offline_keeps_the_ballot_and_sends_it_when_back(browser, live_server):
    scene = live_server.scene(reporters_count=2, delegates=5)
    context = browser.new_context(**PHONE)
    phone = context.new_page()
    phone.goto(f"{live_server.base_url}/b/{scene.secrets[1]}")
    phone.wait_for_selector("#sheet .reporter")
    fill_sheet(phone, 2, 4)
    phone.click("#check")
    context.set_offline(True)
    wait_until(
        phone,
        "document.getElementById('connection').className.indexOf('offline') >= 0",
        timeout=30000,
    )
    phone.click("#confirm")
    phone.wait_for_selector("#panel-done .pending")
    assert ballots_of(live_server) == []
    context.set_offline(False)
    phone.wait_for_selector("#panel-done .ok", timeout=30000)
    assert len(ballots_of(live_server)) == 1
    context.close()


def test_phone_with_wrong_code_gets_a_chinese_page(browser, live_server):
    context = browser.new_context(**PHONE)
    phone = context.new_page()
    phone.goto(f"{live_server.base_url}/b/not-a-real-secret")
    assert "测评码无效" in phone.inner_text("body")
    phone.goto(f"{live_server.base_url}/j")
    phone.fill("input[name=code]", "ABCD-EFGH")
    phone.click("button[type=submit]")
    assert "测评码无效" in phone.inner_text("body")
    context.close()
