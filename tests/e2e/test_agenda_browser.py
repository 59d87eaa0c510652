"""Issue #4 in a real browser: console, projector and two phones through one report."""

from __future__ import annotations

import pytest

from meeting import agenda
from meeting.models import Category, Comment, Inquiry
from tests.builders import build_meeting
from tests.e2e.screens import in_server, wait_text

pytestmark = [pytest.mark.browser, pytest.mark.server]

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


def make_scene(server):  # type: ignore[no-untyped-def]
    """Two on-site reporters, an agenda, and the slips of 党组成员 (who may ask)."""

    def build(session):  # type: ignore[no-untyped-def]
        scene = build_meeting(session, reporters_count=3, delegates=10, on_site=2, open_round=False)
        from meeting.meetings import get_meeting

        meeting = get_meeting(session, scene.meeting_id)
        agenda.build_agenda(session, meeting, per_report_rounds=True)
        askers = [t.secret for t in meeting_tokens(session, meeting, "党组成员")]
        return scene, askers

    return in_server(server, build)


def meeting_tokens(session, meeting, category_name):  # type: ignore[no-untyped-def]
    from meeting import tokens

    category = next(c for c in meeting.categories if c.name == category_name)
    assert isinstance(category, Category)
    return [t for t in tokens.list_tokens(session, meeting) if t.category_id == category.id]


def stored(server, model):  # type: ignore[no-untyped-def]
    return in_server(server, lambda session: session.query(model).all())


def text(page, selector: str) -> str:
    return page.inner_text(selector)


def test_one_report_through_all_four_phases(browser, live_server, organiser_page):
    scene, askers = make_scene(live_server)
    base = live_server.base_url
    console = organiser_page
    console.goto(f"{base}/meetings/{scene.meeting_id}/console")
    console.wait_for_selector("#agenda-list")

    screen_context = browser.new_context(viewport={"width": 1600, "height": 900})
    screen = screen_context.new_page()
    screen.goto(f"{base}/screen/{scene.meeting_id}/{scene.screen_key}")
    phones = []
    for secret in askers[:2]:
        context = browser.new_context(**PHONE)
        phone = context.new_page()
        phone.goto(f"{base}/b/{secret}")
        phones.append(phone)
    wait_text(phones[0], "#panel-status", "测评尚未开始")

    # opening
    console.click("[data-act=agenda_start]")
    wait_text(screen, "#main", "会议开始")
    # 述职: the projector shows the speaker and a running countdown, phones follow
    console.click("#next")
    wait_text(screen, "#main", "述职人001")
    wait_text(phones[0], "#now", "述职人001")
    clock = screen.inner_text("#countdown")
    assert clock.startswith("07:") or clock.startswith("08:")

    # reload the projector mid-way: it comes back by itself on the same phase
    screen.reload()
    wait_text(screen, "#main", "述职人001")
    assert screen.locator("#countdown").count() == 1

    # 点评: who is commenting, and the comment recorded for the letter
    console.click("#next")
    wait_text(screen, ".phase-label", "点评")
    console.fill("#speaker-name", "李清")
    console.fill("#speaker-role", "机关党组书记")
    console.click("#set-speaker")
    wait_text(screen, "#main", "李清")
    console.fill("#comment-name", "李清")
    console.fill("#comment-role", "机关党组书记")
    console.fill("#comment-summary", "要持续擦亮支部党建品牌。")
    console.click("#add-comment")
    wait_text(console, "#comments-panel", "擦亮支部党建品牌")

    # 询问: two phones ask, the moderator approves, reorders, asks, answers
    console.click("#next")
    for phone, question in zip(
        phones,
        ["请问如何推动党建与业务深度融合发展？", "请问如何加强机关年轻干部的教育管理？"],
        strict=True,
    ):
        phone.wait_for_selector("#question-text")
        phone.fill("#question-text", question)
        phone.click("#send-question")
        wait_text(phone, "#question-list", "待审核")
    wait_text(console, "#questions-list", "待审核 (2)")
    assert "深度融合" not in text(screen, "#main")  # pending questions never on the projector
    console.locator("[data-q-act=inquiry_approve]").first.click()
    wait_text(console, "#questions-list", "待审核 (1)")
    console.locator("[data-q-act=inquiry_approve]").first.click()
    wait_text(console, "#questions-list", "问题队列 (2)")
    wait_text(phones[0], "#question-list", "排队中")
    wait_text(screen, ".queue", "深度融合")
    queue = screen.locator(".queue li").all_inner_texts()
    assert queue[0].startswith("请问如何推动")
    # drag the second question to the top of the queue
    items = console.locator("#queue-list .q")
    items.nth(1).drag_to(items.nth(0), target_position={"x": 20, "y": 5})
    wait_text(screen, ".queue li:first-child", "年轻干部")
    console.locator("#queue-list [data-q-act=inquiry_asking]").first.click()
    wait_text(screen, ".question-now", "年轻干部")
    console.fill("textarea[id^=answer-]", "建立青年理论学习小组，加强日常监督。")
    console.click("[data-q-act=inquiry_answered]")
    wait_text(console, "#questions-list", "已处理 (1)")

    # 测评: the round for this reporter opens on the phones, the projector shows turnout
    console.click("#next")
    phones[0].wait_for_selector("#sheet .reporter")
    wait_text(screen, ".turnout .row.total", "0 / 10")
    lines = phones[0].locator("#sheet .line")
    for i in range(lines.count()):
        lines.nth(i).locator(".choice").nth(1).click()
    phones[0].click("#check")
    phones[0].click("#confirm")
    phones[0].wait_for_selector("#panel-done .ok")
    wait_text(screen, ".turnout .row.total", "1 / 10")

    # moving on while scoring is open asks first, then closes the round
    console.once("dialog", lambda dialog: dialog.accept())
    console.click("#next")
    wait_text(screen, "#main", "述职人002")
    wait_text(phones[0], "#panel-status", "已结束，您的测评票已收到")

    comments = stored(live_server, Comment)
    assert [c.summary for c in comments] == ["要持续擦亮支部党建品牌。"]
    answered = [q for q in stored(live_server, Inquiry) if q.status == "answered"]
    assert [q.answer_summary for q in answered] == ["建立青年理论学习小组，加强日常监督。"]
    screen_context.close()
    for phone in phones:
        phone.context.close()
