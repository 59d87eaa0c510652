"""One table of ballot-validity cases, checked against both implementations of the rules:
``scoring.check_ballot`` on the server (tests/test_scoring.py) and
``static/js/ballot_rules.js`` on the phone (tests/test_static.py, run with node).

Each case: a label, the scheme (a preset plus overrides), the number of reporters, the
answers ({reporter index: {line: value}}; "*" fills every line), and the expected problem
codes in order. Reporter ids are 11, 12, 13 ... so that they are not list indexes.
"""

from __future__ import annotations

from typing import Any

from meeting import schemes
from meeting.scoring import (
    SAME_GRADE_MIN_REPORTERS,
    Scheme,
    scheme_from_dict,
    top_quota_limit,
)

CASES: list[tuple[str, str, dict[str, Any], int, dict[int, dict[str, Any]], list[str]]] = [
    (
        "valid",
        "party_building",
        {},
        3,
        {0: {"*": "较好", "overall": "好"}, 1: {"*": "较好"}, 2: {"*": "一般"}},
        [],
    ),
    (
        "one line missing",
        "party_building",
        {},
        3,
        {
            0: {"*": "较好", "overall": "好"},
            1: {"*": "较好"},
            2: {"d1": "一般", "d2": "一般", "overall": "一般"},
        },
        ["incomplete"],
    ),
    (
        "a reporter missing",
        "party_building",
        {},
        3,
        {0: {"*": "较好", "overall": "好"}, 1: {"*": "较好"}},
        ["incomplete"],
    ),
    ("nothing at all", "party_building", {}, 2, {}, ["incomplete"]),
    (
        "top quota exceeded",
        "party_building",
        {},
        3,
        {0: {"*": "好"}, 1: {"*": "好"}, 2: {"*": "较好"}},
        ["top_quota"],
    ),
    (
        "top quota and all the same",
        "party_building",
        {},
        3,
        {0: {"*": "好"}, 1: {"*": "好"}, 2: {"*": "好"}},
        ["top_quota"],  # one fault: fixing the quota fixes the sameness too
    ),
    (
        "all the same",
        "party_building",
        {},
        3,
        {0: {"*": "较好"}, 1: {"*": "较好"}, 2: {"*": "较好"}},
        ["same_grade"],
    ),
    (
        "abstain breaks all the same",
        "party_building",
        {},
        3,
        {0: {"*": "较好", "overall": None}, 1: {"*": "较好"}, 2: {"*": "较好"}},
        [],
    ),
    (
        "all the same needs three reporters",
        "party_building",
        {},
        2,
        {0: {"*": "较好"}, 1: {"*": "较好"}},
        [],
    ),
    (
        "same grade allowed by the scheme",
        "duty_integrity",
        {},
        3,
        {0: {"*": "较好"}, 1: {"*": "较好"}, 2: {"*": "较好"}},
        [],
    ),
    ("one reporter may get the top grade", "party_building", {}, 1, {0: {"*": "好"}}, []),
    (
        "quota 30% of 10 is 3",
        "party_building",
        {},
        10,
        {i: {"*": "好" if i < 3 else "较好"} for i in range(10)},
        [],
    ),
    (
        "quota 30% of 10, four given",
        "party_building",
        {},
        10,
        {i: {"*": "好" if i < 4 else "较好"} for i in range(10)},
        ["top_quota"],
    ),
    (
        "no quota in the scheme",
        "democratic",
        {},
        3,
        {0: {"*": "优秀"}, 1: {"*": "优秀"}, 2: {"*": "称职"}},
        [],
    ),
    ("numeric complete", "numeric", {}, 2, {0: {"*": 90}, 1: {"*": 85.5}}, []),
    ("numeric incomplete", "numeric", {}, 2, {0: {"*": 90}}, ["incomplete"]),
    (
        "own scale on a dimension",
        "party_building",
        {
            "dimensions": [
                {"name": "抓基层党建工作", "scale": None},
                {"name": "履行管党治党政治责任", "scale": None},
                {
                    "name": "执行廉洁自律",
                    "scale": [["满意", 100], ["基本满意", 80], ["不满意", 50]],
                },
            ]
        },
        3,
        {
            0: {"*": "较好", "d3": "满意", "overall": "好"},
            1: {"*": "较好", "d3": "满意"},
            2: {"*": "一般", "d3": "不满意"},
        },
        [],
    ),
]


def reporter_ids(count: int) -> list[int]:
    return [11 + i for i in range(count)]


def case_scheme(preset: str, overrides: dict[str, Any]) -> Scheme:
    data = schemes.preset(preset)
    data.update(overrides)
    return scheme_from_dict(schemes.validate_scheme(data))


def case_answers(
    scheme: Scheme, count: int, compact: dict[int, dict[str, Any]]
) -> dict[int, dict[str, Any]]:
    """The compact answers of a case as {reporter id: {line key: value}}."""
    ids = reporter_ids(count)
    answers: dict[int, dict[str, Any]] = {}
    for index, given in compact.items():
        lines: dict[str, Any] = {}
        for line in scheme.lines:
            if line.key in given:
                lines[line.key] = given[line.key]
            elif "*" in given:
                lines[line.key] = given["*"]
        answers[ids[index]] = lines
    return answers


def phone_view(scheme: Scheme, count: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The scheme and round as the phone's snapshot gives them to ballot_rules.js."""
    scheme_info = {
        "mode": scheme.mode,
        "lines": [
            {"key": line.key, "name": line.name, "grades": list(line.labels())}
            for line in scheme.lines
        ],
        "abstain": scheme.abstain,
        "same_grade_invalid": scheme.same_grade_invalid,
        "same_grade_min": SAME_GRADE_MIN_REPORTERS,
    }
    round_info = {
        "top_quota": top_quota_limit(scheme, count),
        "reporters": [{"id": rid, "name": f"述职人{rid}"} for rid in reporter_ids(count)],
    }
    return scheme_info, round_info
