"""Category weights as typed by an organiser: percentages, fractions, and where a refusal points."""

from decimal import Decimal

import pytest

from meeting import meetings
from meeting.errors import Invalid


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        (["30", "20", "10", "20", "20"], [30, 20, 10, 20, 20]),
        (["0.3", "0.2", "0.1", "0.2", "0.2"], [30, 20, 10, 20, 20]),
        (["30%", "20％", " 10 ", "20", "20"], [30, 20, 10, 20, 20]),
        ([".25", "0.25", "0.125", "0.125", "0.25"], [25, 25, 12.5, 12.5, 25]),
        (["100", "0", "0", "0", "0"], [100, 0, 0, 0, 0]),
        (["1", "0", "0", "0", "0"], [100, 0, 0, 0, 0]),  # one category holding all of it
    ],
)
def test_weights_typed_as_percent_or_fractions_are_saved_as_percent(db, make_meeting, typed, read):
    meeting = make_meeting(slips=None)
    rows = [
        (c.id, c.name, weight, c.may_inquire)
        for c, weight in zip(meeting.categories, typed, strict=True)
    ]
    meetings.update_categories(db, meeting, rows)
    assert [c.weight for c in meeting.categories] == read


def test_fractions_use_exact_decimals():
    assert meetings.as_percentages([Decimal("0.3"), Decimal("0.7")]) == [30, 70]
    assert meetings.as_percentages([Decimal("0.3"), Decimal("0.6")]) == [
        Decimal("0.3"),
        Decimal("0.6"),
    ]  # not adding up to 1: left as percent, and refused by the sum check
    assert meetings.as_percentages([Decimal("30"), Decimal("70")]) == [30, 70]


def test_fractions_that_miss_one_say_the_fields_are_percentages(db, make_meeting):
    meeting = make_meeting(slips=None)
    rows = [(c.id, c.name, "0.2", c.may_inquire) for c in meeting.categories[:4]]
    rows.append((meeting.categories[4].id, meeting.categories[4].name, "0.1", False))
    with pytest.raises(Invalid) as refused:
        meetings.update_categories(db, meeting, rows)
    assert refused.value.detail["field"] == "total"
    assert "30% 填 30" in str(refused.value.detail["problems"][0])
    db.rollback()
    assert sum(c.weight for c in meeting.categories) == 100


@pytest.mark.parametrize(
    ("index", "name", "weight", "field"),
    [
        (2, "纪委委员", "abc", "weight"),
        (3, "", "20", "name"),
        (4, "党员代表", "120", "weight"),
        (1, "党组成员", "20", "name"),  # the same name as the first category
    ],
)
def test_a_refused_category_names_its_field(db, make_meeting, index, name, weight, field):
    meeting = make_meeting(slips=None)
    rows = [(c.id, c.name, str(c.weight), c.may_inquire) for c in meeting.categories]
    target = meeting.categories[index]
    rows[index] = (target.id, name, weight, False)
    with pytest.raises(Invalid) as refused:
        meetings.update_categories(db, meeting, rows)
    assert refused.value.detail == {"field": field, "category_id": target.id}


def test_a_sum_other_than_100_points_at_the_total(db, make_meeting):
    meeting = make_meeting(slips=None)
    rows = [(c.id, c.name, "10", c.may_inquire) for c in meeting.categories]
    with pytest.raises(Invalid, match="50") as refused:
        meetings.update_categories(db, meeting, rows)
    assert refused.value.detail["field"] == "total"
    assert "problems" not in refused.value.detail  # 10s are clearly percent: no lecture
