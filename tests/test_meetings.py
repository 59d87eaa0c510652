from datetime import date

import pytest

from meeting import meetings, tokens
from meeting.errors import Conflict, Invalid, NotFound
from meeting.models import CLOSED, DRAFT, LIVE


def test_new_meeting_gets_preset_scheme_and_five_categories(db):
    meeting = meetings.create_meeting(db, "  年度述职会  ", "机关党组", date(2024, 1, 30), 2023)
    assert meeting.title == "年度述职会"
    assert meeting.year == 2023  # a January meeting about last year's work
    assert meeting.status == DRAFT
    assert [c.name for c in meeting.categories] == [
        "党组成员",
        "党委委员",
        "纪委委员",
        "党支部书记及支委",
        "党员代表",
    ]
    assert sum(c.weight for c in meeting.categories) == 100
    assert len(meeting.screen_key) >= 20


@pytest.mark.parametrize(
    ("title", "year"), [("", 2024), ("x" * 201, 2024), ("ok", 1999), ("ok", None)]
)
def test_bad_meeting_details_are_refused(db, title, year):
    with pytest.raises(Invalid):
        meetings.create_meeting(db, title, year=year)


def test_the_year_is_never_guessed_from_the_date(db):
    with pytest.raises(Invalid, match="年度"):
        meetings.create_meeting(db, "年度述职会", "机关党组", date(2025, 1, 20))


def test_unknown_meeting_is_not_found(db):
    with pytest.raises(NotFound):
        meetings.get_meeting(db, 4242)


def test_status_moves_forward_and_closed_is_final(db, make_meeting):
    meeting = make_meeting()
    meetings.set_status(db, meeting, LIVE)
    meetings.set_status(db, meeting, CLOSED)
    with pytest.raises(Conflict):
        meetings.set_status(db, meeting, LIVE)
    with pytest.raises(Conflict):  # the set-up is sealed with the ballots
        meetings.add_category(db, meeting, "列席人员", 0, False)


def test_meeting_cannot_go_live_unprepared(db, make_meeting):
    meeting = make_meeting(reporters_count=0, slips=None)
    with pytest.raises(Conflict, match="述职对象"):
        meetings.set_status(db, meeting, LIVE)
    meeting = make_meeting(title="有述职对象", slips=None)
    with pytest.raises(Conflict, match="测评票"):
        meetings.set_status(db, meeting, LIVE)


def test_category_weights_are_saved_together(db, make_meeting):
    meeting = make_meeting(slips=None)
    rows = [(c.id, c.name, 20, c.may_inquire) for c in meeting.categories]
    meetings.update_categories(db, meeting, rows)
    assert [c.weight for c in meeting.categories] == [20] * 5
    bad = [(c.id, c.name, 10, False) for c in meeting.categories]
    with pytest.raises(Invalid, match="100"):
        meetings.update_categories(db, meeting, bad)
    db.rollback()
    foreign = [(99999, "x", 100, False)]
    with pytest.raises(NotFound):
        meetings.update_categories(db, meeting, foreign)


def test_category_with_slips_cannot_be_deleted(db, make_meeting):
    meeting = make_meeting(slips=(1, 0, 0, 0, 0))
    first, second = meeting.categories[0], meeting.categories[1]
    with pytest.raises(Conflict):
        meetings.delete_category(db, meeting, first.id)
    meetings.delete_category(db, meeting, second.id)
    assert second not in meeting.categories
    with pytest.raises(Conflict):
        meetings.apply_category_preset(db, meeting)


def test_duplicate_category_name_is_refused(db, make_meeting):
    meeting = make_meeting(slips=None)
    with pytest.raises(Conflict):
        meetings.add_category(db, meeting, "党组成员", 0, False)
    with pytest.raises(Invalid):
        meetings.add_category(db, meeting, "新类别", "abc", False)


def test_scheme_is_validated_on_save(db, make_meeting):
    meeting = make_meeting()
    data = dict(meeting.scheme, thresholds=[["好", 60], ["差", None]], overall="")
    with pytest.raises(Invalid):
        meetings.save_scheme(db, meeting, data)


def test_sealed_meeting_refuses_new_slips(db, make_meeting):
    meeting = make_meeting(status=LIVE)
    meetings.set_status(db, meeting, CLOSED)
    with pytest.raises(Conflict):
        tokens.generate_tokens(db, meeting, meeting.categories[0], 1)


def test_sealing_stops_the_agenda_clock_where_it_stood(db, live_meeting):
    import time

    from meeting import agenda
    from meeting.models import MeetingState

    agenda.build_agenda(db, live_meeting)
    started = int(time.time() * 1000)
    agenda.start(db, live_meeting, started)
    state = db.get(MeetingState, live_meeting.id)
    assert state.timer_running and state.timer_ends_ms is not None
    ends = state.timer_ends_ms
    state.phase_timer = {"running": True, "ends_ms": ends + 5000, "remaining_ms": None}
    meetings.set_status(db, live_meeting, CLOSED)
    assert state.finished is True
    assert state.timer_running is False and state.timer_ends_ms is None
    # what was left when the meeting was sealed, not the full phase and not nothing
    assert 0 < state.timer_remaining_ms <= ends - started
    assert state.phase_timer["running"] is False and state.phase_timer["ends_ms"] is None
    assert state.phase_timer["remaining_ms"] == state.timer_remaining_ms + 5000


def test_sealing_a_meeting_whose_agenda_never_ran_needs_no_clock(db, live_meeting):
    meetings.set_status(db, live_meeting, CLOSED)
    assert live_meeting.status == CLOSED


def test_back_to_preparation_is_refused_once_a_real_round_exists(db, live_meeting):
    from meeting import rounds

    scoring_round = rounds.open_round(db, live_meeting, [r.id for r in live_meeting.reporters])
    rounds.close_round(db, scoring_round)
    with pytest.raises(Conflict, match="不能再返回筹备状态"):
        meetings.set_status(db, live_meeting, DRAFT)
    assert live_meeting.status == LIVE
    # a voided round counts nowhere: going back is allowed again
    rounds.void_round(db, scoring_round, "误开")
    meetings.set_status(db, live_meeting, DRAFT)
    assert live_meeting.status == DRAFT


def test_back_to_preparation_after_a_rehearsal_only_is_allowed(db, live_meeting):
    from meeting import rounds

    trial = rounds.open_rehearsal(db, live_meeting)
    rounds.end_rehearsal(db, trial)
    meetings.set_status(db, live_meeting, DRAFT)
    assert live_meeting.status == DRAFT
