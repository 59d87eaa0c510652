"""The venue before anyone arrives, in a real browser at the sizes of the day: the
organiser's laptop (1366x768), a phone in WeChat (360x640), the projector (1920x1080)."""

from __future__ import annotations

import pytest

from meeting import network, tokens
from meeting.models import Meeting
from tests.e2e.screens import PHONE, PROJECTOR, in_server, in_viewport, no_horizontal_scroll, shoot
from tests.helpers import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.server]

SPARE_MESSAGE = "这是备用测评码，尚未启用。请交会务人员登记后使用。"


def test_a_refused_address_is_shown_beside_the_field_and_keeps_the_text(
    browser, live_server, laptop
):
    scene = live_server.scene(reporters_count=3, delegates=10, open_round=False)
    page = laptop
    page.goto(f"{live_server.base_url}/meetings/{scene.meeting_id}/tokens")
    in_viewport(page, "#phone-address")
    assert page.inner_text("#phone-address") == live_server.base_url  # PUBLIC_URL of the server
    page.fill("#address-typed", "ftp://192.168.1.5/j")
    assert page.is_checked("#address-typed-choice")  # typing picks "other address"
    page.click("button:has-text('保存地址')")
    page.wait_for_selector("#address-error")
    in_viewport(page, "#address-error")
    in_viewport(page, "#address-typed")
    assert "请按 http://192.168.1.20:5000 的格式填写地址" in page.inner_text("#address-error")
    field = page.locator("#address-typed").bounding_box()
    error = page.locator("#address-error").bounding_box()
    assert field and error and 0 <= error["y"] - (field["y"] + field["height"]) < 60
    assert page.input_value("#address-typed") == "ftp://192.168.1.5/j"
    no_horizontal_scroll(page)
    shoot(page, "venue/address_refused_1366")

    # another machine is refused: phones (and their slips' secrets) stay with this server
    page.fill("#address-typed", "203.0.113.5:5000")
    page.click("button:has-text('保存地址')")
    page.wait_for_selector("#address-error")
    assert "不是本服务器的地址" in page.inner_text("#address-error")
    in_viewport(page, "#address-error")
    # this server's own LAN address, typed (the same machine runs the live server)
    own = network.lan_addresses()
    assert own, "the test machine needs a LAN address"
    page.fill("#address-typed", f"{own[0]}:5000")
    page.click("button:has-text('保存地址')")
    page.wait_for_selector("text=手机访问地址已保存")
    assert page.inner_text("#phone-address") == f"http://{own[0]}:5000"
    in_viewport(page, "#phone-address")
    # the projector's join address follows
    screen = browser.new_context(**PROJECTOR).new_page()
    screen.goto(f"{live_server.base_url}/screen/{scene.meeting_id}/{scene.screen_key}")
    assert f"http://{own[0]}:5000/j" in screen.content()


def test_preflight_ticks_the_phone_and_the_projector_without_a_reload(browser, live_server, laptop):
    scene = live_server.scene(reporters_count=3, delegates=10, open_round=False)
    page = laptop
    page.goto(f"{live_server.base_url}/meetings/{scene.meeting_id}/preflight")
    assert page.get_attribute("#check-slips", "data-state") == "bad"
    assert "尚未打印" in page.inner_text("#check-slips")

    def printed(db) -> None:  # type: ignore[no-untyped-def]
        db.get(Meeting, scene.meeting_id).slips_url = live_server.base_url

    in_server(live_server, printed)
    page.reload()
    assert page.get_attribute("#check-slips", "data-state") == "ok"
    assert page.get_attribute("#check-reach", "data-state") == "wait"
    assert page.get_attribute("#check-screen", "data-state") == "bad"
    assert page.locator("#check-screen a").get_attribute("target") == "_blank"
    wait_until(page, "document.querySelector('#preflight-summary').textContent.indexOf('1') >= 0")
    assert "需要处理" in page.inner_text("#preflight-summary")  # the projector is missing
    in_viewport(page, "#reach-qr")
    in_viewport(page, "#check-reach .check-state")
    no_horizontal_scroll(page)
    wait_until(page, "document.querySelector('#check-clock').dataset.state !== 'wait'")
    assert page.get_attribute("#check-clock", "data-state") == "ok"
    assert page.get_attribute("#check-database", "data-state") == "ok"
    assert page.get_attribute("#check-slips", "data-state") == "ok"
    assert "备用票: 剩余 0 张" in page.inner_text("#check-slips")

    phone = browser.new_context(**PHONE).new_page()
    phone.goto(page.inner_text("#reach-url"))
    in_viewport(phone, "#reach-ok")
    assert "连接正常" in phone.inner_text("#reach-ok")
    no_horizontal_scroll(phone)
    shoot(phone, "venue/reach_phone_360")
    wait_until(page, "document.querySelector('#check-reach').dataset.state === 'ok'")
    assert "有手机打开了测试页" in page.inner_text("#check-reach")

    projector = browser.new_context(**PROJECTOR).new_page()
    projector.goto(f"{live_server.base_url}/screen/{scene.meeting_id}/{scene.screen_key}")
    wait_until(page, "document.querySelector('#check-screen').dataset.state === 'ok'")
    assert "大屏已连接" in page.inner_text("#check-screen")
    wait_until(
        page, "document.querySelector('#check-workers').dataset.state !== 'wait'", timeout=60000
    )
    assert page.get_attribute("#check-workers", "data-state") == "ok"
    for row in ("reach", "clock", "disk", "workers", "database", "slips", "screen"):
        assert page.get_attribute(f"#check-{row}", "data-state") == "ok", row
    page.locator("#check-print").scroll_into_view_if_needed()
    in_viewport(page, "#test-print")
    page.evaluate("window.scrollTo(0, 0)")
    in_viewport(page, "#preflight-summary")
    assert "全部检查通过" in page.inner_text("#preflight-summary")
    shoot(page, "venue/preflight_green_1366")
    shoot(page, "venue/preflight_green_1366_full", full_page=True)


def test_a_spare_slip_cannot_vote_until_it_is_handed_out(browser, live_server, laptop):
    scene = live_server.scene(reporters_count=3, delegates=10, open_round=False)

    def make_spares(db):  # type: ignore[no-untyped-def]
        meeting = db.get(Meeting, scene.meeting_id)
        made = tokens.generate_spares(db, meeting, 2)
        db.commit()
        return [(t.id, t.secret, t.serial) for t in made]

    (spare_id, secret, serial), _second = in_server(live_server, make_spares)
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(f"{live_server.base_url}/b/{secret}")
    assert SPARE_MESSAGE in phone.inner_text("body")
    in_viewport(phone, "[role=alert]")
    no_horizontal_scroll(phone)
    shoot(phone, "venue/spare_refused_360")

    page = laptop
    page.goto(f"{live_server.base_url}/meetings/{scene.meeting_id}/tokens")
    assert "剩余 2 张" in page.inner_text("#spare-count")
    # a hand-out without its target: the reason shows beside the form, in view
    page.select_option("#hand-out-spare", str(spare_id))
    page.check("input[name=mode][value=lost]")
    page.click("#hand-out button[type=submit]")
    page.wait_for_selector("#hand-out-error")
    in_viewport(page, "#hand-out-error")
    in_viewport(page, "#hand-out button")
    assert "请选择它所替换的遗失票" in page.inner_text("#hand-out-error")
    no_horizontal_scroll(page)
    shoot(page, "venue/hand_out_refused_1366")
    page.select_option("#hand-out-spare", str(spare_id))
    page.check("input[name=mode][value=category]")
    page.select_option("#hand-out-category", index=2)
    page.click("#hand-out button[type=submit]")
    page.wait_for_selector(f"text=编号 {serial} 的备用票已启用")
    assert "剩余 1 张" in page.inner_text("#spare-count")

    phone.goto(f"{live_server.base_url}/b/{secret}")
    phone.wait_for_url("**/d")
    assert SPARE_MESSAGE not in phone.inner_text("body")
