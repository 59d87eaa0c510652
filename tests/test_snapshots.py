"""Live snapshots: complete, small, and never carrying what a ballot said."""

from __future__ import annotations

import json

from meeting import ballots, rounds, snapshots, tokens
from tests.helpers import full_lines


def _scene(db, live_meeting):
    scoring_round = rounds.open_round(db, live_meeting, [r.id for r in live_meeting.reporters])
    slip = tokens.list_tokens(db, live_meeting)[0]
    ballots.submit_ballot(
        db,
        slip.id,
        {
            "round": scoring_round.id,
            "submission": "snap-0001",
            "seq": 1,
            "lines": full_lines(live_meeting, scoring_round, grade="好"),  # invalid: quota
        },
    )
    db.commit()
    return scoring_round, slip


def test_every_snapshot_is_plain_json(db, live_meeting):
    _scene(db, live_meeting)
    for snapshot in (
        snapshots.delegate_state(db, live_meeting),
        snapshots.screen_state(db, live_meeting),
        snapshots.console_state(db, live_meeting),
    ):
        json.dumps(snapshot)


def keys(value) -> set[str]:
    """Every key anywhere in a JSON-like value."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys(v)}
    return set()


def test_the_phones_broadcast_carries_no_ballot(db, live_meeting):
    _scene(db, live_meeting)
    found = keys(snapshots.delegate_state(db, live_meeting))
    assert not found & {"answers", "problems", "valid", "invalid", "ballots"}


def test_the_projector_shows_turnout_but_no_validity_while_open(db, live_meeting):
    scoring_round, _ = _scene(db, live_meeting)
    screen = snapshots.screen_state(db, live_meeting)
    assert screen["round"]["id"] == scoring_round.id
    assert screen["turnout"]["voted"] == 1
    assert "valid" not in screen["turnout"] and "invalid" not in screen["turnout"]


def test_the_console_gets_the_agenda_rounds_and_turnout(db, live_meeting):
    scoring_round, _ = _scene(db, live_meeting)
    console = snapshots.console_state(db, live_meeting)
    assert console["open_round"]["id"] == scoring_round.id
    assert console["open_round"]["turnout"]["voted"] == 1
    assert [r["name"] for r in console["reporters"]] == ["述职人1", "述职人2", "述职人3"]
    assert all(r["scored"] for r in console["reporters"])


def test_between_rounds_the_phones_hear_what_comes_next_and_which_reports_exist(db, live_meeting):
    from meeting import agenda

    first, second, _ = live_meeting.reporters
    first.report_text = "一年来的工作。"
    second.on_site = True
    agenda.build_agenda(db, live_meeting)
    state = snapshots.delegate_state(db, live_meeting)
    assert state["next"] is None and state["recent_round"] is None  # not started
    agenda.start(db, live_meeting, 0)  # opening: next is the first report
    state = snapshots.delegate_state(db, live_meeting)
    assert state["now"]["phase"]["key"] == "opening"
    assert state["next"]["kind"] == "report"
    first_on_site = next(r for r in live_meeting.reporters if r.on_site)
    assert state["next"]["reporter"] == first_on_site.name
    agenda.advance(db, live_meeting, 0)  # that report: next is the following item
    state = snapshots.delegate_state(db, live_meeting)
    assert state["now"]["item"]["reporter"]["name"] == first_on_site.name
    assert state["next"] == {
        "kind": "report",
        "title": f"{second.name} 述职",
        "reporter": second.name,
    }
    assert state["reports"] == [
        {"id": first.id, "name": first.name, "unit": first.unit, "on_site": first.on_site}
    ]
    db.commit()


def test_the_phones_hear_of_the_round_that_ended_void_ones_included(db, live_meeting):
    scoring_round, _ = _scene(db, live_meeting)
    rounds.void_round(db, scoring_round, "试投")
    state = snapshots.delegate_state(db, live_meeting)
    assert state["round"] is None and state["last_round"] is None
    assert state["recent_round"] == {
        "id": scoring_round.id,
        "title": scoring_round.title,
        "status": "void",
        "rehearsal": False,
    }
    rehearsal = rounds.open_rehearsal(db, live_meeting)
    rounds.end_rehearsal(db, rehearsal)
    ended = snapshots.delegate_state(db, live_meeting)["recent_round"]
    assert ended["id"] == rehearsal.id and ended["rehearsal"] is True  # "试测已结束", not void
    again = rounds.open_round(db, live_meeting, [r.id for r in live_meeting.reporters])
    rounds.close_round(db, again)
    assert snapshots.delegate_state(db, live_meeting)["recent_round"]["status"] == "closed"
    # still nothing of any ballot, nor of any slip
    found = keys(snapshots.delegate_state(db, live_meeting))
    assert not found & {"answers", "problems", "valid", "invalid", "ballots", "token", "code"}


def test_a_round_tells_when_it_opened_so_phones_never_mix_it_with_a_deleted_one(db, live_meeting):
    scoring_round, _ = _scene(db, live_meeting)
    state = snapshots.delegate_state(db, live_meeting)
    assert state["round"]["opened"] == scoring_round.opened_at.isoformat()
    assert state["round"]["rehearsal"] is False
