"""Issue 11, the phones: a WeChat phone at 360x640 through a meeting day.

A refused ballot points at its first problem, a long ballot has a jump list, between
rounds the phone says what is happening in the room, the report is one tap away in every
phase, the countdown and the offline notice stay inside the screen, a rehearsal round says
it counts nothing, and after sealing the phone says the meeting is over.
Every assertion is on what a delegate can see: boxes inside the viewport, text shown.
"""

from __future__ import annotations

from typing import Any

import pytest
import socketio
from sqlalchemy import select

from meeting import agenda, meetings
from meeting.models import BallotToken, Reporter, ScoringRound
from tests.builders import build_meeting
from tests.e2e.screens import PHONE, in_server, no_horizontal_scroll, seal_meeting, shoot, wait_text
from tests.helpers import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.server]

LINES = 4  # the party_building preset: three dimensions and the overall grade
GOOD, FAIR = 0, 1  # 好, 较好 on the sheet's buttons


def setup(server, reporters: int = 21, on_site: int = 4, agenda_built: bool = False, **kw: Any):  # type: ignore[no-untyped-def]
    """A live meeting; the on-site reporters have a report to read."""

    def build(db):  # type: ignore[no-untyped-def]
        scene = build_meeting(db, reporters_count=reporters, delegates=10, on_site=on_site, **kw)
        for reporter in db.scalars(select(Reporter).where(Reporter.meeting_id == scene.meeting_id)):
            reporter.report_text = f"{reporter.name}的述职报告。\n一年来的工作如下。"
        if agenda_built:
            agenda.build_agenda(db, meetings.get_meeting(db, scene.meeting_id))
        return scene

    return in_server(server, build)


def code_of(server, secret: str) -> str:  # type: ignore[no-untyped-def]
    return str(
        in_server(
            server,
            lambda db: db.scalar(select(BallotToken.code).where(BallotToken.secret == secret)),
        )
    )


def item_ids(server, meeting_id: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The agenda's item ids by kind (the first of each kind)."""

    def look(db):  # type: ignore[no-untyped-def]
        found: dict[str, int] = {}
        for item in agenda.list_items(db, meetings.get_meeting(db, meeting_id)):
            found.setdefault(item.kind, item.id)
        return found

    return in_server(server, look)


class Console:
    """The organiser's console as a bare Socket.IO client: it drives the agenda."""

    def __init__(self, server, meeting_id: int) -> None:  # type: ignore[no-untyped-def]
        self.http = server.login()
        self.server = server
        self.meeting_id = meeting_id
        self.client = socketio.Client(reconnection=False)
        cookie = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)
        self.client.connect(
            server.base_url,
            auth={"role": "organiser", "meeting": meeting_id},
            headers={"Cookie": cookie},
            transports=["websocket"],
        )

    def emit(self, event: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        ack = self.client.call(event, payload or {}, timeout=30)
        assert ack and ack.get("ok"), ack
        return ack

    def seal(self) -> None:
        seal_meeting(self.server, self.meeting_id, self.http)

    def go_to(self, kind: str) -> None:
        """Jump the agenda to the first item of this kind."""
        self.emit("agenda_goto", {"item": item_ids(self.server, self.meeting_id)[kind], "phase": 0})

    def close(self) -> None:
        self.client.disconnect()


def first_report(server, reporters: int):  # type: ignore[no-untyped-def]
    """A meeting (two reporters on site) started and at 述职人001's report, and the console
    that drives it."""
    scene = setup(server, reporters=reporters, on_site=2, open_round=False, agenda_built=True)
    console = Console(server, scene.meeting_id)
    console.emit("agenda_start")
    console.emit("agenda_next")
    return scene, console


def open_phone(browser, server, secret: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{server.base_url}/b/{secret}")
    return page


def in_view(page, selector: str) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """The element's box, asserted to lie inside the viewport and not under the sticky
    header or the bottom bar (unless it is part of them)."""
    box = page.evaluate(
        """(sel) => {
          const r = document.querySelector(sel).getBoundingClientRect();
          const header = document.querySelector('header.top');
          const bar = document.getElementById('bar');
          const top = header && !header.contains(document.querySelector(sel))
            ? header.getBoundingClientRect().bottom : 0;
          const bottom = bar && !bar.hidden && !bar.contains(document.querySelector(sel))
            ? bar.getBoundingClientRect().top : innerHeight;
          return {x: r.left, y: r.top, right: r.right, bottom: r.bottom, width: r.width,
                  height: r.height, top: top, floor: bottom, vw: innerWidth};
        }""",
        selector,
    )
    assert box["height"] > 0, selector
    assert box["x"] >= 0 and box["right"] <= box["vw"], (selector, box)
    assert box["y"] >= box["top"] - 1 and box["bottom"] <= box["floor"] + 1, (selector, box)
    return box


def line_ends(page, selector: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The last character of every line the element's text is laid out in."""
    return page.evaluate(
        """(sel) => {
          const node = document.querySelector(sel).firstChild;
          const text = node.textContent;
          const range = document.createRange();
          const ends = [];
          let lastTop = null;
          for (let i = 0; i < text.length; i++) {
            range.setStart(node, i);
            range.setEnd(node, i + 1);
            const rect = range.getClientRects()[0];
            if (!rect) { continue; }
            if (lastTop !== null && rect.top > lastTop + 2) { ends.push(text[i - 1]); }
            lastTop = rect.top;
          }
          ends.push(text[text.length - 1]);
          return ends;
        }""",
        selector,
    )


def fill(page, reporters: range, grade: int = FAIR) -> None:  # type: ignore[no-untyped-def]
    """Answer every line of these reporters (0-based) with the same grade."""
    for index in reporters:
        card = page.locator("#sheet .reporter").nth(index)
        for line in range(LINES):
            card.locator(".line").nth(line).locator(".choice").nth(grade).click()


def test_a_refused_21_reporter_ballot_points_at_its_first_problem(browser, live_server):
    scene = setup(live_server)
    phone = open_phone(browser, live_server, scene.secrets[0])
    phone.wait_for_selector("#sheet .reporter")
    assert phone.locator("#sheet .reporter").count() == 21

    # everything answered but one line of the 17th reporter
    fill(phone, range(16))
    fill(phone, range(17, 21))
    card = phone.locator("#sheet .reporter").nth(16)
    for line in range(LINES - 1):
        card.locator(".line").nth(line).locator(".choice").nth(FAIR).click()
    phone.evaluate("window.scrollTo(0, 0)")
    phone.click("#check")

    # the sheet stays, scrolled to the 17th reporter: its reason and the line at fault show
    rid = scene.reporter_ids[16]
    assert phone.locator("#panel-sheet").is_visible()
    in_view(phone, f"#rep-{rid} .fault-note")
    assert "此人还有 1 项未评" in phone.inner_text(f"#rep-{rid} .fault-note")
    in_view(phone, f"#rep-{rid} .line.fault")
    assert "未评" in phone.inner_text(f"#rep-{rid} .line.fault")
    # the reason and the submit button stay in reach at the bottom
    in_view_bar = phone.locator("#check").bounding_box()
    assert in_view_bar and in_view_bar["y"] + in_view_bar["height"] <= 640
    assert "还有\xa01\xa0名述职对象未评完" in phone.inner_text("#sheet-error")
    assert "已评 20/21" in phone.inner_text("#progress")
    no_horizontal_scroll(phone)
    shoot(phone, "phone/refused_21")

    # answering the line clears its mark at once
    card.locator(".line").nth(LINES - 1).locator(".choice").nth(FAIR).click()
    assert phone.locator(f"#rep-{rid}.fault").count() == 0

    # too many 好: one problem, pointed at on the first of them, with the rule spelled out;
    # the other six only get a calm hint
    for index in (2, 5, 8, 11, 14, 17, 19):
        phone.locator("#sheet .reporter").nth(index).locator(".line.overall .choice").nth(
            GOOD
        ).click()
    phone.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    phone.click("#check")
    first_top = scene.reporter_ids[2]
    in_view(phone, f"#rep-{first_top} .fault-note")
    rule = (
        "“好”最多可评\xa06\xa0人，现评了\xa07\xa0人，请改掉\xa01\xa0人。"  # numbers keep their 人
    )
    assert phone.inner_text(f"#rep-{first_top} .fault-note") == rule
    assert phone.inner_text("#sheet-error") == rule
    in_view(phone, f"#rep-{first_top} .line.overall.fault")
    assert phone.locator("#sheet .reporter.fault").count() == 1
    assert phone.locator("#sheet .line-note.hint").count() == 6
    assert phone.locator("#confirm").count() == 0  # nothing was sent
    shoot(phone, "phone/refused_quota")
    phone.context.close()


def test_a_long_ballot_has_a_jump_list_with_done_marks(browser, live_server):
    scene = setup(live_server)
    phone = open_phone(browser, live_server, scene.secrets[1])
    phone.wait_for_selector("#sheet .reporter")
    fill(phone, range(3))
    phone.click("#jump-toggle")
    buttons = phone.locator("#jump-list .jump-to")
    assert buttons.count() == 21
    assert phone.locator("#jump-list .jump-to.done").count() == 3
    in_view(phone, "#jump-list .jump-to:first-child")
    for i in (0, 10, 20):
        box = buttons.nth(i).bounding_box()
        assert box and box["height"] >= 44 and box["width"] >= 44
    no_horizontal_scroll(phone)
    shoot(phone, "phone/jump_list")
    # the 18th reporter, one tap away
    buttons.nth(17).click()
    assert phone.locator("#jump").is_hidden()
    in_view(phone, f"#rep-{scene.reporter_ids[17]} header")
    # the next unanswered line shows uncovered by its card's name
    card = phone.locator("#sheet .reporter").nth(3)
    card.locator(".line").nth(0).locator(".choice").nth(FAIR).click()
    phone.evaluate("window.scrollTo(0, 0)")
    phone.click("#next-open")
    line = in_view(phone, f"#rep-{scene.reporter_ids[3]} .line[data-k=d2] .choices")
    head = phone.locator(f"#rep-{scene.reporter_ids[3]} .card-head").bounding_box()
    assert head and head["y"] + head["height"] <= line["y"] + 1
    phone.context.close()


def test_between_rounds_the_phone_says_what_happens_in_the_room(browser, live_server):
    scene = setup(live_server, reporters=3, on_site=2, open_round=False, agenda_built=True)
    console = Console(live_server, scene.meeting_id)
    voter = open_phone(browser, live_server, scene.secrets[0])
    idle = open_phone(browser, live_server, scene.secrets[1])
    wait_text(idle, "#panel-status", "测评尚未开始")  # meeting not started

    console.emit("agenda_start")  # opening
    console.emit("agenda_next")  # 述职人001 reports
    for phone in (voter, idle):
        wait_text(phone, "#now", "正在进行：述职人001 述职")
        assert "测评尚未开始" not in phone.inner_text("body")
    # the report, one tap away, in every phase
    button = in_view(idle, "#now a.report-button")
    assert button["height"] >= 44

    console.emit("agenda_next")
    wait_text(idle, "#now", "正在点评：述职人001的述职")
    console.emit("speaker", {"name": "李清", "role": "机关党组书记"})
    wait_text(idle, "#now", "正在发言：机关党组书记 李清")
    assert in_view(idle, "#now a.report-button")["height"] >= 44
    no_horizontal_scroll(idle)
    shoot(idle, "phone/comment_phase")
    idle.click("#now a.report-button")
    idle.wait_for_selector("h1")
    assert "述职人001的述职报告" in idle.inner_text("main")
    assert in_view(idle, "a.back")["height"] >= 44
    no_horizontal_scroll(idle)
    shoot(idle, "phone/report_in_comment_phase")
    idle.go_back()

    console.emit("agenda_next")
    wait_text(idle, "#now", "正在询问：述职人001")
    wait_text(idle, "#now", "下一位：述职人002 述职")
    in_view(idle, "#now a.report-button")
    shoot(idle, "phone/inquiry_phase")

    # a round for 述职人001 opens from the console; one phone votes, the other does not
    opened = console.emit("open_round", {"reporters": [scene.reporter_ids[0]]})
    voter.wait_for_selector("#sheet .reporter")
    idle.wait_for_selector("#sheet .reporter")
    in_view(voter, "#sheet .report-link")
    assert voter.locator("#sheet .report-link").bounding_box()["height"] >= 44  # type: ignore[index]
    fill(voter, range(1))
    voter.click("#check")
    voter.click("#confirm")
    voter.wait_for_selector("#panel-done .ok")
    console.emit("close_round", {"round": opened["round"]})
    wait_text(voter, "#panel-status", "已结束，您的测评票已收到")
    wait_text(idle, "#panel-status", "已结束，本机没有提交测评票")
    assert "测评尚未开始" not in idle.inner_text("body")
    # and what is on now, still in the card above
    in_view(idle, "#now .now-head")
    assert "正在询问" in idle.inner_text("#now")

    console.emit("agenda_next")  # 述职人002: the next speaker talks
    wait_text(voter, "#now", "正在进行：述职人002 述职")
    assert "本轮测评已结束" not in voter.inner_text("body")
    shoot(voter, "phone/next_speaker")

    # a voided round says so
    again = console.emit("open_round", {"reporters": [scene.reporter_ids[1]]})
    idle.wait_for_selector("#sheet .reporter")
    console.emit("void_round", {"round": again["round"], "reason": "试投"})
    wait_text(idle, "#panel-status", "已作废")
    console.close()
    voter.context.close()
    idle.context.close()


def test_the_countdown_and_the_offline_notice_stay_on_the_screen(browser, live_server):
    scene, console = first_report(live_server, reporters=3)
    for _ in range(2):  # a long phase: more than 100 minutes left
        console.emit("timer", {"action": "add", "seconds": 60 * 60})
    phone = open_phone(browser, live_server, scene.secrets[0])
    wait_text(phone, "#now", "述职人001")
    wait_until(phone, "document.getElementById('now-clock').innerText.length >= 6")
    clock = in_view(phone, "#now-clock")
    card = in_view(phone, "#now")
    assert card["x"] <= clock["x"] and clock["right"] <= card["right"]
    assert card["y"] <= clock["y"] and clock["bottom"] <= card["bottom"]

    phone.context.set_offline(True)
    wait_until(phone, "!document.getElementById('offline').hidden", timeout=30000)
    banner = in_view(phone, "#offline")
    assert banner["right"] <= 360
    # no ballot open: nothing is kept on the phone, and the banner does not say so
    assert phone.inner_text("#offline") == "网络已断开，正在重新连接…"
    assert "已断开" in phone.inner_text("#connection")
    no_horizontal_scroll(phone)
    shoot(phone, "phone/offline")
    phone.context.set_offline(False)
    wait_until(phone, "document.getElementById('offline').hidden", timeout=30000)

    # with a ballot open, the answers are kept: the banner says so, in whole phrases
    console.emit("open_round", {"reporters": [scene.reporter_ids[0]]})
    phone.wait_for_selector("#sheet .reporter")
    phone.context.set_offline(True)
    wait_until(phone, "!document.getElementById('offline').hidden", timeout=30000)
    in_view(phone, "#offline")
    assert "已填内容保存在本机" in phone.inner_text("#offline")
    ends = line_ends(phone, "#offline")
    assert len(ends) >= 2 and all(end in "，。：；、" for end in ends), ends
    shoot(phone, "phone/offline_ballot")
    phone.context.set_offline(False)
    wait_until(phone, "document.getElementById('offline').hidden", timeout=30000)
    console.close()
    phone.context.close()


def test_a_rehearsal_round_says_it_counts_nothing(browser, live_server):
    scene = setup(live_server, reporters=2, on_site=2)

    def rehearse(db) -> None:  # type: ignore[no-untyped-def]
        scoring_round = db.get(ScoringRound, scene.round_id)
        scoring_round.rehearsal = True

    in_server(live_server, rehearse)
    phone = open_phone(browser, live_server, scene.secrets[0])
    phone.wait_for_selector("#sheet .reporter")
    in_view(phone, "#sheet-rehearsal")
    assert "试测：本轮不计入结果" in phone.inner_text("#sheet-rehearsal")
    fill(phone, range(1), GOOD)
    fill(phone, range(1, 2))
    phone.click("#check")
    assert "试测" in phone.inner_text("#panel-review")
    phone.click("#confirm")
    phone.wait_for_selector("#panel-done .ok")
    assert "试测：本轮不计入结果" in phone.inner_text("#panel-done")
    in_view(phone, "#panel-done .rehearsal")
    shoot(phone, "phone/rehearsal_done")

    # ending the rehearsal wipes its ballots; the phone says it is over, then the real
    # round shows a fresh sheet, never the practice answers
    console = Console(live_server, scene.meeting_id)
    assert console.emit("close_round", {"round": scene.round_id})["wiped"] == 1
    wait_text(phone, "#panel-status", "试测已结束")
    in_view(phone, "#panel-status")
    assert phone.locator("#panel-sheet").is_hidden()
    shoot(phone, "phone/rehearsal_over")
    real = console.emit("open_round", {"reporters": scene.reporter_ids})
    assert real["round"] != scene.round_id  # the rehearsal's id is never given again
    wait_until(phone, "document.querySelectorAll('#sheet .line').length === 8")
    wait_until(phone, "document.getElementById('sheet-rehearsal').hidden")
    assert phone.locator("#sheet .line.answered").count() == 0
    assert phone.locator("#panel-done").is_hidden()
    console.close()
    phone.context.close()


def test_after_sealing_the_phone_says_the_meeting_is_over(browser, live_server):
    scene, console = first_report(live_server, reporters=2)
    phone = open_phone(browser, live_server, scene.secrets[0])
    wait_text(phone, "#now", "述职人001")
    assert phone.locator("#now-clock").is_visible()
    asleep = open_phone(browser, live_server, scene.secrets[3])  # off the network meanwhile
    wait_text(asleep, "#now", "述职人001")
    asleep.context.set_offline(True)
    wait_until(asleep, "!document.getElementById('offline').hidden", timeout=30000)

    console.seal()
    wait_text(phone, "#panel-status", "本次会议已结束，感谢参与")
    # the phone that was away learns it when its connection is refused: calm, no error
    asleep.context.set_offline(False)
    wait_text(asleep, "#panel-status", "本次会议已结束，感谢参与")
    assert asleep.locator("#offline").is_hidden() and asleep.locator("#now").is_hidden()
    asleep.context.close()
    in_view(phone, "#panel-status .final")
    assert phone.locator("#now-clock").count() == 0  # no countdown running on
    assert phone.locator("#now").is_hidden()
    assert phone.locator("#bar").is_hidden()
    shoot(phone, "phone/sealed")

    # opening the slip again, or reloading the page: the same calm message
    again = phone.context.new_page()
    response = again.goto(f"{live_server.base_url}/b/{scene.secrets[1]}")
    assert response and response.status == 200
    assert "本次会议已结束，感谢参与" in again.inner_text("main")
    in_view(again, "main .final")
    phone.reload()
    assert "本次会议已结束，感谢参与" in phone.inner_text("main")
    no_horizontal_scroll(phone)
    # typing the code from the slip: the same
    again.goto(f"{live_server.base_url}/j")
    again.fill("input[name=code]", code_of(live_server, scene.secrets[2]))
    again.click("button[type=submit]")
    assert "本次会议已结束，感谢参与" in again.inner_text("main")
    console.close()
    phone.context.close()


def agenda_at(browser, server, reporters: int, kind: str, shown: str):  # type: ignore[no-untyped-def]
    """A meeting (one reporter on site) whose agenda stands at its first ``kind`` item, the
    console driving it, and a phone showing ``shown`` in the "now" card."""
    scene = setup(server, reporters=reporters, on_site=1, open_round=False, agenda_built=True)
    console = Console(server, scene.meeting_id)
    console.go_to(kind)
    phone = open_phone(browser, server, scene.secrets[0])
    wait_text(phone, "#now", shown)
    return console, phone


def test_the_written_reports_can_be_read_while_they_are_announced(browser, live_server):
    console, phone = agenda_at(browser, live_server, 4, "written", "阅读书面述职报告（3 份）")
    phone.click("#now details.written summary")
    links = phone.locator("#now details.written a.report-button")
    assert links.count() == 3
    for i in range(3):
        box = links.nth(i).bounding_box()
        assert box and box["height"] >= 44
    in_view(phone, "#now details.written li:last-child a")
    no_horizontal_scroll(phone)
    shoot(phone, "phone/written_phase")
    links.nth(2).click()
    assert "述职人004的述职报告" in phone.inner_text("main")
    console.close()
    phone.context.close()


def test_when_the_agenda_is_done_the_phone_thanks_and_counts_down_nothing(browser, live_server):
    console, phone = agenda_at(browser, live_server, 2, "closing", "正在进行：")
    assert phone.locator("#now-clock").is_visible()
    console.emit("agenda_next")
    wait_text(phone, "#panel-status", "会议议程已全部进行完毕，感谢您的参与")
    in_view(phone, "#panel-status .big")
    assert phone.locator("#now-clock").count() == 0
    assert "测评尚未开始" not in phone.inner_text("body")
    console.close()
    phone.context.close()


def body_count(page, fragment: str) -> int:  # type: ignore[no-untyped-def]
    """How often a sentence is shown on the page (the open jump list included)."""
    return int(page.evaluate("(f) => document.body.innerText.split(f).length - 1", fragment))


def test_a_quota_broken_by_every_card_is_one_calm_problem(browser, live_server):
    scene = setup(live_server)
    phone = open_phone(browser, live_server, scene.secrets[2])
    phone.wait_for_selector("#sheet .reporter")
    fill(phone, range(21), GOOD)  # 好 for all 21: over the quota, and all the same
    assert "“好” 21/6" in phone.inner_text("#progress")
    phone.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    phone.click("#check")

    # one problem, one wording, shown once in the bar and once at the first card
    rule = "“好”最多可评\xa06\xa0人，现评了\xa021\xa0人，请改掉\xa015\xa0人。"
    assert phone.inner_text("#sheet-error") == rule  # no "more problems": there are none
    first = scene.reporter_ids[0]
    in_view(phone, f"#rep-{first} .fault-note")
    assert phone.inner_text(f"#rep-{first} .fault-note") == rule
    # at 360 px the sentence wraps, but never between a number and its 人
    assert all(end not in "0123456789" for end in line_ends(phone, f"#rep-{first} .fault-note"))
    assert body_count(phone, rule) == 2
    assert body_count(phone, "无效票") == 0  # all-the-same is part of the same fault
    # the other twenty: a neutral hint on their overall line, not an error each
    assert phone.locator("#sheet .reporter.fault").count() == 1
    assert phone.locator("#sheet .fault-note:not([hidden])").count() == 1
    hints = phone.locator("#sheet .line-note.hint")
    assert hints.count() == 20
    assert hints.nth(0).inner_text() == "计入“好”名额"
    in_view(phone, "#check")
    no_horizontal_scroll(phone)
    shoot(phone, "phone/refused_all_top")

    # the jump list marks the one to fix and the cards on 好, and its legend explains both
    phone.click("#jump-toggle")
    assert phone.locator("#jump-list .jump-to.fault").count() == 1
    assert phone.locator("#jump-list .jump-to.top").count() == 20
    assert phone.locator("#jump-list .jump-to.done").count() == 0
    legend = phone.inner_text("#jump-legend")
    assert "! 需修改" in legend and "好 评了“好”" in legend and "已评完" not in legend
    in_view(phone, "#jump-legend")
    no_horizontal_scroll(phone)
    shoot(phone, "phone/refused_all_top_jump")

    # changing 15 of them leaves nothing to fix, and the hints go with the fault
    phone.click("#jump-toggle")
    for index in range(6, 21):
        phone.locator("#sheet .reporter").nth(index).locator(".line.overall .choice").nth(
            FAIR
        ).click()
    assert phone.locator("#sheet .reporter.fault").count() == 0
    assert phone.locator("#sheet .line-note.hint").count() == 0
    assert phone.inner_text("#sheet-error") == ""
    phone.click("#jump-toggle")
    assert "✓ 已评完" in phone.inner_text("#jump-legend")
    phone.context.close()


def test_when_scoring_closes_the_phone_says_it_is_over_and_what_is_next(browser, live_server):
    # entering the scoring item opens its round
    console, phone = agenda_at(browser, live_server, 3, "scoring", "测评")
    meeting_id = console.meeting_id
    round_id = in_server(
        live_server,
        lambda db: db.scalar(
            select(ScoringRound.id).where(
                ScoringRound.meeting_id == meeting_id, ScoringRound.status == "open"
            )
        ),
    )
    phone.wait_for_selector("#sheet .reporter")
    # above the sheet, the phase and the clock; the round's name only once, as its heading
    title = phone.inner_text("#sheet-title")
    assert title and title not in phone.inner_text("#now")
    assert body_count(phone, title) == 1
    shoot(phone, "phone/scoring_sheet")
    fill(phone, range(2))
    fill(phone, range(2, 3), GOOD)  # not all the same grade
    phone.click("#check")
    phone.click("#confirm")
    phone.wait_for_selector("#panel-done .ok")

    console.emit("close_round", {"round": round_id})
    wait_text(phone, "#now", "测评已结束 · 下一项：")
    assert phone.locator("#now-clock").count() == 0  # no frozen countdown
    assert "正在进行" not in phone.inner_text("#now")
    in_view(phone, "#now .now-head")
    wait_text(phone, "#panel-status", "您的测评票已收到")
    assert phone.inner_text("body").count("已结束") == 1  # said once, in the header
    no_horizontal_scroll(phone)
    shoot(phone, "phone/scoring_over")
    # the phone no longer holds what its slip voted: only that the ballot arrived
    stored = stored_drafts(phone)
    assert stored and all(
        d["answers"] == {} and "problems" not in (d["receipt"] or {}) for d in stored
    )
    console.seal()
    wait_text(phone, "#panel-status", "本次会议已结束")
    assert stored_drafts(phone) == []  # sealing leaves nothing of the meeting on the phone
    console.close()
    phone.context.close()


def stored_drafts(page) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """The drafts this page keeps in localStorage for the meeting."""
    return page.evaluate(
        """() => Object.keys(window.localStorage)
          .filter(k => k.indexOf('sanshu.') === 0)
          .map(k => JSON.parse(window.localStorage.getItem(k)))"""
    )


def test_the_now_card_says_each_thing_once_and_labels_the_answer_clock(browser, live_server):
    scene = setup(live_server, reporters=2, on_site=1, open_round=False, agenda_built=True)
    console = Console(live_server, scene.meeting_id)
    console.emit("agenda_start")
    phone = open_phone(browser, live_server, scene.secrets[0])
    wait_text(phone, "#now", "正在进行：会议开始")
    assert phone.inner_text("#now").count("会议开始") == 1
    console.emit("agenda_next")  # 述职人001 reports
    wait_text(phone, "#now", "正在进行：述职人001 述职")
    assert phone.inner_text("#now").count("述职人001") == 1
    console.emit("agenda_next")
    wait_text(phone, "#now", "正在点评：述职人001的述职")
    assert phone.inner_text("#now").count("点评") == 1
    console.emit("agenda_next")
    wait_text(phone, "#now", "正在询问：述职人001")
    assert phone.inner_text("#now").count("询问") == 1
    wait_until(phone, "/^\\d+:\\d\\d$/.test(document.getElementById('now-clock').innerText)")

    # a question is being answered: the clock is the answer's, and says so
    console.emit("timer", {"action": "answer", "seconds": 180})
    wait_text(phone, "#now-clock", "答问 ")
    clock = in_view(phone, "#now-clock")
    card = in_view(phone, "#now")
    assert card["x"] <= clock["x"] and clock["right"] <= card["right"]
    no_horizontal_scroll(phone)
    shoot(phone, "phone/answer_clock")
    console.close()
    phone.context.close()
