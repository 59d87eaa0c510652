"""Feedback letters: plain data per reporter, wording per grade, dates, batch items."""

from __future__ import annotations

import json
from datetime import date

import pytest

from meeting import feedback, letters, results
from tests.helpers import wait_for_job


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


def test_the_year_comes_from_the_meeting_in_every_letter(db, known):
    from meeting import meetings

    data = data_for(db, known)
    context = letters.letter_context(db, known, data, known.reporters[0], date(2024, 2, 5))
    assert "2023年度" in context["title"] and "2023年度" in context["opening"]
    meetings.update_meeting(db, known, known.title, known.organ_name, None, 2022)
    context = letters.letter_context(
        db, known, data_for(db, known), known.reporters[0], date(2024, 2, 5)
    )
    assert "2022年度" in context["title"] and "2023" not in context["title"]
    assert "{year}" in feedback.letter_settings(known)["title"]  # stored as a placeholder


def test_the_rank_is_stated_once(db, known):
    settings = dict(known.letter or {})
    settings["show_rank"] = True
    known.letter = settings
    data = data_for(db, known)
    # the default wording says it ({rank_text}): the result paragraph does not repeat it
    context = letters.letter_context(db, known, data, known.reporters[0], date(2024, 2, 5))
    assert "排名第 1" in context["opening"] and not context["show_rank"]
    # a wording without {rank_text}: the result paragraph says it instead
    known.letter = dict(settings, wording={"好": "你的结果是{grade}。"})
    context = letters.letter_context(db, known, data, known.reporters[0], date(2024, 2, 5))
    assert "排名" not in context["opening"] and context["show_rank"]


def test_finalising_records_every_letter_and_locks_the_feedback(admin_client, db, known):
    import hashlib

    from meeting import meetings
    from meeting.models import IssuedLetter

    reporter = known.reporters[0]
    url = f"/meetings/{known.id}/feedback/{reporter.id}"
    refused = admin_client.post(f"/meetings/{known.id}/letters/finalise", follow_redirects=True)
    assert "请先结束并封存会议" in refused.get_data(as_text=True)
    meetings.set_status(db, known, "closed")
    db.commit()
    # sealed: ballots are over, the written feedback is not
    assert (
        admin_client.post(url, data={"action": "problem_add", "text": "会后补充"}).status_code
        == 302
    )
    started = admin_client.post(f"/meetings/{known.id}/letters/finalise")
    job = started.headers["Location"].split("job=")[1]
    assert wait_for_job(admin_client, known.id, job)["status"] == "done"
    db.expire_all()
    issued = db.query(IssuedLetter).filter_by(meeting_id=known.id).all()
    assert len(issued) == 3 and db.get(type(known), known.id).finalised_at is not None
    preview = admin_client.get(f"/meetings/{known.id}/letters/{reporter.id}.pdf")
    row = next(i for i in issued if i.reporter_id == reporter.id)
    assert (
        preview.headers["X-Content-SHA256"]
        == row.sha256
        == hashlib.sha256(preview.data).hexdigest()
    )
    refused = admin_client.post(url, data={"action": "problem_add", "text": "又一个"})
    assert refused.status_code == 400 and "已定稿" in refused.get_data(as_text=True)
    page = admin_client.get(url).get_data(as_text=True)
    assert '<fieldset class="grid" disabled>' in page  # looks read-only
    assert len(feedback.list_problems(db, known, reporter.id)) == 1
    no_reason = admin_client.post(f"/meetings/{known.id}/letters/withdraw", data={"reason": ""})
    assert no_reason.status_code == 302
    db.expire_all()
    assert db.get(type(known), known.id).finalised_at is not None
    admin_client.post(f"/meetings/{known.id}/letters/withdraw", data={"reason": "改正错字"})
    db.expire_all()
    assert db.get(type(known), known.id).finalised_at is None
    assert all(i.withdrawn_at for i in db.query(IssuedLetter).filter_by(meeting_id=known.id))


def test_a_refused_list_entry_keeps_what_was_typed(admin_client, known):
    reporter = known.reporters[0]
    form = {
        "action": "rect_add",
        "item": "整改党建台账",
        "measure": "每月检查",
        "deadline": "2024/13/40",
    }
    refused = admin_client.post(f"/meetings/{known.id}/feedback/{reporter.id}", data=form)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "整改党建台账" in page and "每月检查" in page
