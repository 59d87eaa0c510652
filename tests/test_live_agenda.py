"""Agenda, questions and comments over Socket.IO (test client, synchronous pushes)."""

import json

import pytest

from meeting import agenda, tokens
from meeting.extensions import socketio
from tests.helpers import inbox


@pytest.fixture
def scene(app, db, make_meeting, make_organiser, open_console):
    meeting = make_meeting(reporters_count=2, on_site=2, slips=(2, 2, 2, 0, 0))
    agenda.build_agenda(db, meeting, per_report_rounds=True)
    db.commit()
    chair = open_console(meeting, create=True)
    asker = tokens.list_tokens(db, meeting)[0]
    return meeting, chair, asker


def to_inquiry_phase(chair):
    assert chair.emit("agenda_start", {}, callback=True)["ok"]
    for _ in range(3):
        assert chair.emit("agenda_next", {}, callback=True)["ok"]


def test_every_screen_follows_the_agenda(app, scene, join_phone, open_console):
    meeting, chair, asker = scene
    screen = socketio.test_client(
        app, auth={"role": "screen", "meeting": meeting.id, "key": meeting.screen_key}
    )
    phone = join_phone(asker)
    second_tab = open_console(meeting)
    assert chair.emit("agenda_start", {}, callback=True)["ok"]
    assert chair.emit("agenda_next", {}, callback=True)["ok"]
    for client in (screen, phone, second_tab):
        now = inbox(client)["state"][-1]["now"]
        assert now["phase"]["key"] == "report" and now["item"]["reporter"]["name"] == "述职人1"
        assert now["phase"]["label"] == "述职"
        assert now["timer"]["running"] and now["timer"]["ends_ms"] > 0


def test_questions_flow_from_phone_to_projector(app, db, scene, join_phone):
    meeting, chair, asker = scene
    to_inquiry_phase(chair)
    screen = socketio.test_client(
        app, auth={"role": "screen", "meeting": meeting.id, "key": meeting.screen_key}
    )
    phone = join_phone(asker)
    state = inbox(phone)["state"][-1]
    assert state["inquiry"]["open_for"]["name"] == "述职人1"
    payload = {
        "reporter": meeting.reporters[0].id,
        "text": "请问如何推动党建与业务深度融合？",
        "submission": "phone-q-0001",
    }
    ack = phone.emit("submit_inquiry", payload, callback=True)
    assert ack["ok"] and ack["status"] == "pending"
    assert (
        phone.emit("submit_inquiry", payload, callback=True)["question"] == ack["question"]
    )  # double tap
    screen_state = inbox(screen)["state"][-1]
    assert screen_state["inquiry"]["queue"] == [] and screen_state["inquiry"]["current"] is None
    assert "融合" not in json.dumps(
        screen_state, ensure_ascii=False
    )  # pending never on the projector
    console = inbox(chair)["state"][-1]
    assert [q["status"] for q in console["questions"]] == ["pending"]
    assert chair.emit("inquiry_approve", {"id": ack["question"]}, callback=True)["ok"]
    me = inbox(phone)["me"][-1]
    assert (
        me["questions"][0]["status"] == "approved"
        and me["questions"][0]["status_label"] == "排队中"
    )
    assert chair.emit("inquiry_asking", {"id": ack["question"]}, callback=True)["ok"]
    screen_state = inbox(screen)["state"][-1]
    assert screen_state["inquiry"]["current"]["text"].startswith("请问如何推动")
    assert screen_state["now"]["timer"]["duration_ms"] == 180_000  # answer countdown
    refused = chair.emit("inquiry_reject", {"id": ack["question"], "reason": "重复"}, callback=True)
    assert refused["ok"] is False and "不能进行此操作" in refused["error"]
    assert chair.emit(
        "inquiry_answered", {"id": ack["question"], "summary": "同研究同部署"}, callback=True
    )["ok"]


def test_phone_cannot_ask_when_closed_or_for_another_reporter(app, scene, join_phone):
    meeting, chair, asker = scene
    phone = join_phone(asker)
    payload = {
        "reporter": meeting.reporters[0].id,
        "text": "请问如何推动融合发展？",
        "submission": "phone-q-0002",
    }
    ack = phone.emit("submit_inquiry", payload, callback=True)
    assert ack["ok"] is False and "不能向该述职对象提问" in ack["error"]
    to_inquiry_phase(chair)
    ack = phone.emit(
        "submit_inquiry", dict(payload, reporter=meeting.reporters[1].id), callback=True
    )
    assert ack["ok"] is False
    for forged in ("x", {"reporter": True, "text": 5, "submission": "x"}, {"submission": ["a"]}):
        assert phone.emit("submit_inquiry", forged, callback=True)["ok"] is False


def test_leaving_an_open_scoring_phase_needs_consent(app, scene):
    _meeting, chair, _asker = scene
    to_inquiry_phase(chair)
    assert chair.emit("agenda_next", {}, callback=True)["ok"]  # scoring opens a round
    refused = chair.emit("agenda_next", {}, callback=True)
    assert refused["ok"] is False and refused["needs_close"] is True
    assert chair.emit("agenda_next", {"close_round": True}, callback=True)["ok"]
    state = inbox(chair)["state"][-1]
    assert (
        state["rounds"][0]["status"] == "closed"
        and state["now"]["item"]["reporter"]["name"] == "述职人2"
    )


def test_clerk_moderates_and_records_comments_but_does_not_move_the_agenda(
    app, db, scene, make_organiser, open_console
):
    meeting, chair, _asker = scene
    clerk = open_console(meeting, "clerk", "clerk", create=True)
    refused = clerk.emit("agenda_start", {}, callback=True)
    assert refused["ok"] is False and "没有权限" in refused["error"]
    to_inquiry_phase(chair)
    added = clerk.emit(
        "comment_add",
        {
            "reporter": meeting.reporters[0].id,
            "name": "李清",
            "role": "书记",
            "summary": "要持续擦亮品牌",
        },
        callback=True,
    )
    assert added["ok"]
    spoken = clerk.emit(
        "inquiry_add",
        {"reporter": meeting.reporters[0].id, "text": "请问学习如何更有实效？", "asker": "高天"},
        callback=True,
    )
    assert spoken["ok"]
    state = inbox(chair)["state"][-1]
    assert state["comments"][0]["summary"] == "要持续擦亮品牌"
    assert state["inquiry"]["queue"][0]["asker"] == "高天"


def test_phone_sees_the_timer_and_phase_after_reconnect(app, scene, join_phone):
    _meeting, chair, asker = scene
    chair.emit("agenda_start", {}, callback=True)
    chair.emit("timer", {"action": "pause"}, callback=True)
    phone = join_phone(asker)
    now = inbox(phone)["state"][-1]["now"]
    assert now["timer"]["running"] is False and now["timer"]["remaining_ms"] > 0


def test_forged_agenda_events_are_refused(app, scene, make_meeting, db, join_phone):
    _meeting, chair, asker = scene
    other = make_meeting(title="别的会议")
    foreign = agenda.build_agenda(db, other)[0]
    db.commit()
    for event, payload in [
        ("agenda_goto", {"item": foreign.id, "phase": 0}),
        ("agenda_goto", {"item": "1", "phase": 0}),
        ("timer", {"action": "explode"}),
        ("agenda_durations", {"item": foreign.id, "minutes": {"opening": 1}}),
        ("agenda_reorder", {"items": "1,2"}),
        ("inquiry_approve", {"id": 10**12}),
        ("comment_add", {"reporter": 10**12, "name": "x"}),
    ]:
        ack = chair.emit(event, payload, callback=True)
        assert ack["ok"] is False, (event, ack)
    phone = join_phone(asker)
    assert phone.emit("agenda_next", {}, callback=True)["ok"] is False


def test_a_double_click_records_a_comment_once(app, db, scene):
    from meeting.models import Comment

    meeting, chair, _asker = scene
    payload = {
        "reporter": meeting.reporters[0].id,
        "name": "王书记",
        "role": "党组书记",
        "summary": "抓党建工作思路清晰",
        "once": "double-click-key-0001",
    }
    first = chair.emit("comment_add", dict(payload), callback=True)
    second = chair.emit("comment_add", dict(payload), callback=True)
    assert first["ok"] and second["ok"] and first["comment"] == second["comment"]
    assert db.query(Comment).count() == 1
    third = chair.emit("comment_add", dict(payload, once="another-click-key-02"), callback=True)
    assert third["ok"] and db.query(Comment).count() == 2


def test_moving_on_ends_the_question_being_asked_on_the_askers_phone(app, db, scene, join_phone):
    """The chair moves on without pressing 已回答: the asker's phone must not show the
    question as being asked for the rest of the meeting."""
    meeting, chair, asker = scene
    to_inquiry_phase(chair)
    phone = join_phone(asker)
    payload = {
        "reporter": meeting.reporters[0].id,
        "text": "请问整改进度？",
        "submission": "q-move-0001",
    }
    question = phone.emit("submit_inquiry", payload, callback=True)["question"]
    assert chair.emit("inquiry_approve", {"id": question}, callback=True)["ok"]
    assert chair.emit("inquiry_asking", {"id": question}, callback=True)["ok"]
    inbox(phone)
    assert chair.emit("agenda_next", {}, callback=True)["ok"]  # on to scoring
    mine = inbox(phone)["me"][-1]["questions"]
    assert [q["status"] for q in mine] == ["answered"]
    screen_state = socketio.test_client(
        app, auth={"role": "screen", "meeting": meeting.id, "key": meeting.screen_key}
    )
    assert inbox(screen_state)["state"][-1]["inquiry"]["current"] is None
    # the summary can still be written afterwards, for the letter
    assert chair.emit("inquiry_answered", {"id": question, "summary": "年内完成"}, callback=True)[
        "ok"
    ]
