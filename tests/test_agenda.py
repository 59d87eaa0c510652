"""The phase machine and the countdown (times are passed in: no clock)."""

import pytest

from meeting import agenda, rounds
from meeting.errors import Conflict, Invalid, NotFound
from meeting.models import OPEN

T0 = 1_700_000_000_000


@pytest.fixture
def meeting(make_meeting):
    # 3 reporters, the first on site: opening, 1 report, written block, closing
    return make_meeting(reporters_count=3, on_site=1)


def position(db, meeting):
    state = agenda.get_state(db, meeting)
    item = db.get(agenda.AgendaItem, state.item_id) if state.item_id else None
    return (item.kind if item else None, item.phases[state.phase_index]["key"] if item else None)


def test_agenda_is_built_from_the_reporters(db, meeting):
    """As in seed 002: the reports first, then everybody scores every official together."""
    items = agenda.build_agenda(db, meeting)
    assert [i.kind for i in items] == ["opening", "report", "written", "scoring", "closing"]
    assert [p["key"] for p in items[1].phases] == ["report", "comment", "inquiry"]
    assert items[1].title == "述职人1 述职" and items[1].reporter_id == meeting.reporters[0].id
    assert [p["key"] for p in items[3].phases] == ["scoring"]
    with pytest.raises(Conflict):
        agenda.build_agenda(db, meeting)
    assert len(agenda.build_agenda(db, meeting, replace=True)) == 5


def test_per_report_rounds_are_an_option(db, meeting):
    items = agenda.build_agenda(db, meeting, per_report_rounds=True)
    assert [i.kind for i in items] == ["opening", "report", "written", "closing"]
    assert [p["key"] for p in items[1].phases] == ["report", "comment", "inquiry", "scoring"]
    assert [p["key"] for p in items[2].phases] == ["written", "scoring"]


def test_the_default_agenda_scores_everyone_on_one_ballot(db, meeting):
    agenda.build_agenda(db, meeting)
    agenda.start(db, meeting, T0)
    while position(db, meeting) != ("scoring", "scoring"):
        agenda.advance(db, meeting, T0)
    open_round = rounds.get_open_round(db, meeting.id)
    assert open_round.reporter_ids == [r.id for r in meeting.reporters]


def test_walk_through_every_phase_and_back(db, meeting):
    agenda.build_agenda(db, meeting, per_report_rounds=True)
    agenda.start(db, meeting, T0)
    assert meeting.status == "live"  # starting the agenda starts the meeting
    walk = [position(db, meeting)]
    while not agenda.get_state(db, meeting).finished:
        agenda.advance(db, meeting, T0, close_round=True)
        walk.append(position(db, meeting))
    assert walk == [
        ("opening", "opening"),
        ("report", "report"),
        ("report", "comment"),
        ("report", "inquiry"),
        ("report", "scoring"),
        ("written", "written"),
        ("written", "scoring"),
        ("closing", "closing"),
        (None, None),
    ]
    agenda.back(db, meeting, T0)
    assert position(db, meeting) == ("closing", "closing")
    agenda.back(db, meeting, T0)
    assert position(db, meeting) == ("written", "scoring")


def test_scoring_phase_opens_the_round_and_leaving_needs_consent(db, meeting):
    agenda.build_agenda(db, meeting, per_report_rounds=True)
    agenda.start(db, meeting, T0)
    for _ in range(4):
        agenda.advance(db, meeting, T0)
    open_round = rounds.get_open_round(db, meeting.id)
    assert open_round.status == OPEN and open_round.reporter_ids == [meeting.reporters[0].id]
    with pytest.raises(Conflict) as info:
        agenda.advance(db, meeting, T0)
    assert info.value.detail["needs_close"] is True
    agenda.advance(db, meeting, T0, close_round=True)
    assert open_round.status == "closed"
    agenda.advance(db, meeting, T0)  # written block: its scoring opens one round for both
    assert rounds.get_open_round(db, meeting.id).reporter_ids == [
        r.id for r in meeting.reporters[1:]
    ]


def test_questions_open_only_in_the_inquiry_phase(db, meeting):
    agenda.build_agenda(db, meeting)
    agenda.start(db, meeting, T0)
    agenda.advance(db, meeting, T0)
    agenda.advance(db, meeting, T0)
    assert agenda.get_state(db, meeting).inquiry_reporter_id is None
    agenda.advance(db, meeting, T0)
    assert agenda.get_state(db, meeting).inquiry_reporter_id == meeting.reporters[0].id
    agenda.advance(db, meeting, T0)
    assert agenda.get_state(db, meeting).inquiry_reporter_id is None


def test_countdown_is_an_absolute_end_time(db, meeting):
    agenda.build_agenda(db, meeting)
    agenda.start(db, meeting, T0)
    agenda.advance(db, meeting, T0)  # report: 8 minutes
    state = agenda.get_state(db, meeting)
    assert state.timer_ends_ms == T0 + 8 * 60_000
    assert agenda.remaining_ms(state, T0 + 60_000) == 7 * 60_000
    agenda.timer(db, meeting, "pause", T0 + 60_000)
    assert agenda.remaining_ms(state, T0 + 10 * 60_000) == 7 * 60_000  # paused: frozen
    agenda.timer(db, meeting, "resume", T0 + 10 * 60_000)
    assert state.timer_ends_ms == T0 + 17 * 60_000
    agenda.timer(db, meeting, "add", T0 + 10 * 60_000, 60)
    assert agenda.remaining_ms(state, T0 + 10 * 60_000) == 8 * 60_000
    assert agenda.remaining_ms(state, T0 + 20 * 60_000) == -2 * 60_000  # overtime, not zero
    agenda.timer(db, meeting, "reset", T0 + 20 * 60_000)
    assert not state.timer_running and state.timer_remaining_ms == 9 * 60_000


@pytest.mark.parametrize(
    ("action", "seconds"), [("explode", None), ("add", "60"), ("add", 99999), ("add", True)]
)
def test_bad_timer_actions_are_refused(db, meeting, action, seconds):
    agenda.start(db, meeting, T0)
    with pytest.raises(Invalid):
        agenda.timer(db, meeting, action, T0, seconds)


def test_durations_are_set_in_minutes(db, meeting):
    items = agenda.build_agenda(db, meeting)
    agenda.set_durations(
        db, meeting, items[1].id, {"report": "10", "comment": 2.5}, answer_minutes=4
    )
    phases = {p["key"]: p for p in items[1].phases}
    assert phases["report"]["seconds"] == 600 and phases["comment"]["seconds"] == 150
    assert phases["inquiry"]["answer_seconds"] == 240
    for bad in ("abc", "0", "-5", "1000"):
        with pytest.raises(Invalid):
            agenda.set_durations(db, meeting, items[1].id, {"report": bad})


def test_items_are_added_removed_and_reordered(db, meeting, make_meeting):
    items = agenda.build_agenda(db, meeting)
    extra = agenda.add_item(db, meeting, "custom", "领导讲话")
    assert extra.position == 5 and [p["key"] for p in extra.phases] == ["custom"]
    agenda.reorder_items(db, meeting, [extra.id] + [i.id for i in items])
    assert agenda.list_items(db, meeting)[0].title == "领导讲话"
    with pytest.raises(Invalid):
        agenda.reorder_items(db, meeting, [extra.id])
    other = make_meeting(title="别的会议")
    foreign = agenda.add_item(db, other, "custom", "x")
    with pytest.raises(NotFound):
        agenda.remove_item(db, meeting, foreign.id)
    agenda.start(db, meeting, T0)
    with pytest.raises(Conflict):
        agenda.remove_item(db, meeting, extra.id)  # it is on now
    agenda.remove_item(db, meeting, items[3].id)
    with pytest.raises(Invalid):
        agenda.add_item(db, meeting, "party")


def test_finished_or_sealed_meeting_does_not_move(db, meeting):
    agenda.build_agenda(db, meeting)
    agenda.start(db, meeting, T0)
    while not agenda.get_state(db, meeting).finished:
        agenda.advance(db, meeting, T0, close_round=True)
    with pytest.raises(Conflict):
        agenda.advance(db, meeting, T0)
    with pytest.raises(Conflict):
        agenda.timer(db, meeting, "pause", T0)
    from meeting import meetings

    meetings.set_status(db, meeting, "closed")
    with pytest.raises(Conflict):
        agenda.back(db, meeting, T0)


def test_go_to_any_phase(db, meeting):
    items = agenda.build_agenda(db, meeting)
    agenda.go_to(db, meeting, items[1].id, 2, T0)
    assert position(db, meeting) == ("report", "inquiry")
    with pytest.raises(Invalid):
        agenda.go_to(db, meeting, items[1].id, 9, T0)


def test_a_stale_move_is_refused_instead_of_skipping_a_phase(db, meeting):
    agenda.build_agenda(db, meeting)
    state = agenda.start(db, meeting, T0)
    seen = state.version
    agenda.advance(db, meeting, T0, expected=seen)  # the chair's click
    with pytest.raises(Conflict, match="已有变化"):
        agenda.advance(db, meeting, T0, expected=seen)  # the double click, or the second console
    assert position(db, meeting) == ("report", "report")


@pytest.mark.parametrize("minutes", ["nan", "inf", "-inf", "1e400"])
def test_non_finite_durations_are_refused(db, meeting, minutes):
    items = agenda.build_agenda(db, meeting)
    with pytest.raises(Invalid):
        agenda.set_durations(db, meeting, items[0].id, {"opening": minutes})


def test_reorder_with_ids_as_text_is_refused(db, meeting):
    items = agenda.build_agenda(db, meeting)
    with pytest.raises(Invalid):
        agenda.reorder_items(db, meeting, [str(i.id) for i in items])
