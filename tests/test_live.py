"""Socket.IO rules with Flask-SocketIO's test client (threading mode, pushes synchronous)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from meeting import rounds, tokens
from meeting.extensions import socketio
from meeting.models import Ballot, LoginSession
from tests.helpers import PASSWORD, full_lines, inbox, received


@pytest.fixture
def scene(app, db, live_meeting, make_organiser):
    scoring_round = rounds.open_round(db, live_meeting, [r.id for r in live_meeting.reporters])
    db.commit()
    token = tokens.list_tokens(db, live_meeting)[0]
    return live_meeting, scoring_round, token


def ballot(meeting, scoring_round, submission="phone-sub-0001", seq=1, **kw):
    return {
        "round": scoring_round.id,
        "submission": submission,
        "seq": seq,
        "lines": full_lines(meeting, scoring_round, **kw),
    }


def test_delegate_gets_both_snapshots_on_connect(app, scene, join_phone):
    _meeting, scoring_round, token = scene
    phone = join_phone(token)
    assert phone.is_connected()
    got = inbox(phone)
    state = got["state"][-1]
    assert state["round"]["id"] == scoring_round.id
    assert [r["name"] for r in state["round"]["reporters"]] == ["述职人1", "述职人2", "述职人3"]
    assert state["scheme"]["lines"][-1]["key"] == "overall"
    me = got["me"][-1]
    assert me["category"] == "党组成员" and me["ballots"] == {}


def test_socket_without_a_slip_is_refused(app, scene):
    anonymous = socketio.test_client(app, auth={"role": "delegate"})
    assert not anonymous.is_connected()


def test_revoked_slip_cannot_connect(app, db, scene):
    _meeting, _scoring_round, token = scene
    http = app.test_client()
    http.get(f"/b/{token.secret}")
    tokens.revoke_token(db, token, replace=False)
    db.commit()
    phone = socketio.test_client(app, flask_test_client=http, auth={"role": "delegate"})
    assert not phone.is_connected()


def test_ballot_is_acknowledged_after_commit_and_stored_once(app, db, scene, join_phone):
    meeting, scoring_round, token = scene
    phone = join_phone(token)
    ack = phone.emit("submit_ballot", ballot(meeting, scoring_round), callback=True)
    assert ack["ok"] and ack["valid"] and ack["revision"] == 1
    again = phone.emit("submit_ballot", ballot(meeting, scoring_round), callback=True)
    assert again["ok"] and again["duplicate"]
    db.expire_all()
    assert db.query(Ballot).count() == 1
    me_after_reload = join_phone(token)
    stored = received(me_after_reload, "me")[-1]["ballots"][str(scoring_round.id)]
    assert stored == {"seq": 1, "revision": 1, "round_status": "open"}


def test_other_devices_of_the_slip_get_the_receipt_and_nothing_else(app, db, scene, join_phone):
    meeting, scoring_round, token = scene
    sender, other = join_phone(token), join_phone(token)
    bystander = join_phone(tokens.list_tokens(db, meeting)[1])
    for phone in (sender, other, bystander):
        inbox(phone)  # drop what the connects brought
    sender.emit("submit_ballot", ballot(meeting, scoring_round, seq=3), callback=True)
    assert received(other, "receipt") == [{"round": scoring_round.id, "seq": 3, "revision": 1}]
    assert received(sender, "receipt") == []  # the sender has its acknowledgement
    assert received(bystander, "receipt") == []
    # a re-send of the same submission changes nothing: no second receipt
    sender.emit("submit_ballot", ballot(meeting, scoring_round, seq=3), callback=True)
    assert received(other, "receipt") == []


FORGED = [
    ("not a dict", "请求无法识别"),
    ({"round": "1", "submission": "phone-sub-0001", "seq": 1, "lines": []}, "不存在"),
    ({"round": 1, "submission": "phone-sub-0001", "seq": "1", "lines": []}, "刷新页面"),
    ({"round": 1, "submission": "<script>", "seq": 1, "lines": []}, "刷新页面"),
]


@pytest.mark.parametrize(("payload", "fragment"), FORGED)
def test_forged_events_get_an_error_ack_and_change_nothing(
    app, db, scene, payload, fragment, join_phone
):
    _meeting, _scoring_round, token = scene
    phone = join_phone(token)
    ack = phone.emit("submit_ballot", payload, callback=True)
    assert ack["ok"] is False and fragment in ack["error"]
    assert db.query(Ballot).count() == 0


def test_grade_not_on_scale_and_duplicate_lines_are_refused(app, db, scene, join_phone):
    meeting, scoring_round, token = scene
    phone = join_phone(token)
    body = ballot(meeting, scoring_round)
    body["lines"][0]["v"] = "优秀"
    assert "等次不在" in phone.emit("submit_ballot", body, callback=True)["error"]
    body = ballot(meeting, scoring_round)
    body["lines"][-1] = dict(body["lines"][0])
    assert "重复" in phone.emit("submit_ballot", body, callback=True)["error"]
    assert db.query(Ballot).count() == 0


def test_huge_payload_changes_nothing(app, db, scene, join_phone):
    meeting, scoring_round, token = scene
    phone = join_phone(token)
    body = ballot(meeting, scoring_round)
    body["lines"] = body["lines"] * 5000
    ack = phone.emit("submit_ballot", body, callback=True)
    assert ack["ok"] is False
    assert db.query(Ballot).count() == 0


def test_another_meetings_round_is_not_found(app, db, scene, make_meeting, join_phone):
    _meeting, _scoring_round, token = scene
    other = make_meeting(title="其他会议", status="live")
    foreign = rounds.open_round(db, other, [r.id for r in other.reporters])
    db.commit()
    phone = join_phone(token)
    ack = phone.emit("submit_ballot", ballot(other, foreign), callback=True)
    assert ack["ok"] is False and "不存在" in ack["error"]


def test_closed_round_refuses_and_phone_is_told(
    app, db, scene, make_organiser, join_phone, open_console
):
    meeting, scoring_round, token = scene
    phone = join_phone(token)
    console = open_console(meeting, create=True)
    assert console.is_connected()
    phone.get_received()
    ack = console.emit("close_round", {"round": scoring_round.id}, callback=True)
    assert ack["ok"] and ack["summary"]["voted"] == {}
    state = received(phone, "state")[-1]
    assert state["round"] is None and state["last_round"] == {
        "id": scoring_round.id,
        "status": "closed",
    }
    late = phone.emit("submit_ballot", ballot(meeting, scoring_round), callback=True)
    assert late["ok"] is False and "已结束" in late["error"]
    twice = console.emit("close_round", {"round": scoring_round.id}, callback=True)
    assert twice["ok"] and twice["summary"] == ack["summary"]


def test_projector_sees_turnout_but_never_grades(app, db, scene, join_phone):
    meeting, scoring_round, token = scene
    screen = socketio.test_client(
        app, auth={"role": "screen", "meeting": meeting.id, "key": meeting.screen_key}
    )
    assert screen.is_connected()
    phone = join_phone(token)
    phone.emit("submit_ballot", ballot(meeting, scoring_round), callback=True)
    state = received(screen, "state")[-1]
    assert state["turnout"]["voted"] == 1 and state["turnout"]["eligible"] == 12
    text = json.dumps(state, ensure_ascii=False)
    assert "较好" not in text and "answers" not in text


def test_projector_with_a_wrong_key_is_refused(app, scene):
    meeting, _, _ = scene
    for auth in (
        {"role": "screen", "meeting": meeting.id, "key": "guess"},
        {"role": "screen", "meeting": True, "key": meeting.screen_key},
        {"role": "screen"},
    ):
        assert not socketio.test_client(app, auth=auth).is_connected()


def test_organiser_events_need_an_organiser(
    app, db, scene, make_organiser, join_phone, open_console
):
    meeting, scoring_round, token = scene
    phone = join_phone(token)
    ack = phone.emit("close_round", {"round": scoring_round.id}, callback=True)
    assert ack["ok"] is False and "没有权限" in ack["error"]
    assert not socketio.test_client(
        app, auth={"role": "organiser", "meeting": meeting.id}
    ).is_connected()
    clerk = open_console(meeting, "clerk", "clerk", create=True)
    ack = clerk.emit("close_round", {"round": scoring_round.id}, callback=True)
    assert ack["ok"] is False and "没有权限" in ack["error"]
    db.expire_all()
    assert rounds.get_round(db, meeting, scoring_round.id).status == "open"


def test_console_lists_slips_that_have_not_voted_without_codes_or_validity(
    app, db, scene, make_organiser, join_phone, open_console
):
    meeting, scoring_round, token = scene
    console = open_console(meeting, create=True)
    # an invalid ballot: its validity must not be pairable with the slip leaving the list
    join_phone(token).emit(
        "submit_ballot", ballot(meeting, scoring_round, grade="好"), callback=True
    )
    state = received(console, "state")[-1]
    waiting = state["open_round"]["not_voted"]
    assert len(waiting) == 11 and token.serial not in [entry["serial"] for entry in waiting]
    every_code = {t.code for t in tokens.list_tokens(db, meeting)}
    shown = json.dumps(state, ensure_ascii=False)
    assert not any(code in shown or tokens.format_code(code) in shown for code in every_code)
    turnout = state["open_round"]["turnout"]
    assert "valid" not in turnout and "invalid" not in turnout
    assert all("valid" not in r for r in state["rounds"] if r["status"] == "open")


def test_organiser_opens_voids_and_reruns(app, db, scene, make_organiser, open_console):
    meeting, scoring_round, _token = scene
    console = open_console(meeting, create=True)
    refused = console.emit("open_round", {"reporters": [meeting.reporters[0].id]}, callback=True)
    assert refused["ok"] is False and "另有一轮" in refused["error"]
    assert (
        console.emit("void_round", {"round": scoring_round.id, "reason": ""}, callback=True)["ok"]
        is False
    )
    assert console.emit(
        "void_round", {"round": scoring_round.id, "reason": "设备故障"}, callback=True
    )["ok"]
    rerun = console.emit("rerun_round", {"round": scoring_round.id}, callback=True)
    assert rerun["ok"] and rerun["round"] != scoring_round.id


def test_flooding_phone_is_slowed_down(app, scene, join_phone):
    _meeting, _scoring_round, token = scene
    phone = join_phone(token)
    acks = [phone.emit("sync", {}, callback=True) for _ in range(40)]
    assert any(a["ok"] is False and "频繁" in a["error"] for a in acks)


def test_clock_sync_answers_with_server_time(app, scene, join_phone):
    _meeting, _scoring_round, token = scene
    phone = join_phone(token)
    answer = phone.emit("time", {"t": 123}, callback=True)
    assert answer["t"] == 123 and answer["server"] > 1_600_000_000_000


def test_phone_is_told_when_its_slip_is_revoked(app, db, scene, admin_client, join_phone):
    meeting, _scoring_round, token = scene
    phone = join_phone(token)
    phone.get_received()
    admin_client.post(f"/meetings/{meeting.id}/tokens/{token.id}/revoke", data={"replace": "1"})
    revoked = received(phone, "revoked")
    assert revoked and "已作废" in revoked[-1]["message"]


def test_phones_learn_that_the_meeting_has_ended(app, db, scene, admin_client, join_phone):
    meeting, scoring_round, token = scene
    phone = join_phone(token)
    phone.get_received()
    rounds.close_round(db, scoring_round)
    db.commit()
    admin_client.post(f"/meetings/{meeting.id}/status", data={"status": "closed"})
    assert received(phone, "state")[-1]["meeting"]["status"] == "closed"


def test_an_idle_organiser_socket_is_refused(app, db, scene, make_organiser):
    meeting, _, _ = scene
    make_organiser("admin")
    http = app.test_client()
    http.post("/login", data={"username": "admin", "password": PASSWORD})
    with http.session_transaction() as session:
        login = db.get(LoginSession, session["login"])
    login.last_seen_at = datetime(2000, 1, 1)  # long ago
    db.commit()
    console = socketio.test_client(
        app, flask_test_client=http, auth={"role": "organiser", "meeting": meeting.id}
    )
    assert not console.is_connected()


def test_logout_ends_the_consoles_of_that_login(app, db, scene, make_organiser):
    meeting, _, _ = scene
    make_organiser("admin")
    http = app.test_client()
    http.post("/login", data={"username": "admin", "password": PASSWORD})
    console = socketio.test_client(
        app, flask_test_client=http, auth={"role": "organiser", "meeting": meeting.id}
    )
    assert console.is_connected()
    http.post("/logout")
    assert not console.is_connected()


def test_a_busy_phone_is_told_to_retry(app, scene, join_phone):
    _meeting, _scoring_round, token = scene
    phone = join_phone(token)
    acks = [phone.emit("sync", {}, callback=True) for _ in range(40)]
    refused = [a for a in acks if not a["ok"]]
    assert refused and all(a.get("retry") is True for a in refused)


def test_rehearsal_round_runs_like_a_real_one_and_is_wiped_at_the_end(
    app, db, make_meeting, make_organiser, join_phone, open_console
):
    meeting = make_meeting()  # before the meeting starts: the room practises
    token = tokens.list_tokens(db, meeting)[0]
    console = open_console(meeting, create=True)
    phone = join_phone(token)
    opened = console.emit("open_rehearsal", {}, callback=True)
    assert opened["ok"] and opened["rehearsal"] is True
    state = received(phone, "state")[-1]
    assert state["round"]["rehearsal"] is True and state["round"]["id"] == opened["round"]
    assert len(state["round"]["reporters"]) == len(meeting.reporters)
    rehearsal = db.get(rounds.ScoringRound, opened["round"])
    ack = phone.emit(
        "submit_ballot", ballot(meeting, rehearsal, submission="rehearse-0001"), callback=True
    )
    assert ack["ok"]
    busy = console.emit("open_round", {"reporters": [meeting.reporters[0].id]}, callback=True)
    assert busy["ok"] is False and "试测" in busy["error"]
    phone.get_received()
    ended = console.emit("close_round", {"round": opened["round"]}, callback=True)
    assert ended["ok"] and ended["wiped"] == 1
    assert db.scalars(rounds.select(Ballot)).all() == []
    assert db.get(rounds.ScoringRound, opened["round"]).entries == []
    pushed = inbox(phone)
    assert pushed["state"][-1]["round"] is None
    assert pushed["me"][-1]["ballots"] == {}  # the practice ballot is gone from the phone too
    late = phone.emit(
        "submit_ballot", ballot(meeting, rehearsal, submission="rehearse-0002"), callback=True
    )
    assert late["ok"] is False and "未被记录" in late["error"]
    console_state = received(console, "state")[-1]
    assert console_state["open_round"] is None and console_state["rounds"] == []
