from meeting import feedback
from meeting.models import Meeting, ProblemItem
from tests.helpers import PASSWORD, pdf_text, squash, wait_for_job


def test_publish_and_unpublish(admin_client, db, known):
    response = admin_client.post(
        f"/meetings/{known.id}/results/publish", data={"level": "ranking"}, follow_redirects=True
    )
    assert "大屏显示：完整排名" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(Meeting, known.id).published["level"] == "ranking"
    admin_client.post(f"/meetings/{known.id}/results/publish", data={"level": "none"})
    db.expire_all()
    assert db.get(Meeting, known.id).published == {}


def test_clerk_cannot_publish(app, known, make_organiser):
    make_organiser("clerk", role="clerk")
    client = app.test_client()
    client.post("/login", data={"username": "clerk", "password": PASSWORD})
    assert (
        client.post(f"/meetings/{known.id}/results/publish", data={"level": "ranking"}).status_code
        == 403
    )


def test_feedback_editor_adds_problems_and_rectifications(admin_client, db, known):
    reporter = known.reporters[0]
    url = f"/meetings/{known.id}/feedback/{reporter.id}"
    assert admin_client.get(url).status_code == 200
    admin_client.post(url, data={"action": "problem_add", "text": "学习不够深入"})
    admin_client.post(
        url,
        data={
            "action": "rect_add",
            "item": "加强学习",
            "measure": "每月学习",
            "responsible": "甲",
            "deadline": "2024-06-30",
        },
    )
    bad = admin_client.post(
        url, data={"action": "rect_add", "item": "x", "deadline": "June"}, follow_redirects=True
    )
    assert "日期格式应为" in bad.get_data(as_text=True)
    assert admin_client.post(url, data={"action": "explode"}).status_code == 400
    assert [p.text for p in db.query(ProblemItem)] == ["学习不够深入"]
    page = admin_client.get(url).get_data(as_text=True)
    assert "学习不够深入" in page and "加强学习" in page


def test_letter_settings_form_reports_bad_placeholders(admin_client, db, known):
    settings = feedback.letter_settings(known)
    form = {f"wording_{i}": text for i, text in enumerate(settings["wording"].values())}
    form.update(title="关于{姓名}同志")
    response = admin_client.post(f"/meetings/{known.id}/letters", data=form, follow_redirects=True)
    assert "未知的占位符" in response.get_data(as_text=True)


def test_print_batch_renders_every_letter(admin_client, known, tmp_path):
    response = admin_client.post(f"/meetings/{known.id}/letters/batch")
    assert response.status_code == 302
    job = response.headers["Location"].split("job=")[1]
    state = wait_for_job(admin_client, known.id, job)
    assert state["status"] == "done" and state["done"] == state["total"] == 3
    batch = admin_client.get(f"/meetings/{known.id}/jobs/{job}/file")
    data = batch.data
    batch.close()
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    assert (
        len(reader.pages) % 2 == 0 and len(reader.pages) == state["pages"]
    )  # duplex: even per letter
    text = squash(pdf_text(data, tmp_path))
    for name in ("甲同志：", "乙同志：", "丙同志：", "第1页共2页"):
        assert name in text
    assert admin_client.get(f"/meetings/{known.id}/jobs/nope").status_code == 404


def test_an_open_rounds_tally_sheet_is_refused(admin_client, db, live_meeting):
    """The tally sheet counts valid and invalid ballots: never while the round is open."""
    from meeting import rounds

    scoring_round = rounds.open_round(db, live_meeting, [r.id for r in live_meeting.reporters])
    db.commit()
    response = admin_client.get(f"/meetings/{live_meeting.id}/rounds/{scoring_round.id}/tally.pdf")
    assert response.status_code == 409
    assert "结束后生成" in response.get_data(as_text=True)
    assert not response.data.startswith(b"%PDF")
