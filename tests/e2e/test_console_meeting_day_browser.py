"""Issue #11, the console on meeting day, in a real browser at 1366x768: laid out for the
phase, errors beside their control, truthful badges, confirmations asked once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from meeting import agenda, rounds
from meeting.meetings import get_meeting, set_status
from meeting.models import ScoringRound
from tests.builders import build_meeting
from tests.e2e.screens import (
    PROJECTOR,
    in_server,
    in_viewport,
    no_horizontal_scroll,
    seal_meeting,
    shoot,
    wait_text,
)
from tests.helpers import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.server]


def make_scene(server, draft: bool = False, rehearsal_round: bool = False):  # type: ignore[no-untyped-def]
    """21 reporters (4 on site), 80 slips in five categories, an agenda with a scoring phase
    after each report."""

    def build(session):  # type: ignore[no-untyped-def]
        scene = build_meeting(
            session, reporters_count=21, delegates=80, on_site=4, open_round=False
        )
        meeting = get_meeting(session, scene.meeting_id)
        agenda.build_agenda(session, meeting, per_report_rounds=True)
        if draft:
            set_status(session, meeting, "draft")
        if rehearsal_round:
            trial = rounds.open_round(session, meeting, [r.id for r in meeting.reporters], "试测")
            trial.rehearsal = True
        return scene

    return in_server(server, build)


def open_rounds(server) -> list[ScoringRound]:  # type: ignore[no-untyped-def]
    return in_server(
        server,
        lambda session: list(
            session.scalars(select(ScoringRound).where(ScoringRound.status == "open"))
        ),
    )


def open_console(page, server, scene) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server.base_url}/meetings/{scene.meeting_id}/console")
    page.wait_for_selector("#agenda-list")
    wait_text(page, "#link", "已连接")


def start_meeting(page, server, scene) -> None:  # type: ignore[no-untyped-def]
    """Open the console and start the agenda: the opening is on."""
    open_console(page, server, scene)
    page.click("[data-act=agenda_start]")
    wait_text(page, "#now-panel", "会议开始")
    assert page.inner_text("#now-panel .where").count("会议开始") == 1  # phase = item: once


def first_inquiry(page, server) -> None:  # type: ignore[no-untyped-def]
    """A new meeting, started, standing in the first reporter's 询问."""
    start_meeting(page, server, make_scene(server))
    chip(page, 1, "询问").click()
    wait_text(page, "#now-panel", "询问")


def chip(page, item_index: int, phase_label: str):  # type: ignore[no-untyped-def]
    return page.locator("#agenda-list > li").nth(item_index).locator(".chip", has_text=phase_label)


def test_scoring_turnout_and_close_button_fit_a_laptop_screen(live_server, laptop):
    scene = make_scene(live_server)
    page = laptop
    start_meeting(page, live_server, scene)
    # setup tools are folded away once the meeting runs
    assert not page.locator("#add-item").is_visible()
    assert not page.locator("[data-durations]").first.is_visible()
    assert page.locator("#history-fold").get_attribute("open") is None
    # jump to the first reporter's scoring: asked first, naming whom
    chip(page, 1, "测评").click()
    page.wait_for_selector("#close-round")
    assert len(page.dialogs) == 1 and "将开始对述职人001的测评" in page.dialogs[0]
    page.evaluate("window.scrollTo(0, 0)")
    wait_text(page, "#open-panel", "合计")
    in_viewport(page, "#turnout")
    in_viewport(page, "#close-round")
    assert page.inner_text("#close-round") == "结束本轮测评"
    assert page.evaluate("window.scrollY") == 0
    no_horizontal_scroll(page)
    shoot(page, "console/scoring_1366")
    # the editing tools unfold on demand
    page.check("#agenda-edit")
    assert page.locator("#add-item").is_visible()


def test_inquiry_puts_the_question_queue_first(live_server, laptop):
    page = laptop
    first_inquiry(page, live_server)
    page.fill("#spoken-asker", "纪委委员 张明")
    page.fill("#spoken-text", "请问今年整改清单中的三项问题，目前完成了几项？")
    page.click("#add-spoken")
    page.wait_for_selector("#queue-list [data-q-act=inquiry_asking]")
    page.click("#queue-list [data-q-act=inquiry_asking]")
    # the big clock is the answer time, labelled; the phase's time stays beside it
    wait_text(page, "#now-panel .clock-label", "答问计时")
    wait_text(page, "#phase-left", "环节剩余")
    page.evaluate("window.scrollTo(0, 0)")
    in_viewport(page, "#questions-panel h3")
    in_viewport(page, "#phase-left")
    questions = page.locator("#questions-panel").bounding_box()
    rounds_panel = page.locator("#round-panel").bounding_box()
    assert questions and rounds_panel and questions["y"] < rounds_panel["y"]
    no_horizontal_scroll(page)
    shoot(page, "console/inquiry_1366")


def test_a_refusal_shows_under_the_control_that_caused_it(live_server, laptop):
    page = laptop
    first_inquiry(page, live_server)
    # an empty question: the reason stands under the form, in view, not at the page top
    page.click("#add-spoken")
    error = page.locator("#questions-form .inline-error")
    error.wait_for()
    assert "问题" in error.inner_text()
    in_viewport(page, "#questions-form .inline-error")
    form = page.locator("#questions-form .inline-form").bounding_box()
    shown = error.bounding_box()
    assert form and shown and 0 <= shown["y"] - (form["y"] + form["height"]) < 40
    assert page.locator("#message").is_hidden()
    # the next success clears it
    page.fill("#spoken-text", "请问如何加强机关年轻干部的教育管理？")
    page.click("#add-spoken")
    wait_text(page, "#queue-list", "年轻干部")
    wait_until(page, "document.querySelectorAll('.inline-error').length === 0")

    # durations that are not a number: the reason sits under that item's duration fields
    page.check("#agenda-edit")
    item = page.locator("#agenda-list > li").nth(2)
    item.locator("details.setup-only summary").click()
    item.locator("input[data-phase-key=report]").fill("很久")
    item.locator("[data-durations]").click()
    durations_error = item.locator(".inline-error")
    durations_error.wait_for()
    assert durations_error.is_visible() and durations_error.inner_text()
    assert page.locator("#message").is_hidden()


def test_header_badges_follow_the_meeting_and_the_connection(live_server, laptop):
    scene = make_scene(live_server, draft=True)
    page = laptop
    open_console(page, live_server, scene)
    assert page.inner_text("#meeting-status") == "筹备中"
    page.click("[data-act=agenda_start]")
    wait_text(page, "#meeting-status", "进行中")  # no reload
    page.evaluate("window.Console.socket().disconnect()")
    wait_text(page, "#link", "已断开")
    page.evaluate("window.Console.socket().connect()")
    wait_text(page, "#link", "已连接")


def test_a_chip_that_opens_scoring_asks_and_a_no_opens_nothing(live_server, laptop):
    scene = make_scene(live_server)
    page = laptop
    start_meeting(page, live_server, scene)
    page.answer = False
    chip(page, 1, "测评").click()
    assert len(page.dialogs) == 1 and "述职人001" in page.dialogs[0]
    # a later move is acknowledged: had the refused jump been sent, it would be there first
    page.answer = True
    chip(page, 1, "述职").click()
    wait_text(page, "#now-panel", "述职人001")
    assert len(page.dialogs) == 1  # a phase without scoring asks nothing
    assert open_rounds(live_server) == []
    assert page.locator("#close-round").count() == 0


def test_double_click_on_close_shows_one_dialog(live_server, laptop):
    scene = make_scene(live_server)
    page = laptop
    start_meeting(page, live_server, scene)
    chip(page, 1, "测评").click()
    page.wait_for_selector("#close-round")
    page.dialogs.clear()
    page.dblclick("#close-round")
    wait_text(page, "#tally-ready", "计票")
    assert len(page.dialogs) == 1, page.dialogs
    assert open_rounds(live_server) == []


def test_rehearsal_round_is_shown_as_rehearsal(live_server, laptop, browser):
    scene = make_scene(live_server, rehearsal_round=True)
    page = laptop
    open_console(page, live_server, scene)
    wait_text(page, "#open-panel", "试测")
    assert page.inner_text("#close-round") == "结束试测"
    in_viewport(page, "#open-panel .badge-rehearsal")
    shoot(page, "console/rehearsal_1366")
    screen_context = browser.new_context(**PROJECTOR)
    screen = screen_context.new_page()
    screen.goto(f"{live_server.base_url}/screen/{scene.meeting_id}/{scene.screen_key}")
    wait_text(screen, ".round-state", "试测")
    assert screen.locator(".turnout .row.total").is_visible()
    shoot(screen, "console/projector_rehearsal")
    screen_context.close()
    page.click("#close-round")
    assert len(page.dialogs) == 1 and "试测的票将全部清除" in page.dialogs[0]


def test_start_rehearsal_button_opens_a_rehearsal_round(live_server, laptop):
    scene = make_scene(live_server, draft=True)
    page = laptop
    page.goto(f"{live_server.base_url}/meetings/{scene.meeting_id}/console")
    page.wait_for_selector("#open-rehearsal")  # before the meeting starts
    in_viewport(page, "#open-rehearsal")
    page.click("#open-rehearsal")
    page.wait_for_selector("#close-round")
    wait_text(page, "#open-panel", "试测")
    assert page.inner_text("#close-round") == "结束试测"
    assert [r.rehearsal for r in open_rounds(live_server)] == [True]
    assert page.locator("#open-rehearsal").count() == 0  # not while a round is open
    page.click("#close-round")
    wait_text(page, "#tally-ready", "试测")
    page.wait_for_selector("#open-rehearsal")
    # the note says what happened until the meeting moves on, then it goes
    page.click("[data-act=agenda_start]")
    wait_until(page, "document.getElementById('tally-ready').hidden")
    assert open_rounds(live_server) == []


def agenda_state(server, meeting_id: int):  # type: ignore[no-untyped-def]
    from meeting.models import MeetingState

    def read(session):  # type: ignore[no-untyped-def]
        state = session.get(MeetingState, meeting_id)
        return {
            "finished": state.finished,
            "running": state.timer_running,
            "ends_ms": state.timer_ends_ms,
            "remaining_ms": state.timer_remaining_ms,
        }

    return in_server(server, read)


def test_rehearsal_is_offered_only_before_the_agenda_and_asks_first(live_server, laptop):
    scene = make_scene(live_server)  # live, agenda not started
    page = laptop
    open_console(page, live_server, scene)
    # a live meeting waits for its agenda, not for the meeting to start
    wait_text(page, "#now-panel .where", "议程尚未开始")
    assert page.inner_text("[data-act=agenda_start]") == "开始议程"
    assert "会议尚未开始" not in page.inner_text("#now-panel")
    in_viewport(page, "#open-rehearsal")
    shoot(page, "console/live_before_agenda_1366")
    page.answer = False
    page.click("#open-rehearsal")
    assert page.dialogs == ["开始试测：所有手机将显示一张练习用的测评表，不计入结果。确定？"]
    # the next action is acknowledged; had the refused rehearsal been sent, it came first
    page.answer = True
    page.click("[data-act=agenda_start]")
    wait_text(page, "#now-panel", "会议开始")
    assert open_rounds(live_server) == []
    assert page.locator("#open-panel").is_hidden()
    # once the agenda runs there is no one-click practice round any more
    assert page.locator("#open-rehearsal").count() == 0
    no_horizontal_scroll(page)


def test_draft_console_points_at_its_own_start_button(live_server, laptop):
    scene = make_scene(live_server, draft=True)
    page = laptop
    open_console(page, live_server, scene)
    wait_text(page, "#round-panel .hint", "本页上方的“开始会议”")
    assert "概览" not in page.inner_text("#round-panel")
    assert page.inner_text("[data-act=agenda_start]") == "开始会议"
    in_viewport(page, "[data-act=agenda_start]")


def test_inquiry_hint_names_the_categories_that_may_ask(live_server, laptop):
    page = laptop
    first_inquiry(page, live_server)
    # the usual categories: 党组成员 and 纪委委员 may ask
    wait_text(page, "#questions-panel .hint", "党组成员、纪委委员可在手机上向述职人001提问")
    assert "测评人可在手机上" not in page.inner_text("#questions-panel")


def test_a_jump_past_unreached_items_names_them(live_server, laptop):
    scene = make_scene(live_server)
    page = laptop
    start_meeting(page, live_server, scene)
    titles = page.locator("#agenda-list > li .item-head").all_inner_texts()
    page.answer = False
    chip(page, 4, "述职").click()
    assert len(page.dialogs) == 1
    asked = page.dialogs[0]
    assert "跳过" in asked
    for skipped in titles[1:4]:
        assert skipped.replace("☰", "").replace("×", "").strip() in asked
    assert titles[4].replace("☰", "").replace("×", "").strip() not in asked
    # the next step is one phase on: no skip, nothing asked; it proves the jump was not sent
    page.answer = True
    page.click("[data-act=agenda_next]")
    wait_text(page, "#now-panel", "述职人001")
    assert len(page.dialogs) == 1
    chip(page, 1, "点评").click()  # within the current item: nothing skipped, nothing asked
    wait_text(page, "#now-panel .phase", "点评")
    assert len(page.dialogs) == 1


def test_a_sealed_meeting_console_is_calm_and_read_only(live_server, laptop):
    scene = make_scene(live_server)
    page = laptop
    start_meeting(page, live_server, scene)
    wait_until(page, "document.getElementById('clock').textContent !== ''")
    seal_meeting(live_server, scene.meeting_id)
    # the open console follows without a reload
    wait_text(page, "#now-panel", "会议已结束并封存")
    assert page.inner_text("#meeting-status") == "已结束"
    for control in (
        "[data-act=agenda_next]",
        "[data-act=agenda_back]",
        "[data-timer]",
        "#clock",
        "#open-for",
        "#agenda-edit",
    ):
        assert page.locator(control).count() == 0 or not page.locator(control).first.is_visible(), (
            control
        )
    assert page.locator("#agenda-panel").is_hidden()
    assert page.locator("#console-main").is_hidden()
    results = page.locator("#now-panel a", has_text="测评结果")
    letters = page.locator("#now-panel a", has_text="反馈意见书")
    assert results.get_attribute("href") == f"/meetings/{scene.meeting_id}/results"
    assert letters.get_attribute("href") and "letters" in (letters.get_attribute("href") or "")
    in_viewport(page, "#now-panel a.primary")
    no_horizontal_scroll(page)
    shoot(page, "console/sealed_1366")
    # no screen counts down after sealing: the stored clock is stopped, the agenda finished
    state = agenda_state(live_server, scene.meeting_id)
    assert state["finished"] and not state["running"] and state["ends_ms"] is None
    assert state["remaining_ms"] is not None and state["remaining_ms"] > 0
    page.reload()
    wait_text(page, "#now-panel", "会议已结束并封存")
    assert page.locator("[data-act=agenda_next]").count() == 0


def test_overview_of_the_live_meeting_fits_and_back_asks_first(live_server, laptop):
    scene = make_scene(live_server)
    page = laptop
    page.goto(f"{live_server.base_url}/meetings/{scene.meeting_id}")
    wait_text(page, "#live-status", "会议进行中")
    assert page.locator("text=筹备情况").count() == 0
    in_viewport(page, "#live-status")
    no_horizontal_scroll(page)
    shoot(page, "console/overview_live_1366")
    page.answer = False
    page.click("button:has-text('返回筹备状态')")
    assert len(page.dialogs) == 1 and "返回筹备状态？" in page.dialogs[0]
    page.goto(f"{live_server.base_url}/meetings/{scene.meeting_id}")
    wait_text(page, "#live-status", "会议进行中")  # still live: the dismissed form was not sent
