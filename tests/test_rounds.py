import pytest
from sqlalchemy import select

from meeting import ballots, meetings, rounds, tokens
from meeting.errors import Conflict, Invalid, NotFound
from meeting.models import CLOSED_ROUND, VOID, Ballot, RoundToken
from tests.helpers import full_lines


def ids(meeting):
    return [r.id for r in meeting.reporters]


def vote(db, token, scoring_round, meeting, n=0, **kw):
    payload = {
        "round": scoring_round.id,
        "submission": f"sub-{token.id}-{n:04d}",
        "seq": n,
        "lines": full_lines(meeting, scoring_round, **kw),
    }
    return ballots.submit_ballot(db, token.id, payload)


def test_round_needs_a_live_meeting(db, make_meeting):
    meeting = make_meeting()
    with pytest.raises(Conflict):
        rounds.open_round(db, meeting, ids(meeting))


def test_one_open_round_at_a_time_and_no_double_scoring(db, live_meeting):
    first = rounds.open_round(db, live_meeting, ids(live_meeting)[:1])
    with pytest.raises(Conflict):
        rounds.open_round(db, live_meeting, ids(live_meeting)[1:])
    for n, token in enumerate(tokens.list_tokens(db, live_meeting)[:7]):  # 7 of 12: quorum
        vote(db, token, first, live_meeting, n, grade="较好")
    rounds.close_round(db, first)
    with pytest.raises(Conflict, match="述职人1"):
        rounds.open_round(db, live_meeting, ids(live_meeting))
    second = rounds.open_round(db, live_meeting, ids(live_meeting)[1:])
    assert second.reporter_ids == ids(live_meeting)[1:]


@pytest.mark.parametrize("bad", [[], None, "1,2", [999999], [True]])
def test_bad_reporter_lists_are_refused(db, live_meeting, bad):
    with pytest.raises((Invalid, NotFound)):
        rounds.open_round(db, live_meeting, bad)


def test_reporters_are_kept_in_meeting_order(db, live_meeting):
    reverse = ids(live_meeting)[::-1]
    scoring_round = rounds.open_round(db, live_meeting, reverse + reverse[:1])
    assert scoring_round.reporter_ids == ids(live_meeting)
    assert scoring_round.title == "测评：3 名述职对象"


def test_close_freezes_who_was_eligible_and_who_voted(db, live_meeting):
    scoring_round = rounds.open_round(db, live_meeting, ids(live_meeting))
    all_tokens = tokens.list_tokens(db, live_meeting)
    vote(db, all_tokens[0], scoring_round, live_meeting)
    vote(db, all_tokens[5], scoring_round, live_meeting, grade="好")  # breaks the quota (1 of 3)
    rounds.close_round(db, scoring_round)
    db.commit()
    assert scoring_round.status == CLOSED_ROUND
    frozen = db.query(RoundToken).filter_by(round_id=scoring_round.id).all()
    assert len(frozen) == 12 and sum(r.voted for r in frozen) == 2
    assert scoring_round.summary["valid"] == 1 and scoring_round.summary["invalid"] == 1
    again = rounds.close_round(db, scoring_round)
    assert again.summary == scoring_round.summary
    assert db.query(RoundToken).filter_by(round_id=scoring_round.id).count() == 12
    # a slip issued after the close does not change the frozen numbers
    tokens.generate_tokens(db, live_meeting, live_meeting.categories[0], 3)
    assert rounds.turnout(db, scoring_round).total_eligible == 12


def test_a_replaced_slip_is_one_delegate_whenever_it_was_lost(db, live_meeting):
    scoring_round = rounds.open_round(db, live_meeting, ids(live_meeting))
    first, second, third = tokens.list_tokens(db, live_meeting)[:3]
    vote(db, first, scoring_round, live_meeting)
    replacement = tokens.revoke_token(db, first, replace=True)  # voted, then lost
    tokens.revoke_token(db, second, replace=False)  # never voted, gone
    vote(db, third, scoring_round, live_meeting)
    tokens.revoke_token(db, third, replace=False)  # voted, then gone: its ballot counts
    counts = rounds.turnout(db, scoring_round)
    # 12 slips printed: 9 untouched + the replaced delegate + the gone voter = 11 delegates
    assert counts.total_eligible == 11 and counts.total_voted == 2
    waiting = {t.id for t in rounds.not_voted(db, scoring_round)}
    assert first.id not in waiting and replacement.id not in waiting
    rounds.close_round(db, scoring_round)
    db.commit()
    assert rounds.turnout(db, scoring_round).total_eligible == 11
    frozen = db.scalars(select(RoundToken).where(RoundToken.round_id == scoring_round.id)).all()
    assert len(frozen) == 11 and sum(1 for row in frozen if row.voted) == 2
    assert replacement.id in {row.token_id for row in frozen if row.voted}


def test_a_slip_lost_before_voting_is_issued_once(db, live_meeting):
    scoring_round = rounds.open_round(db, live_meeting, ids(live_meeting))
    first = tokens.list_tokens(db, live_meeting)[0]
    replacement = tokens.revoke_token(db, first, replace=True)
    vote(db, replacement, scoring_round, live_meeting)
    counts = rounds.turnout(db, scoring_round)
    assert counts.total_eligible == 12 and counts.total_voted == 1


def test_void_needs_a_reason_then_rerun(db, live_meeting):
    scoring_round = rounds.open_round(db, live_meeting, ids(live_meeting))
    with pytest.raises(Invalid):
        rounds.void_round(db, scoring_round, "  ")
    with pytest.raises(Conflict):
        rounds.rerun_round(db, scoring_round)
    rounds.void_round(db, scoring_round, "投屏故障，重新测评")
    assert scoring_round.status == VOID
    assert not rounds.has_rounds(db, live_meeting)
    again = rounds.rerun_round(db, scoring_round)
    assert again.reporter_ids == scoring_round.reporter_ids and "重新测评" in again.title
    with pytest.raises(Conflict):
        rounds.close_round(db, scoring_round)


def test_scheme_is_frozen_once_scoring_started(db, live_meeting):
    rounds.open_round(db, live_meeting, ids(live_meeting))
    with pytest.raises(Conflict, match="测评已开始"):
        meetings.save_scheme(db, live_meeting, dict(live_meeting.scheme))


def test_round_of_another_meeting_is_not_found(db, live_meeting, make_meeting):
    other = make_meeting(title="其他会议", status="live")
    foreign = rounds.open_round(db, other, ids(other))
    with pytest.raises(NotFound):
        rounds.get_round(db, live_meeting, foreign.id)


def test_a_sealed_meeting_keeps_its_rounds(db, live_meeting):
    scoring_round = rounds.open_round(db, live_meeting, ids(live_meeting))
    with pytest.raises(Conflict, match="请先结束"):
        meetings.set_status(db, live_meeting, "closed")
    with pytest.raises(Conflict, match="请先结束"):
        meetings.set_status(db, live_meeting, "draft")
    rounds.close_round(db, scoring_round)
    meetings.set_status(db, live_meeting, "closed")
    with pytest.raises(Conflict, match="封存"):
        rounds.void_round(db, scoring_round, "事后作废")


def test_the_database_allows_one_open_round_per_meeting(db, live_meeting):
    from sqlalchemy.exc import IntegrityError

    from meeting.models import ScoringRound

    rounds.open_round(db, live_meeting, ids(live_meeting)[:1])
    db.commit()
    db.add(ScoringRound(meeting_id=live_meeting.id, title="抢先打开的第二轮", status="open"))
    with pytest.raises(IntegrityError):
        db.flush()


def test_a_result_that_missed_the_quorum_can_be_scored_again(db, live_meeting):
    first = rounds.open_round(db, live_meeting, ids(live_meeting))
    for n, token in enumerate(tokens.list_tokens(db, live_meeting)[:6]):  # 6 of 12: not > 50%
        vote(db, token, first, live_meeting, n)
    rounds.close_round(db, first)
    assert rounds.void_result_reporter_ids(db, live_meeting) == ids(live_meeting)
    assert rounds.scored_reporter_ids(db, live_meeting) == set()
    again = rounds.rescore_void_results(db, live_meeting)
    assert again.reporter_ids == ids(live_meeting) and "法定" not in again.title
    assert rounds.void_result_reporter_ids(db, live_meeting) == []  # being scored now
    with pytest.raises(Conflict):
        rounds.rescore_void_results(db, live_meeting)


# --------------------------------------------------------------------------- rehearsal (试测)


def test_rehearsal_opens_before_the_meeting_on_the_whole_sheet(db, make_meeting):
    meeting = make_meeting()  # still being prepared
    rehearsal = rounds.open_rehearsal(db, meeting)
    assert rehearsal.rehearsal and rehearsal.status == "open"
    assert rehearsal.reporter_ids == ids(meeting)
    assert rounds.get_open_round(db, meeting.id) is rehearsal
    with pytest.raises(Conflict, match="试测"):
        rounds.open_rehearsal(db, meeting)


def test_rehearsal_ballots_are_checked_like_real_ones_and_count_nowhere(db, live_meeting):
    from meeting import results

    rehearsal = rounds.open_rehearsal(db, live_meeting)
    slips = tokens.list_tokens(db, live_meeting)
    for n, token in enumerate(slips[:8]):
        vote(db, token, rehearsal, live_meeting, n, grade="较好")
    invalid = vote(db, slips[8], rehearsal, live_meeting, 9, grade="好")  # everyone 好: over quota
    assert not invalid.valid
    assert rounds.turnout(db, rehearsal).total_voted == 9
    assert rounds.scored_reporter_ids(db, live_meeting) == set()
    with pytest.raises(Conflict, match="试测"):
        rounds.open_round(db, live_meeting, ids(live_meeting))
    with pytest.raises(Conflict, match="试测"):
        rounds.close_round(db, rehearsal)
    statuses = {row.status for row in results.compute_results(db, live_meeting).reporters}
    assert statuses == {results.UNSCORED}  # not even "being scored"

    voters = rounds.end_rehearsal(db, rehearsal)
    assert sorted(voters) == sorted(t.id for t in slips[:9])
    assert db.scalars(select(Ballot)).all() == []
    assert rounds.list_rounds(db, live_meeting) == []
    assert not rounds.has_rounds(db, live_meeting)
    meetings.ensure_scheme_editable(db, live_meeting)  # the scheme is still free to change
    real = rounds.open_round(db, live_meeting, ids(live_meeting))
    assert real.id != rehearsal.id  # a late practice ballot can never land in a real round
    late = {"round": rehearsal.id, "submission": "sub-late-0001", "seq": 1}
    with pytest.raises(Conflict):
        ballots.submit_ballot(db, slips[0].id, dict(late, lines=full_lines(live_meeting, real)))
    with pytest.raises(Conflict):
        rounds.end_rehearsal(db, rehearsal)
    assert vote(db, slips[8], real, live_meeting, 1).valid  # its practice ballot is gone


def test_rehearsal_needs_slips_and_refuses_a_sealed_meeting(db, make_meeting):
    bare = make_meeting(slips=None)
    with pytest.raises(Conflict, match="测评票"):
        rounds.open_rehearsal(db, bare)
    sealed = make_meeting(title="已封存", status="live")
    meetings.set_status(db, sealed, "closed")
    with pytest.raises(Conflict):
        rounds.open_rehearsal(db, sealed)


def test_a_rehearsal_says_nothing_of_the_top_grades_a_slip_gave_before(db, make_meeting):
    """Per-meeting quota: a practice ballot typed in with someone's code must not tell how
    many top grades that slip gave in real rounds (it is checked on the whole quota)."""
    meeting = make_meeting(status="live", reporters_count=4)
    meeting.scheme = dict(meeting.scheme, top_quota_scope="meeting")
    db.flush()
    slip = tokens.list_tokens(db, meeting)[0]
    first = rounds.open_round(db, meeting, ids(meeting)[:2])
    limit = rounds.top_quota_limit(rounds.scheme_from_dict(meeting.scheme), 4)
    assert limit == 1
    vote(db, slip, first, meeting, 1, overrides={(first.reporter_ids[0], "overall"): "好"})
    rounds.close_round(db, first)
    with pytest.raises(Conflict):  # no rehearsal after real rounds in the first place
        rounds.open_rehearsal(db, meeting)
    # and should one exist anyway (an older database), its ballots still say nothing
    rehearsal = rounds.open_round(db, meeting, ids(meeting))
    rehearsal.rehearsal = True
    db.flush()
    one_top = {(rehearsal.reporter_ids[0], "overall"): "好"}
    receipt = vote(db, slip, rehearsal, meeting, 2, overrides=one_top)
    assert receipt.valid, receipt.problems
    rounds.end_rehearsal(db, rehearsal)
    second = rounds.open_round(db, meeting, ids(meeting)[2:])
    again = vote(
        db, slip, second, meeting, 3, overrides={(second.reporter_ids[0], "overall"): "好"}
    )
    assert not again.valid  # the real quota still counts the real round


def test_no_rehearsal_once_the_agenda_runs(db, live_meeting):
    from meeting import agenda

    agenda.build_agenda(db, live_meeting)
    agenda.start(db, live_meeting, 0)
    with pytest.raises(Conflict, match="议程开始前"):
        rounds.open_rehearsal(db, live_meeting)


def test_no_rehearsal_once_a_real_round_exists(db, live_meeting):
    real = rounds.open_round(db, live_meeting, ids(live_meeting)[:1])
    rounds.close_round(db, real)
    with pytest.raises(Conflict, match="议程开始前"):
        rounds.open_rehearsal(db, live_meeting)
