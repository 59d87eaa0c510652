"""Feedback letters: plain data per reporter, wording per grade, dates, batch items."""

from __future__ import annotations

import json
from datetime import date

import pytest

from meeting import feedback, letters, results


def data_for(db, meeting):
    return results.results_data(results.compute_results(db, meeting))


@pytest.mark.parametrize(
    ("value", "text"),
    [(date(2024, 2, 5), "2024年2月5日"), (date(2023, 12, 31), "2023年12月31日")],
)
def test_chinese_date(value, text):
    assert letters.chinese_date(value) == text


@pytest.mark.parametrize(
    ("name", "safe"),
    [("张三", "张三"), ("a/b\\c", "a_b_c"), ("x y", "x_y"), ("", "letter"), ("长" * 80, "长" * 60)],
)
def test_safe_filename(name, safe):
    assert letters.safe_filename(name) == safe


def test_letter_context_is_plain_data(db, known):
    data = data_for(db, known)
    context = letters.letter_context(db, known, data, known.reporters[0], date(2024, 2, 5))
    json.dumps(context)  # no ORM objects, nothing that a worker process cannot read
    assert context["date"] == "2024年2月5日" and context["title"].startswith("关于甲同志")


def test_the_wording_follows_the_final_grade(db, known):
    data = data_for(db, known)
    by_name = {r.name: r for r in known.reporters}
    settings = feedback.letter_settings(known)
    for name, grade in (("甲", "好"), ("乙", "一般"), ("丙", "差")):
        context = letters.letter_context(db, known, data, by_name[name], date(2024, 2, 5))
        wording = feedback.fill(settings["wording"][grade], {"grade": grade})
        assert grade in context["opening"]
        assert context["opening"].split("，")[-1] == wording.split("，")[-1]


def test_every_letter_is_a_batch_item_in_reporter_order(db, known):
    items = letters.letter_items(db, known, date(2024, 2, 5))
    assert [item.name for item in items] == ["甲", "乙", "丙"]
    assert [item.filename for item in items] == ["001-甲.pdf", "002-乙.pdf", "003-丙.pdf"]
    assert {item.template for item in items} == {"letter.html"}
    json.dumps([item.context for item in items])
