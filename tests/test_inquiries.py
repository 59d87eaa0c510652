import pytest

from meeting import agenda, comments, inquiries, tokens
from meeting.errors import Conflict, Forbidden, Invalid, NotFound
from meeting.models import APPROVED, ASKING, PENDING

T0 = 1_700_000_000_000


@pytest.fixture
def scene(db, make_meeting):
    meeting = make_meeting(reporters_count=2, on_site=2, slips=(2, 2, 2, 0, 0))
    items = agenda.build_agenda(db, meeting)
    agenda.go_to(db, meeting, items[1].id, 2, T0)  # first reporter, inquiry phase
    db.commit()
    all_tokens = tokens.list_tokens(db, meeting)
    asker = all_tokens[0]  # 党组成员 may ask
    silent = all_tokens[2]  # 党委委员 may not
    return meeting, meeting.reporters[0], asker, silent


def ask(
    db,
    token,
    reporter,
    text="请问如何推动党建与业务深度融合？",
    submission="question-0001",
    name="",
):
    return inquiries.submit_inquiry(
        db,
        token.id,
        {"reporter": reporter.id, "text": text, "submission": submission, "name": name},
    )


def test_delegate_question_waits_for_review_and_double_tap_is_stored_once(db, scene):
    meeting, reporter, asker, _ = scene
    first = ask(db, asker, reporter, name="  张三 ")
    again = ask(db, asker, reporter)
    assert first.id == again.id and first.status == PENDING
    assert first.asker_name == "张三" and first.asker_category == "党组成员"
    assert len(inquiries.list_inquiries(db, meeting)) == 1


def test_only_categories_that_may_ask_can_ask(db, scene):
    _meeting, reporter, _, silent = scene
    with pytest.raises(Forbidden):
        ask(db, silent, reporter)


def test_questions_only_while_open_for_that_reporter(db, scene):
    meeting, reporter, asker, _ = scene
    with pytest.raises(Conflict):
        ask(db, asker, meeting.reporters[1])
    agenda.advance(db, meeting, T0)  # scoring: questions close
    with pytest.raises(Conflict):
        ask(db, asker, reporter)


@pytest.mark.parametrize("text", ["", "  ", "太短", "问" * 301, None, 42])
def test_text_length_is_limited(db, scene, text):
    _meeting, reporter, asker, _ = scene
    with pytest.raises(Invalid):
        ask(db, asker, reporter, text=text)


def test_pending_questions_per_slip_are_limited(db, scene):
    _meeting, reporter, asker, _ = scene
    ask(db, asker, reporter, submission="question-0001")
    ask(db, asker, reporter, submission="question-0002")
    with pytest.raises(Conflict, match="2"):
        ask(db, asker, reporter, submission="question-0003")


def test_moderation_flow_and_out_of_order_actions(db, scene):
    meeting, reporter, asker, _ = scene
    q1 = ask(db, asker, reporter, submission="question-0001")
    q2 = ask(db, asker, reporter, submission="question-0002", text="请问如何加强年轻干部教育管理？")
    spoken = inquiries.add_spoken(db, meeting, reporter.id, "请问支部学习如何更有实效？", "高天")
    assert spoken.status == APPROVED
    with pytest.raises(Invalid):
        inquiries.reject(db, meeting, q2.id, "")
    inquiries.reject(db, meeting, q2.id, "与本人职责无关")
    with pytest.raises(Conflict):
        inquiries.mark_answered(db, meeting, q2.id, "x")  # answering a rejected question
    with pytest.raises(Conflict):
        inquiries.mark_asking(db, meeting, q1.id, T0)  # still pending
    inquiries.approve(db, meeting, q1.id)
    inquiries.edit(db, meeting, q1.id, "请问如何推动党建与业务深度融合发展？")
    assert q1.edited
    inquiries.reorder(db, meeting, [q1.id, spoken.id])
    assert [q.id for q in inquiries.list_inquiries(db, meeting) if q.status == APPROVED] == [
        q1.id,
        spoken.id,
    ]
    inquiries.mark_asking(db, meeting, q1.id, T0 + 5000)
    assert q1.status == ASKING
    state = agenda.get_state(db, meeting)
    assert state.timer_ends_ms == T0 + 5000 + 180_000  # the answer countdown started
    with pytest.raises(Conflict):
        inquiries.mark_asking(db, meeting, spoken.id, T0)  # one at a time
    inquiries.mark_answered(db, meeting, q1.id, "坚持同研究同部署同推动")
    inquiries.mark_not_reached(db, meeting, spoken.id)
    with pytest.raises(NotFound):
        inquiries.approve(db, meeting, 999999)
    with pytest.raises(Invalid):
        inquiries.reorder(db, meeting, [q1.id])


def test_comments_are_recorded_per_reporter(db, scene):
    meeting, reporter, _, _ = scene
    first = comments.add_comment(
        db, meeting, reporter.id, "李清", "机关党组书记", "要持续擦亮支部党建品牌。"
    )
    comments.add_comment(db, meeting, reporter.id, "王明", "党组成员", "理论学习的深度广度不够。")
    assert [c.commenter_name for c in comments.list_comments(db, meeting, reporter.id)] == [
        "李清",
        "王明",
    ]
    comments.update_comment(db, meeting, first.id, "李清", "机关党组书记", "修改后的点评")
    assert first.summary == "修改后的点评"
    with pytest.raises(Invalid):
        comments.add_comment(db, meeting, reporter.id, "", "", "x")
    with pytest.raises(NotFound):
        comments.add_comment(db, meeting, 999999, "李清", "", "x")
    comments.delete_comment(db, meeting, first.id)
    assert len(comments.list_comments(db, meeting)) == 1


def test_moderation_stops_when_the_meeting_is_sealed(db, scene):
    from meeting import meetings

    meeting, reporter, asker, _ = scene
    question = ask(db, asker, reporter)
    meetings.set_status(db, meeting, "closed")  # live since the agenda started
    with pytest.raises(Conflict, match="封存"):
        inquiries.approve(db, meeting, question.id)
    with pytest.raises(Conflict, match="封存"):
        inquiries.reorder(db, meeting, [])
