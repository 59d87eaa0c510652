"""Pure aggregation rules as tables (no fixtures, no database)."""

from decimal import Decimal
from fractions import Fraction as F

import pytest

from meeting import schemes
from meeting.scoring import (
    BallotInfo,
    CategoryInfo,
    MalformedBallot,
    ReporterInput,
    check_ballot,
    combine,
    final_grade,
    parse_answers,
    percentages,
    rank,
    round_half_up,
    scheme_from_dict,
    tally_meeting,
    tally_reporter,
    top_quota_limit,
    trimmed,
    weighted_mean,
)
from tests.ballot_cases import CASES, case_answers, case_scheme, reporter_ids

GRADES = scheme_from_dict(
    schemes.preset("party_building")
)  # 好100 较好80 一般60 差40, 日常考核 30%
NUMERIC = scheme_from_dict(schemes.preset("numeric"))  # trimming on, 日常考核 20%
A, B = CategoryInfo(1, "党组成员", F(30)), CategoryInfo(2, "党员代表", F(70))


def ballot(category, valid=True, **answers):
    """answers: r<id>=(d1, d2, d3, overall) or r<id>=value for every line."""
    parsed = {}
    for key, value in answers.items():
        rid = int(key[1:])
        values = value if isinstance(value, tuple) else (value,) * 4
        parsed[rid] = dict(zip(["d1", "d2", "d3", "overall"], values, strict=True))
    return BallotInfo(category.id, valid, parsed)


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ([1, 1, 1], ["33.4", "33.3", "33.3"]),  # equal remainders: the better grade first
        ([2, 1, 0, 0], ["66.7", "33.3", "0.0", "0.0"]),
        ([1, 2, 3, 4], ["10.0", "20.0", "30.0", "40.0"]),
        ([1] * 7, ["14.3"] * 6 + ["14.2"]),
        ([0, 0, 0], ["0.0", "0.0", "0.0"]),
        ([5, 0, 1], ["83.3", "0.0", "16.7"]),
    ],
)
def test_percentages_add_up_to_exactly_100(counts, expected):
    shares = percentages(counts)
    assert [str(s) for s in shares] == expected
    if sum(counts):
        assert sum(shares) == Decimal("100.0")


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (F(86665, 1000), 2, "86.67"),  # exactly half: up
        (F(86664999, 1000000), 2, "86.66"),
        (F(260, 3), 2, "86.67"),
        (F(5, 1000), 2, "0.01"),
        (F(-5, 1000), 2, "-0.01"),
        (F(100), 2, "100.00"),
        (F(1, 3) * 100, 1, "33.3"),
    ],
)
def test_round_half_up(value, places, expected):
    assert str(round_half_up(value, places)) == expected


@pytest.mark.parametrize(
    ("means", "weights", "expected", "used"),
    [
        ({1: F(80), 2: F(90)}, {1: F(30), 2: F(70)}, F(87), (1, 2)),
        ({1: F(90), 2: None}, {1: F(30), 2: F(70)}, F(90), (1,)),  # left out, never counted as 0
        ({1: None, 2: None}, {1: F(30), 2: F(70)}, None, ()),
        ({1: F(60), 2: F(100)}, {1: F(0), 2: F(100)}, F(100), (2,)),  # weight 0 counts nothing
    ],
)
def test_weighted_mean_renormalises_empty_categories(means, weights, expected, used):
    assert weighted_mean(means, weights) == (expected, used)


@pytest.mark.parametrize(
    ("values", "trim", "kept", "dropped"),
    [
        ([60, 70, 80, 90, 95, 100], True, [70, 80, 90, 95], 2),
        ([60, 70, 80, 90, 100], True, [60, 70, 80, 90, 100], 0),  # five scores: no trimming
        ([60, 70, 80, 90, 95, 100], False, [60, 70, 80, 90, 95, 100], 0),
        ([80, 80, 80, 80, 80, 80], True, [80, 80, 80, 80], 2),
    ],
)
def test_trimming(values, trim, kept, dropped):
    assert trimmed([F(v) for v in values], trim) == ([F(v) for v in kept], dropped)


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        ("90.00", "好"),
        ("89.99", "较好"),
        ("80.00", "较好"),
        ("60.00", "一般"),
        ("59.99", "差"),
        ("0.00", "差"),
        (None, None),
    ],
)
def test_final_grade_thresholds(score, grade):
    assert final_grade(GRADES, None if score is None else Decimal(score)) == grade


@pytest.mark.parametrize(
    ("assessment", "imported", "final", "missing"),
    [
        (F(90), {"c1": 80}, F(87), ()),  # 90 x 70% + 80 x 30%
        (F(90), {}, F(90), ("c1",)),  # 日常考核 missing: left out, weights renormalised
        (None, {"c1": 80}, None, ()),
    ],
)
def test_combine_components(assessment, imported, final, missing):
    value, _, missing_keys = combine(GRADES, assessment, imported)
    assert value == final and missing_keys == missing


@pytest.mark.parametrize(
    ("reporters", "limit"),
    [(1, 1), (3, 1), (4, 1), (10, 3), (21, 6), (50, 15)],
)
def test_top_quota_is_30_percent_rounded_down_but_at_least_one(reporters, limit):
    assert top_quota_limit(GRADES, reporters) == limit


@pytest.mark.parametrize(
    ("label", "preset", "overrides", "count", "compact", "expected"),
    CASES,
    ids=[case[0] for case in CASES],
)
def test_check_ballot_table(label, preset, overrides, count, compact, expected):
    """The same table runs against static/js/ballot_rules.js (tests/test_static.py)."""
    scheme = case_scheme(preset, overrides)
    answers = case_answers(scheme, count, compact)
    assert [p.code for p in check_ballot(scheme, reporter_ids(count), answers)] == expected


def test_check_ballot_rules():
    ids = [1, 2, 3]
    full = {
        rid: {"d1": "较好", "d2": "较好", "d3": "较好", "overall": o}
        for rid, o in zip(ids, ["好", "较好", "一般"], strict=True)
    }
    assert check_ballot(GRADES, ids, full) == []
    too_many_top = {rid: dict(v, overall="好") for rid, v in full.items()}
    codes = [p.code for p in check_ballot(GRADES, ids, too_many_top)]
    assert codes == ["top_quota"]  # everyone 好 over the quota: one fault, not two
    same = {rid: dict(v, overall="较好") for rid, v in full.items()}
    assert [p.code for p in check_ballot(GRADES, ids, same)] == ["same_grade"]
    abstained = {**same, 1: dict(same[1], overall=None)}
    assert check_ballot(GRADES, ids, abstained) == []  # an abstain breaks "all the same"
    missing = {1: full[1], 2: full[2]}
    problems = check_ballot(GRADES, ids, missing)
    assert problems[0].code == "incomplete" and problems[0].params["reporters"] == [3]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("好", "not_a_list"),
        ([{"r": 1, "k": "overall", "v": "优秀"}], "not_on_scale"),
        ([{"r": 9, "k": "overall", "v": "好"}], "unknown_reporter"),
        ([{"r": 1, "k": "x", "v": "好"}], "unknown_line"),
        ([{"r": 1, "k": "overall", "v": "好"}] * 2, "duplicate_line"),
        ([{"r": 1, "k": "overall"}], "bad_line"),
        ([{"r": True, "k": "overall", "v": "好"}], "unknown_reporter"),
    ],
)
def test_malformed_answers(raw, code):
    with pytest.raises(MalformedBallot) as info:
        parse_answers(GRADES, [1, 2], raw)
    assert info.value.code == code


def test_tally_by_hand():
    # 党组成员 (30%): 好, 好, 较好(abstain on d1); 党员代表 (70%): 较好, 一般, and one invalid 差
    ballots = [
        ballot(A, r1="好"),
        ballot(A, r1="好"),
        ballot(A, r1=(None, "较好", "较好", "较好")),
        ballot(B, r1="较好"),
        ballot(B, r1="一般"),
        ballot(B, valid=False, r1="差"),
    ]
    t = tally_reporter(GRADES, [A, B], 1, {1: 4, 2: 5}, ballots, {"c1": 90})
    overall = t.overall
    assert overall.counts == [2, 2, 1, 0]
    assert [str(p) for p in overall.percents] == ["40.0", "40.0", "20.0", "0.0"]
    # 党组成员 mean (100+100+80)/3 = 93.333..., 党员代表 (80+60)/2 = 70
    assert overall.by_category[1].mean == F(280, 3) and overall.by_category[2].mean == F(70)
    # 30% x 93.333 + 70% x 70 = 28 + 49 = 77
    assert t.assessment == F(77)
    assert str(t.top_rate) == "40.0" and str(t.approval_rate) == "80.0"
    # final: 77 x 70% + 90 x 30% = 53.9 + 27 = 80.9
    assert str(t.final_rounded) == "80.90" and t.grade == "较好" and not t.warning
    d1 = t.lines[0]
    assert d1.abstain == 1 and d1.counts == [2, 1, 1, 0]  # abstain is no vote for that line
    assert t.total.returned == 6 and t.total.invalid == 1 and t.total.issued == 9
    assert t.quorum_met  # 6 of 9 > 50%


def test_category_without_votes_is_left_out_and_flagged():
    t = tally_reporter(
        GRADES, [A, B], 1, {1: 2, 2: 8}, [ballot(A, r1="好"), ballot(A, r1="好")], {}
    )
    assert t.assessment == F(100) and t.renormalised
    assert not t.quorum_met  # 2 of 10 is not more than half
    assert t.missing_components == ("c1",)


def test_all_abstain_line_has_no_score_and_no_rates():
    t = tally_reporter(
        GRADES, [A, B], 1, {1: 2, 2: 0}, [ballot(A, r1=None), ballot(A, r1=None)], {"c1": 80}
    )
    assert t.overall.score is None and t.assessment is None and t.final is None
    assert t.top_rate is None and t.grade is None and t.overall.abstain == 2
    assert [str(p) for p in t.overall.percents] == ["0.0", "0.0", "0.0", "0.0"]


def test_numeric_trimming_per_category():
    scores = [60, 70, 80, 90, 95, 100]
    ballots = [BallotInfo(1, True, {1: {"d1": s, "d2": s, "d3": s, "overall": s}}) for s in scores]
    t = tally_reporter(NUMERIC, [A], 1, {1: 6}, ballots, {"c1": 90})
    assert t.overall.by_category[1].mean == F(335, 4)  # (70+80+90+95)/4 = 83.75
    assert t.top_rate is None
    # final: 83.75 x 80% + 90 x 20% = 67 + 18 = 85
    assert str(t.final_rounded) == "85.00"


def test_ranking_shares_ties_and_skips():
    def make(rid, score):
        votes = [ballot(A, **{f"r{rid}": "好"})] * 3 + [ballot(B, **{f"r{rid}": score})] * 3
        return ReporterInput(rid, {1: 3, 2: 3}, votes, {"c1": 90})

    tallies = tally_meeting(
        GRADES, [A, B], [make(1, "较好"), make(2, "好"), make(3, "较好"), make(4, "一般")]
    )
    assert {t.reporter_id: t.rank for t in tallies} == {2: 1, 1: 2, 3: 2, 4: 4}


def test_unranked_when_quorum_not_met():
    low = ReporterInput(1, {1: 10}, [ballot(A, r1="好")], {})
    high = ReporterInput(2, {1: 2}, [ballot(A, r2="较好")] * 2, {})
    tallies = tally_meeting(GRADES, [A], [low, high])
    assert [t.rank for t in tallies] == [None, 1]
    rank(tallies)
    assert tallies[1].rank == 1
