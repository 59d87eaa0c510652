"""Issue #11, the projector on meeting day at 1920x1080: both clocks during 询问, the scoring
time during 测评, a calm end once the meeting is sealed. And the answer countdown that sets
the phase's countdown aside and gives it back."""

from __future__ import annotations

import re

import pytest

from meeting import agenda, inquiries, snapshots
from meeting.meetings import get_meeting
from tests.builders import build_meeting
from tests.e2e.screens import (
    PROJECTOR,
    in_server,
    in_viewport,
    no_horizontal_scroll,
    seal_meeting,
    shoot,
)
from tests.helpers import wait_until

T0 = 1_700_000_000_000
CLOCK = re.compile(r"^-?\d\d:\d\d$")


# --------------------------------------------------------------------------- the timers


def test_answer_countdown_sets_the_phase_aside_and_gives_it_back(db, make_meeting):
    meeting = make_meeting(reporters_count=2, on_site=2, slips=(2, 2, 2, 0, 0))
    items = agenda.build_agenda(db, meeting)
    agenda.go_to(db, meeting, items[1].id, 2, T0)  # first reporter, 询问 (10 minutes)
    question = inquiries.add_spoken(
        db, meeting, meeting.reporters[0].id, "请问整改完成了几项？", ""
    )
    inquiries.mark_asking(db, meeting, question.id, T0 + 60_000)
    now = snapshots.now_info(db, meeting, agenda.get_state(db, meeting))
    assert now["timer"]["ends_ms"] == T0 + 60_000 + 180_000  # the answer time
    assert now["phase_timer"]["ends_ms"] == T0 + 600_000  # the phase runs on meanwhile
    assert now["speaker"] is None
    agenda.set_speaker(db, meeting, "李清", "书记")  # does not lose the phase countdown
    inquiries.mark_answered(db, meeting, question.id, "已完成两项")
    now = snapshots.now_info(db, meeting, agenda.get_state(db, meeting))
    assert now["timer"]["ends_ms"] == T0 + 600_000 and now["timer"]["running"]
    assert now["phase_timer"] is None
    assert now["speaker"] == {"name": "李清", "role": "书记"}


# --------------------------------------------------------------------------- in the browser


def make_scene(server, asking: bool = False, phase: str = "inquiry"):  # type: ignore[no-untyped-def]
    """An agenda standing in the first report's ``phase``, optionally with a question asked."""

    def build(session):  # type: ignore[no-untyped-def]
        scene = build_meeting(
            session, reporters_count=21, delegates=80, on_site=4, open_round=False
        )
        meeting = get_meeting(session, scene.meeting_id)
        items = agenda.build_agenda(session, meeting, per_report_rounds=True)
        now = snapshots.server_time()
        agenda.start(session, meeting, now)
        keys = [p["key"] for p in items[1].phases]
        agenda.go_to(session, meeting, items[1].id, keys.index(phase), now)
        if asking:
            reporter = meeting.reporters[0].id
            first = inquiries.add_spoken(
                session,
                meeting,
                reporter,
                "请问今年整改清单中的三项问题，目前完成了几项？",
                "纪委委员 张明",
            )
            inquiries.add_spoken(
                session,
                meeting,
                reporter,
                "支部书记履行第一责任人职责方面，下一步有哪些具体措施？",
                "",
            )
            inquiries.mark_asking(session, meeting, first.id, now)
        return scene

    return in_server(server, build)


def projector(browser, server, scene):  # type: ignore[no-untyped-def]
    context = browser.new_context(**PROJECTOR)
    page = context.new_page()
    page.goto(f"{server.base_url}/screen/{scene.meeting_id}/{scene.screen_key}")
    return context, page


def wait_clock(page, selector: str) -> str:  # type: ignore[no-untyped-def]
    wait_until(
        page,
        "(sel) => { const el = document.querySelector(sel); return !!el && /\\d\\d:\\d\\d/.test(el.innerText); }",
        arg=selector,
    )
    return page.inner_text(selector)


@pytest.mark.browser
@pytest.mark.server
def test_inquiry_shows_the_answer_time_and_the_phase_time(browser, live_server):
    scene = make_scene(live_server, asking=True)
    context, page = projector(browser, live_server, scene)
    page.wait_for_selector(".question-now")
    answer = wait_clock(page, "#countdown")
    phase = wait_clock(page, "#phase-countdown")
    assert CLOCK.match(answer) and answer.startswith(("02:", "03:"))  # 3 minutes to answer
    assert CLOCK.match(phase) and phase.startswith(("09:", "10:"))  # of the 10-minute phase
    labels = page.locator(".timer-label").all_inner_texts()
    assert labels == ["答问计时", "环节剩余"]
    for selector in (".question-now", "#countdown", "#phase-countdown", ".queue li"):
        in_viewport(page, selector)
    no_horizontal_scroll(page)
    shoot(page, "projector/inquiry")
    context.close()


@pytest.mark.browser
@pytest.mark.server
@pytest.mark.parametrize(
    ("phase", "label", "left", "beside"),
    [
        ("inquiry", "环节剩余", ("09:", "10:"), []),  # no question asked: the 10-minute phase
        ("scoring", "测评剩余", ("04:", "05:"), [".turnout .row.total"]),  # 5 minutes
    ],
)
def test_the_phase_time_is_the_one_clock_labelled_in_view(  # type: ignore[no-untyped-def]
    browser, live_server, phase, label, left, beside
):
    scene = make_scene(live_server, phase=phase)
    context, page = projector(browser, live_server, scene)
    for selector in beside:
        page.wait_for_selector(selector)
    assert wait_clock(page, "#countdown").startswith(left)
    assert page.locator(".timer-label").all_inner_texts() == [label]
    for selector in ["#countdown", *beside]:
        in_viewport(page, selector)
    no_horizontal_scroll(page)
    context.close()


@pytest.mark.browser
@pytest.mark.server
def test_sealed_meeting_ends_calmly_on_the_projector(browser, live_server):
    scene = make_scene(live_server, phase="report")
    context, page = projector(browser, live_server, scene)
    wait_clock(page, "#countdown")
    assert page.locator(".join img").is_visible()
    # the organiser closes (seals) the meeting: the projector follows without a reload
    seal_meeting(live_server, scene.meeting_id)
    wait_until(page, "document.getElementById('main').innerText.indexOf('本次会议已结束') >= 0")
    in_viewport(page, ".neutral.over p:first-child")
    assert page.locator("#countdown").count() == 0
    assert not page.locator(".join").is_visible()  # no join code for slips that no longer work
    no_horizontal_scroll(page)
    shoot(page, "projector/sealed")
    # and so it stays after a reload
    page.reload()
    page.wait_for_selector(".neutral.over")
    assert not page.locator(".join").is_visible()
    assert page.locator("#countdown").count() == 0
    context.close()
