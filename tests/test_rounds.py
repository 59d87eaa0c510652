import pytest

from meeting import ballots, meetings, rounds, tokens
from meeting.errors import Conflict, Invalid, NotFound
from meeting.models import CLOSED_ROUND, VOID, RoundToken
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


def test_revoked_token_that_voted_stays_eligible(db, live_meeting):
    scoring_round = rounds.open_round(db, live_meeting, ids(live_meeting))
    first, second = tokens.list_tokens(db, live_meeting)[:2]
    vote(db, first, scoring_round, live_meeting)
    tokens.revoke_token(db, first, replace=True)
    tokens.revoke_token(db, second, replace=False)
    counts = rounds.turnout(db, scoring_round)
    # 12 issued: one revoked voter still counts, one revoked non-voter does not, one replacement added
    assert counts.total_eligible == 12 and counts.total_voted == 1
    assert first.id not in {t.id for t in rounds.not_voted(db, scoring_round)}


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
