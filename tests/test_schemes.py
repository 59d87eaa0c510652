import pytest
from werkzeug.datastructures import MultiDict

from meeting import schemes
from meeting.errors import Invalid
from meeting.scoring import OVERALL, scheme_from_dict


@pytest.mark.parametrize("key", sorted(schemes.PRESETS))
def test_every_preset_is_valid(key):
    data = schemes.validate_scheme(schemes.preset(key))
    scheme = scheme_from_dict(data)
    assert scheme.overall.key == OVERALL
    assert sum(c.weight for c in scheme.components) == 100


def test_required_presets_exist_with_their_scales():
    assert schemes.PRESETS["party_building"]["scale"][0] == ["好", 100]
    duty = schemes.PRESETS["duty_integrity"]
    assert [d["name"] for d in duty["dimensions"]] == ["履行管党治党政治责任", "执行廉洁自律"]
    assert [g[0] for g in schemes.PRESETS["democratic"]["scale"]] == [
        "优秀",
        "称职",
        "基本称职",
        "不称职",
    ]


@pytest.fixture(autouse=True)
def _chinese(app):
    """Messages are shown as the organiser sees them (zh_CN) inside an app context."""
    with app.app_context():
        yield


def _problems(data):
    with pytest.raises(Invalid) as info:
        schemes.validate_scheme(data)
    return [str(p) for p in info.value.detail["problems"]]


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"mode": "vote"}, "等次测评或百分制"),
        ({"scale": [["好", 100]]}, "2 至 8 个等次"),
        ({"scale": [["好", 60], ["差", 80]]}, "从好到差"),
        ({"scale": [["好", 100], ["好", 80]]}, "重复"),
        ({"overall": ""}, "总体评价项"),
        ({"abstain": "好"}, "弃权选项"),
        ({"top_quota_pct": 0}, "比例上限"),
        ({"quorum_pct": 100}, "有效人数"),
        ({"components": [{"key": "c1", "name": "日常考核", "weight": 100}]}, "小于 100%"),
        ({"thresholds": [["好", 80], ["较好", 90], ["差", None]]}, "依次递减"),
        ({"thresholds": [["好", 90], ["差", 10]]}, "不设分数线"),
        ({"thresholds": [["好", None]]}, "至少设置两个"),
        ({"dimensions": [{"name": "综合评价"}]}, "重复"),
    ],
)
def test_invalid_schemes_name_the_problem(change, fragment):
    data = schemes.preset("party_building") | change
    assert any(fragment in p for p in _problems(data)), _problems(data)


def test_weights_must_add_up_to_exactly_100():
    schemes.validate_weights([("a", 33.3), ("b", 33.3), ("c", 33.4)])
    with pytest.raises(Invalid, match=r"99\.9%"):
        schemes.validate_weights([("a", 33.3), ("b", 33.3), ("c", 33.3)])
    with pytest.raises(Invalid):
        schemes.validate_weights([])
    with pytest.raises(Invalid):
        schemes.validate_weights([("a", -10), ("b", 110)])


def test_form_round_trip_keeps_the_scheme():
    from meeting.views.organiser.setup import scheme_form_values

    original = schemes.validate_scheme(schemes.preset("party_building"))
    values = scheme_form_values(original).items()
    form = MultiDict({k: str(v) for k, v in values if v not in (None, False)})
    form["same_grade_invalid"] = "1"
    parsed = schemes.scheme_from_form(form)
    for key in (
        "mode",
        "scale",
        "dimensions",
        "overall",
        "abstain",
        "top_quota_pct",
        "quorum_pct",
        "components",
        "thresholds",
        "same_grade_invalid",
    ):
        assert parsed[key] == original[key], key


def test_form_accepts_chinese_punctuation_and_own_scales():
    scale = schemes.parse_scale("优秀：95，称职：85、基本称职=75\n不称职 65")
    assert scale == [["优秀", 95], ["称职", 85], ["基本称职", 75], ["不称职", 65]]
    dims = schemes.parse_dimensions("党建\n廉洁 ｜ 满意=100, 不满意=60\n\n")
    assert dims == [
        {"name": "党建", "scale": None},
        {"name": "廉洁", "scale": [["满意", 100], ["不满意", 60]]},
    ]
    assert schemes.parse_thresholds("好 ≥ 90\n较好>=80\n差") == [
        ["好", 90],
        ["较好", 80],
        ["差", None],
    ]


def test_unreadable_form_text_is_refused_with_the_text():
    with pytest.raises(Invalid, match="很好"):
        schemes.parse_scale("很好")


def _form(**changes):
    from meeting.views.organiser.setup import scheme_form_values

    values = scheme_form_values(schemes.validate_scheme(schemes.preset("party_building")))
    form = MultiDict({k: str(v) for k, v in values.items() if v not in (None, False)})
    for key, value in changes.items():
        form[key] = value
    return form


def test_an_unreadable_entry_is_quoted_without_its_spaces():
    with pytest.raises(Invalid) as info:
        schemes.scheme_from_form(_form(scale="好=100, 较好=八十, 差=40"))
    (message,) = info.value.detail["fields"]["scale"]
    assert "“较好=八十”" in str(message)


def test_every_problem_of_the_form_is_reported_at_once_by_field():
    form = _form(
        scale="好=100, 较好=八十",
        quorum_pct="过半",
        overall="",
        thresholds="好 >= 90",
        top_quota_pct="150",
    )
    with pytest.raises(Invalid) as info:
        schemes.scheme_from_form(form)
    fields = {k: [str(p) for p in v] for k, v in info.value.detail["fields"].items()}
    assert set(fields) == {"scale", "quorum_pct", "overall", "thresholds", "top_quota_pct"}
    assert "“较好=八十”" in fields["scale"][0] and "过半" in fields["quorum_pct"][0]
    # the unreadable scale is reported for what it is, not for its empty stand-in
    assert len(fields["scale"]) == 1
    assert sorted(map(str, info.value.detail["problems"])) == sorted(
        p for problems in fields.values() for p in problems
    )


def test_numeric_ballots_ignore_the_grade_only_fields():
    form = _form(
        mode="numeric",
        scale="不可读",
        top_quota_pct="不可读",
        top_quota_scope="meeting",
        same_grade_invalid="1",
        trim_extremes="1",
    )
    data = schemes.scheme_from_form(form)
    assert data["mode"] == "numeric" and data["scale"] == []
    assert data["top_quota_pct"] is None and data["top_quota_scope"] == "ballot"
    assert data["same_grade_invalid"] is False and data["trim_extremes"] is True
    # and grade ballots ignore the numeric-only one
    assert schemes.scheme_from_form(_form(trim_extremes="1"))["trim_extremes"] is False
