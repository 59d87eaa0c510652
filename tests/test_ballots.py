import pytest

from meeting import ballots, meetings, rounds, tokens
from meeting.errors import Conflict, Forbidden, Invalid, NotFound
from meeting.models import Ballot
from meeting.scoring import Problem
from meeting.views.delegate import PHONE_TEXT
from tests.helpers import full_lines


@pytest.fixture
def setup(db, live_meeting):
    scoring_round = rounds.open_round(db, live_meeting, [r.id for r in live_meeting.reporters])
    token = tokens.list_tokens(db, live_meeting)[0]
    db.commit()
    return live_meeting, scoring_round, token


def payload(meeting, scoring_round, submission="submission-1", seq=1, **kw):
    return {
        "round": scoring_round.id,
        "submission": submission,
        "seq": seq,
        "lines": full_lines(meeting, scoring_round, **kw),
    }


def stored(db):
    return db.query(Ballot).all()


def test_valid_ballot_is_stored_once(db, setup):
    meeting, scoring_round, token = setup
    receipt = ballots.submit_ballot(db, token.id, payload(meeting, scoring_round))
    assert receipt.valid and receipt.revision == 1 and not receipt.duplicate
    again = ballots.submit_ballot(db, token.id, payload(meeting, scoring_round))
    assert again.duplicate and again.revision == 1
    assert len(stored(db)) == 1
    ballot = stored(db)[0]
    assert ballot.category_id == token.category_id and 10_000_000 <= ballot.number <= 99_999_999


def test_changed_ballot_replaces_the_old_one(db, setup):
    meeting, scoring_round, token = setup
    ballots.submit_ballot(db, token.id, payload(meeting, scoring_round))
    rid = scoring_round.reporter_ids[0]
    receipt = ballots.submit_ballot(
        db,
        token.id,
        payload(meeting, scoring_round, "submission-2", 2, overrides={(rid, "overall"): "好"}),
    )
    assert receipt.revision == 2
    [ballot] = stored(db)
    assert ballot.answers[str(rid)]["overall"] == "好"


def test_older_version_arriving_late_loses(db, setup):
    meeting, scoring_round, token = setup
    ballots.submit_ballot(
        db, token.id, payload(meeting, scoring_round, "submission-5", 5, grade="一般")
    )
    late = ballots.submit_ballot(
        db, token.id, payload(meeting, scoring_round, "submission-4", 4, grade="较好")
    )
    assert late.superseded and late.submission == "submission-5"
    assert stored(db)[0].answers[str(scoring_round.reporter_ids[0])]["overall"] == "一般"


@pytest.mark.parametrize(
    ("grade", "overrides", "fragment"),
    [
        ("好", {}, "最多可评"),  # 3 x 好 > quota max(1, floor(3 x 30%)) = 1
        ("一般", {}, "无效票"),  # same overall grade for all three
    ],
)
def test_rule_breaking_ballot_is_stored_as_invalid(db, setup, grade, overrides, fragment):
    meeting, scoring_round, token = setup
    receipt = ballots.submit_ballot(
        db, token.id, payload(meeting, scoring_round, grade=grade, overrides=overrides)
    )
    assert not receipt.valid and any(fragment in p for p in receipt.problems)
    assert stored(db)[0].valid is False


@pytest.mark.parametrize(
    ("grade", "explained"),
    [
        # 3 x 好 breaks the quota (1) and is all the same grade: one fault, said once
        ("好", ["“好”最多可评 1 人，现评了 3 人，请改掉 2 人。"]),
        ("一般", ["所有人的总体评价都是“一般”，按规定为无效票，请至少改一人。"]),
    ],
)
def test_an_invalid_ballot_is_explained_once_in_the_phones_words(db, setup, grade, explained):
    meeting, scoring_round, token = setup
    receipt = ballots.submit_ballot(db, token.id, payload(meeting, scoring_round, grade=grade))
    assert receipt.problems == explained
    # the phone checks with the very same sentences
    phone = {key: str(value) for key, value in PHONE_TEXT.items()}
    assert {phone["top_quota"], phone["same_grade"]} == {
        str(ballots.TOP_QUOTA),
        str(ballots.SAME_GRADE),
    }


def test_incomplete_ballot_is_invalid_and_names_the_reporter(db, setup):
    meeting, scoring_round, token = setup
    body = payload(meeting, scoring_round)
    missing_rid = scoring_round.reporter_ids[1]
    body["lines"] = [
        line for line in body["lines"] if not (line["r"] == missing_rid and line["k"] == "d2")
    ]
    receipt = ballots.submit_ballot(db, token.id, body)
    assert not receipt.valid and "述职人2" in receipt.problems[0]


def test_abstain_counts_as_answered(db, setup):
    meeting, scoring_round, token = setup
    rid = scoring_round.reporter_ids[0]
    overrides = {
        (rid, "overall"): None,
        (rid, "d1"): None,
        (scoring_round.reporter_ids[1], "overall"): "好",
    }
    assert ballots.submit_ballot(
        db, token.id, payload(meeting, scoring_round, overrides=overrides)
    ).valid


def _bad(meeting, scoring_round, change):
    body = payload(meeting, scoring_round)
    change(body)
    return body


def _set_line(index, **fields):
    def change(body):
        body["lines"][index] = dict(body["lines"][index], **fields)

    return change


@pytest.mark.parametrize(
    "change",
    [
        lambda b: b.update(lines="好"),
        lambda b: b.update(lines=[["r", "k", "v"]]),
        lambda b: b.update(lines=b["lines"] * 2),
        lambda b: b["lines"].__setitem__(-1, dict(b["lines"][0])),
        _set_line(0, v="优秀"),
        _set_line(0, v=90),
        _set_line(0, k="d9"),
        _set_line(0, r=999999),
        _set_line(0, r="1"),
        lambda b: b["lines"][0].update(extra=1),
        lambda b: b.update(submission="x"),
        lambda b: b.update(submission=12345678),
        lambda b: b.update(seq=-1),
        lambda b: b.update(seq="1"),
        lambda b: b.update(seq=True),
    ],
    ids=[
        "not-a-list",
        "not-objects",
        "too-many",
        "duplicate-line",
        "off-scale",
        "number-in-grade-mode",
        "unknown-line",
        "foreign-reporter",
        "string-id",
        "extra-field",
        "short-submission",
        "numeric-submission",
        "negative-seq",
        "string-seq",
        "bool-seq",
    ],
)
def test_malformed_ballots_are_refused_and_nothing_is_stored(db, setup, change):
    meeting, scoring_round, token = setup
    with pytest.raises(Invalid) as info:
        ballots.submit_ballot(db, token.id, _bad(meeting, scoring_round, change))
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(info.value.message))  # a Chinese message
    db.rollback()
    assert stored(db) == []


def test_malformed_resend_does_not_harm_the_stored_ballot(db, setup):
    meeting, scoring_round, token = setup
    ballots.submit_ballot(db, token.id, payload(meeting, scoring_round))
    db.commit()
    with pytest.raises(Invalid):
        ballots.submit_ballot(
            db,
            token.id,
            _bad(meeting, scoring_round, _set_line(0, v="优秀"))
            | {"submission": "submission-9", "seq": 9},
        )
    db.rollback()
    [ballot] = stored(db)
    assert ballot.submission_id == "submission-1" and ballot.valid


def test_closed_and_void_and_foreign_rounds_are_refused(db, setup, make_meeting):
    meeting, scoring_round, token = setup
    rounds.close_round(db, scoring_round)
    with pytest.raises(Conflict, match="已结束"):
        ballots.submit_ballot(db, token.id, payload(meeting, scoring_round))
    rounds.void_round(db, scoring_round, "重来")
    with pytest.raises(Conflict, match="已作废"):
        ballots.submit_ballot(db, token.id, payload(meeting, scoring_round))
    other = make_meeting(title="其他会议", status="live")
    foreign = rounds.open_round(db, other, [r.id for r in other.reporters])
    with pytest.raises(NotFound):
        ballots.submit_ballot(db, token.id, payload(other, foreign))
    for bad_id in (None, "1", 10**12, True):
        with pytest.raises(NotFound):
            ballots.submit_ballot(db, token.id, payload(meeting, scoring_round) | {"round": bad_id})


def test_numeric_ballots(db, make_meeting):
    meeting = make_meeting(preset="numeric", status="live")
    scoring_round = rounds.open_round(db, meeting, [r.id for r in meeting.reporters])
    token = tokens.list_tokens(db, meeting)[0]
    good = payload(meeting, scoring_round, grade=88.5)
    assert ballots.submit_ballot(db, token.id, good).valid
    for bad in (100.5, -1, 88.25, "88", float("nan"), None):
        body = payload(meeting, scoring_round, "submission-x", 2, grade=bad)
        with pytest.raises(Invalid):
            ballots.submit_ballot(db, token.id, body)


def test_sealed_meeting_refuses_the_token(db, setup):
    meeting, scoring_round, token = setup
    rounds.close_round(db, scoring_round)
    meetings.set_status(db, meeting, "closed")
    with pytest.raises(Forbidden):
        tokens.check_token(db, token.id)


def test_my_ballots_shows_the_phone_what_is_stored(db, setup):
    meeting, scoring_round, token = setup
    ballots.submit_ballot(db, token.id, payload(meeting, scoring_round))
    mine = ballots.list_my_ballots(db, token)
    assert mine[str(scoring_round.id)] == {"seq": 1, "revision": 1, "round_status": "open"}
    other = tokens.list_tokens(db, meeting)[1]
    assert ballots.list_my_ballots(db, other) == {}
    rounds.close_round(db, scoring_round)
    assert ballots.list_my_ballots(db, token) == {
        str(scoring_round.id): {"round_status": "closed", "voted": True}
    }


def test_a_replacement_slip_takes_over_the_ballot_of_the_slip_it_replaces(db, setup):
    meeting, scoring_round, token = setup
    ballots.submit_ballot(db, token.id, payload(meeting, scoring_round, "first-phone-01", 5))
    replacement = tokens.revoke_token(db, token, replace=True)
    rid = scoring_round.reporter_ids[0]
    receipt = ballots.submit_ballot(
        db,
        replacement.id,
        payload(meeting, scoring_round, "second-phone-1", 1, overrides={(rid, "overall"): "一般"}),
    )
    assert receipt.revision == 2 and not receipt.superseded  # a new device counts from 1 again
    [ballot] = stored(db)  # one person, one ballot
    assert ballot.token_id == replacement.id and ballot.answers[str(rid)]["overall"] == "一般"
    counts = rounds.turnout(db, scoring_round)
    assert counts.total_voted == 1 and counts.total_eligible == 12


def test_a_resend_of_a_stored_ballot_is_confirmed_even_after_the_close(db, setup):
    meeting, scoring_round, token = setup
    ballots.submit_ballot(db, token.id, payload(meeting, scoring_round))
    rounds.close_round(db, scoring_round)
    again = ballots.submit_ballot(db, token.id, payload(meeting, scoring_round))
    assert again.duplicate and again.submission == "submission-1"
    with pytest.raises(Conflict, match="已结束"):
        ballots.submit_ballot(db, token.id, payload(meeting, scoring_round, "submission-2", 2))


def test_the_phone_gets_receipts_never_contents(db, setup):
    meeting, scoring_round, token = setup
    # an invalid ballot: its reasons would tell how it voted
    ballots.submit_ballot(db, token.id, payload(meeting, scoring_round, grade="好"))
    mine = ballots.list_my_ballots(db, token)[str(scoring_round.id)]
    assert not set(mine) & {"answers", "valid", "problems", "submission"}


def test_a_superseded_version_learns_nothing_of_the_newer_one(db, setup):
    meeting, scoring_round, token = setup
    ballots.submit_ballot(
        db, token.id, payload(meeting, scoring_round, "newer-device", 5, grade="好")
    )
    older = ballots.submit_ballot(db, token.id, payload(meeting, scoring_round, "older-device", 2))
    ack = older.as_ack()
    assert ack["superseded"] and "valid" not in ack and "problems" not in ack


def test_a_meeting_quota_is_explained_with_the_earlier_rounds(db):
    params = {"grade": "好", "limit": 3, "used": 5, "before": 2}
    text = ballots.explain(Problem("top_quota", params), {})
    assert text == "本次会议“好”最多可评 3 人，此前各轮已评 2 人，本票评了 3 人，请改掉 2 人。"
