from datetime import date

import pytest

from meeting import comments, feedback, inquiries, meetings
from meeting.errors import Conflict, Invalid, NotFound
from meeting.models import utcnow


def test_problem_and_rectification_lists(db, make_meeting):
    meeting = make_meeting()
    rid = meeting.reporters[0].id
    first = feedback.add_problem(db, meeting, rid, "理论学习不够深入")
    feedback.add_problem(db, meeting, rid, "党建与业务融合不够")
    feedback.update_problem(db, meeting, first.id, "理论学习的深度广度不够")
    assert [p.text for p in feedback.list_problems(db, meeting, rid)] == [
        "理论学习的深度广度不够",
        "党建与业务融合不够",
    ]
    item = feedback.add_rectification(
        db, meeting, rid, "加强理论学习", "每月集体学习", "张三", "2024-06-30"
    )
    assert item.deadline == date(2024, 6, 30)
    with pytest.raises(Invalid, match="2024-01-30"):
        feedback.add_rectification(db, meeting, rid, "x", deadline="六月底")
    with pytest.raises(Invalid):
        feedback.add_problem(db, meeting, rid, "  ")
    with pytest.raises(NotFound):
        feedback.add_problem(db, meeting, 999999, "x")
    other = make_meeting(title="别的会议")
    with pytest.raises(NotFound):
        feedback.delete_problem(db, other, first.id)  # another meeting's entry
    feedback.delete_rectification(db, meeting, item.id)
    assert feedback.list_rectifications(db, meeting, rid) == []


def test_suggestions_come_from_comments_and_answered_questions(db, make_meeting):
    meeting = make_meeting()
    rid = meeting.reporters[0].id
    comments.add_comment(db, meeting, rid, "李清", "书记", "要持续擦亮品牌")
    answered = inquiries.add_spoken(db, meeting, rid, "如何推动融合发展？", "高天")
    answered.status = "answered"
    inquiries.add_spoken(db, meeting, rid, "尚未回答的问题？", "")
    found = feedback.suggestions(db, meeting, rid)
    assert [(s["source"], s["text"]) for s in found] == [
        ("comment", "要持续擦亮品牌"),
        ("inquiry", "如何推动融合发展？"),
    ]
    feedback.add_problem(db, meeting, rid, "要持续擦亮品牌", "comment")
    assert len(feedback.suggestions(db, meeting, rid)) == 1


def test_last_years_rectification_list_of_the_same_person(db, make_meeting):
    old = make_meeting(title="2023年度会议", year=2023)
    new = make_meeting(title="2024年度会议", year=2024)
    old_reporter = old.reporters[0]
    feedback.add_rectification(
        db, old, old_reporter.id, "加强理论学习", "每月学习", old_reporter.name, "2023-12-31"
    )
    previous = feedback.previous_rectifications(db, new, new.reporters[0])
    assert previous["year"] == 2023 and previous["items"][0]["item"] == "加强理论学习"
    assert feedback.previous_rectifications(db, old, old_reporter) is None  # nothing earlier


def test_letter_settings_are_checked(db, make_meeting):
    meeting = make_meeting()
    settings = feedback.letter_settings(meeting)
    assert list(settings["wording"]) == ["好", "较好", "一般", "差"]
    assert "{name}" in settings["title"] and "约谈提醒" in settings["wording"]["差"]
    form = {f"wording_{i}": text for i, text in enumerate(settings["wording"].values())}
    form.update(title="关于{name}同志的反馈", report_due="2024-03-31", show_rank="1", duplex="1")
    saved = feedback.save_letter_settings(db, meeting, form)
    assert saved["show_rank"] and saved["report_due"] == "2024-03-31"
    for bad in ("{nmae}同志", "{name", "{0}"):
        with pytest.raises(Invalid):
            feedback.save_letter_settings(db, meeting, dict(form, title=bad))
    with pytest.raises(Invalid):
        feedback.save_letter_settings(db, meeting, dict(form, report_due="明年"))
    assert feedback.fill("{name}同志{rank_text}", {"name": "张三"}) == "张三同志"


def test_feedback_work_goes_on_after_sealing_until_the_letters_are_finalised(app, db, make_meeting):
    meeting = make_meeting(status="live")
    rid = meeting.reporters[0].id
    feedback.add_problem(db, meeting, rid, "问题")
    meetings.set_status(db, meeting, "closed")
    # sealing ends the ballots, not the written feedback
    feedback.add_problem(db, meeting, rid, "会后补充的问题")
    feedback.add_rectification(db, meeting, rid, "整改事项", "措施", "张三", "2024-06-30")
    meetings.update_meeting(db, meeting, meeting.title, meeting.organ_name, None, 2023)
    meeting.finalised_at = utcnow()  # 定稿
    for change in (
        lambda: feedback.add_problem(db, meeting, rid, "又一个问题"),
        lambda: feedback.add_rectification(db, meeting, rid, "事项"),
        lambda: meetings.update_meeting(db, meeting, "新标题", "", None, 2022),
        lambda: feedback.save_letter_settings(db, meeting, {}),
    ):
        with pytest.raises(Conflict, match="定稿"):
            change()
    assert len(feedback.list_problems(db, meeting, rid)) == 2
