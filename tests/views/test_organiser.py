from datetime import timedelta

import pytest
from pypdf import PdfReader

from meeting.models import Category, LoginSession, Meeting, Reporter
from tests.helpers import PASSWORD, REPORTER_ROWS, csv_bytes, pdf_text, xlsx_bytes


def page(response) -> str:
    return response.get_data(as_text=True)


def test_pages_need_a_login(client):
    response = client.get("/meetings")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_wrong_password_is_refused_in_chinese(client, make_organiser):
    make_organiser("admin")
    response = client.post("/login", data={"username": "admin", "password": "nope-nope"})
    assert response.status_code == 401
    assert "用户名或密码错误" in page(response)


def test_repeated_failures_are_slowed_down(client, make_organiser):
    make_organiser("admin")
    for _ in range(10):
        client.post(
            "/login",
            data={"username": "admin", "password": "wrong"},
            environ_base={"REMOTE_ADDR": "10.9.9.9"},
        )
    response = client.post(
        "/login",
        data={"username": "admin", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.9.9.9"},
    )
    assert response.status_code == 429
    assert "十分钟" in page(response)


def test_login_redirects_only_to_local_pages(client, make_organiser):
    make_organiser("admin")
    response = client.post(
        "/login?next=//evil.example/x", data={"username": "admin", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/meetings"


def test_idle_session_expires(admin_client, app, db):
    with admin_client.session_transaction() as session:
        login = db.get(LoginSession, session["login"])
    login.last_seen_at -= timedelta(minutes=app.config["ORGANISER_IDLE_MINUTES"], seconds=5)
    db.commit()
    response = admin_client.get("/meetings")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert admin_client.get("/meetings").status_code == 302


def test_logout(admin_client):
    assert admin_client.post("/logout").status_code == 302
    assert admin_client.get("/meetings").status_code == 302


def test_a_copied_cookie_stops_working_at_logout(app, admin_client):
    copy = app.test_client()
    with admin_client.session_transaction() as original, copy.session_transaction() as stolen:
        stolen.update(dict(original))
    assert copy.get("/meetings").status_code == 200
    assert admin_client.post("/logout").status_code == 302
    assert copy.get("/meetings").status_code == 302


def test_forged_form_without_csrf_token_changes_nothing(app, make_organiser, db):
    app.config["WTF_CSRF_ENABLED"] = True
    make_organiser("admin")
    client = app.test_client()
    login_page = page(client.get("/login"))
    token = login_page.split('name="csrf_token" value="')[1].split('"')[0]
    assert (
        client.post(
            "/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token}
        ).status_code
        == 302
    )
    response = client.post("/meetings/new", data={"title": "伪造的会议"})
    assert response.status_code == 400
    assert "表单已过期或来源不明" in page(response)
    assert db.query(Meeting).count() == 0


def test_create_meeting_and_see_overview(admin_client, db):
    response = admin_client.post(
        "/meetings/new",
        data={
            "title": "2024年度述职评议",
            "organ_name": "机关党组",
            "held_on": "2025-01-20",
            "year": "2024",
            "preset": "democratic",
        },
    )
    assert response.status_code == 302
    meeting = db.query(Meeting).one()
    assert meeting.year == 2024 and meeting.scheme["name"] == "民主测评"
    overview = page(admin_client.get(f"/meetings/{meeting.id}"))
    assert "2024年度述职评议" in overview and "会议开始前请先添加述职对象" in overview


def test_the_year_is_asked_for_and_nothing_typed_is_lost(admin_client, db):
    form = {"title": "2024年度述职评议", "organ_name": "机关党组", "held_on": "2025-01-20"}
    response = admin_client.post("/meetings/new", data=form)
    text = page(response)
    assert response.status_code == 200 and "考核年度" in text
    assert "2024年度述职评议" in text and "机关党组" in text and "2025-01-20" in text
    assert 'data-value="2024"' in text  # the suggested year: January reviews last year
    assert db.query(Meeting).count() == 0


def test_bad_date_is_explained_and_nothing_is_created(admin_client, db):
    response = admin_client.post(
        "/meetings/new", data={"title": "会议", "held_on": "2024/13/01"}, follow_redirects=True
    )
    assert "日期格式应为 2024-01-30" in page(response)
    assert db.query(Meeting).count() == 0


def test_unknown_meeting_gives_a_chinese_404(admin_client):
    response = admin_client.get("/meetings/9999/reporters")
    assert response.status_code == 404 and "该会议不存在" in page(response)


def test_clerk_can_look_but_not_set_up(app, make_organiser, make_meeting):
    make_organiser("clerk", role="clerk")
    meeting = make_meeting()
    client = app.test_client()
    client.post("/login", data={"username": "clerk", "password": PASSWORD})
    assert client.get(f"/meetings/{meeting.id}/reporters").status_code == 200
    response = client.post("/meetings/new", data={"title": "x"})
    assert response.status_code == 403 and "没有权限" in page(response)
    assert (
        client.post(
            f"/meetings/{meeting.id}/tokens/generate",
            data={"category_id": meeting.categories[0].id, "count": 5},
        ).status_code
        == 403
    )


@pytest.mark.parametrize(
    ("payload", "filename"),
    [(csv_bytes(REPORTER_ROWS, "gbk"), "名单.csv"), (xlsx_bytes(REPORTER_ROWS), "名单.xlsx")],
)
def test_import_shows_preview_then_saves_all(admin_client, make_meeting, db, payload, filename):
    import io

    meeting = make_meeting(reporters_count=0, slips=None)
    response = admin_client.post(
        f"/meetings/{meeting.id}/reporters/import",
        data={"file": (io.BytesIO(payload), filename)},
        content_type="multipart/form-data",
    )
    html = page(response)
    assert response.status_code == 200 and "张三" in html and "导入全部 3 行" in html
    assert db.query(Reporter).count() == 0
    key = html.split('name="key" value="')[1].split('"')[0]
    response = admin_client.post(
        f"/meetings/{meeting.id}/reporters/import/confirm",
        data={"key": key, "replace": "0"},
        follow_redirects=True,
    )
    assert "已导入 3 名述职对象" in page(response)
    assert sorted(r.name for r in db.query(Reporter)) == ["张三", "李四", "王五"]


def test_import_with_row_errors_offers_no_import_button(admin_client, make_meeting, db):
    import io

    meeting = make_meeting(reporters_count=0, slips=None)
    rows = [["姓名", "日常考核"], ["甲", "101"], ["乙", "80"]]
    response = admin_client.post(
        f"/meetings/{meeting.id}/reporters/import",
        data={"file": (io.BytesIO(csv_bytes(rows, "gb18030")), "x.csv")},
        content_type="multipart/form-data",
    )
    html = page(response)
    assert "1 行有错误" in html and "导入全部" not in html
    assert db.query(Reporter).count() == 0


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"\xd0\xcf\x11\xe0old", "旧版 .xls"),
        (b"PK\x03\x04broken", "无法读取该 Excel"),
        (b"", "文件为空"),
    ],
)
def test_bad_upload_is_explained(admin_client, make_meeting, payload, message):
    import io

    meeting = make_meeting(reporters_count=0, slips=None)
    response = admin_client.post(
        f"/meetings/{meeting.id}/reporters/import",
        data={"file": (io.BytesIO(payload), "x.xlsx")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert message in page(response)


def test_oversized_upload_is_refused(admin_client, make_meeting, app):
    import io

    app.config["MAX_CONTENT_LENGTH"] = 1024
    meeting = make_meeting(reporters_count=0, slips=None)
    response = admin_client.post(
        f"/meetings/{meeting.id}/reporters/import",
        data={"file": (io.BytesIO(b"x" * 4096), "big.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413 and "文件过大" in page(response)


def test_forged_import_key_is_refused(admin_client, make_meeting, db):
    meeting = make_meeting(reporters_count=0, slips=None)
    for key in ["../../secret_key", "0" * 32]:
        response = admin_client.post(
            f"/meetings/{meeting.id}/reporters/import/confirm",
            data={"key": key},
            follow_redirects=True,
        )
        assert "请重新上传" in page(response)
    assert db.query(Reporter).count() == 0


def test_reorder_endpoint_checks_the_ids(admin_client, make_meeting, db):
    meeting = make_meeting(reporters_count=3, slips=None)
    ids = [r.id for r in meeting.reporters]
    response = admin_client.post(
        f"/meetings/{meeting.id}/reporters/order", data={"order": ",".join(map(str, ids[::-1]))}
    )
    assert response.json == {"ok": True}
    db.expire_all()
    assert [r.id for r in db.get(Meeting, meeting.id).reporters] == ids[::-1]
    response = admin_client.post(f"/meetings/{meeting.id}/reporters/order", data={"order": "1,2,x"})
    assert response.status_code == 400 and "刷新页面" in response.json["message"]


def test_category_weights_that_do_not_add_up_change_nothing(admin_client, make_meeting, db):
    meeting = make_meeting(slips=None)
    form = {}
    for c in meeting.categories:
        form[f"c{c.id}_name"] = c.name
        form[f"c{c.id}_weight"] = "10"
    response = admin_client.post(
        f"/meetings/{meeting.id}/categories", data=form, follow_redirects=True
    )
    assert "权重之和为 50%" in page(response)
    db.expire_all()
    assert sum(c.weight for c in db.query(Category).filter_by(meeting_id=meeting.id)) == 100


def test_invalid_scheme_lists_every_problem(admin_client, make_meeting, db):
    meeting = make_meeting(slips=None)
    response = admin_client.post(
        f"/meetings/{meeting.id}/scheme",
        data={
            "mode": "grade",
            "scale": "好=60, 差=80",
            "overall": "",
            "thresholds": "好 >= 50\n较好 >= 70\n差",
            "quorum_pct": "50",
        },
    )
    html = page(response)
    assert "从好到差" in html and "总体评价项" in html and "依次递减" in html
    db.expire_all()
    assert db.get(Meeting, meeting.id).scheme["scale"][0] == ["好", 100]


def test_slips_pdf_shows_every_code(admin_client, make_meeting, db, tmp_path):
    from meeting import tokens

    meeting = make_meeting(slips=(3, 2, 1, 4, 5))
    codes = [tokens.format_code(t.code) for t in tokens.list_tokens(db, meeting)]
    response = admin_client.get(f"/meetings/{meeting.id}/tokens/slips.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data, tmp_path)
    assert all(code in text for code in codes)
    assert "党员代表" in text and "无记名测评" in text
    import io

    assert len(PdfReader(io.BytesIO(response.data)).pages) == 2  # 15 slips, 10 per sheet


def test_revoked_slip_is_left_out_of_the_print(admin_client, make_meeting, db, tmp_path):
    from meeting import tokens

    meeting = make_meeting(slips=(2,))
    old, kept = tokens.list_tokens(db, meeting)
    response = admin_client.post(
        f"/meetings/{meeting.id}/tokens/{old.id}/revoke", data={"replace": "1"}
    )
    assert response.status_code == 302
    db.expire_all()
    new = next(t for t in tokens.list_tokens(db, meeting) if t.replaces_id == old.id)
    text = pdf_text(admin_client.get(f"/meetings/{meeting.id}/tokens/slips.pdf").data, tmp_path)
    assert tokens.format_code(old.code) not in text
    assert tokens.format_code(kept.code) in text and tokens.format_code(new.code) in text
    single = pdf_text(
        admin_client.get(f"/meetings/{meeting.id}/tokens/slips.pdf?token={new.id}").data, tmp_path
    )
    assert tokens.format_code(new.code) in single and tokens.format_code(kept.code) not in single


def test_a_form_sent_twice_creates_once(admin_client, db):
    form = {
        "title": "会议",
        "organ_name": "机关党组",
        "year": "2024",
        "once": "form-key-000000000001",
    }
    assert admin_client.post("/meetings/new", data=form).status_code == 302
    assert admin_client.post("/meetings/new", data=form).status_code == 302
    assert db.query(Meeting).count() == 1


def test_the_console_page_renders(admin_client, make_meeting):
    meeting = make_meeting(status="live")
    page = admin_client.get(f"/meetings/{meeting.id}/console")
    assert page.status_code == 200 and 'id="boot"' in page.get_data(as_text=True)


def test_overview_lists_every_category_without_slips(admin_client, make_meeting):
    meeting = make_meeting(slips=(3, 0, 0, 2, 0))
    text = page(admin_client.get(f"/meetings/{meeting.id}"))
    assert "筹备情况" in text
    assert "以下类别还没有测评票：党委委员、纪委委员、党员代表。" in text
    assert "筹备工作已就绪" not in text


def test_overview_of_a_ready_draft_says_so(admin_client, make_meeting):
    meeting = make_meeting()
    text = page(admin_client.get(f"/meetings/{meeting.id}"))
    assert "筹备工作已就绪" in text and "还没有测评票" not in text
    # going back from live is asked first; a draft has no such button
    assert "返回筹备状态？" not in text


def test_overview_of_a_live_meeting_shows_its_live_status(admin_client, make_meeting, db):
    from meeting import rounds

    meeting = make_meeting(status="live")
    # before any round, going back is offered, and asked first
    assert 'data-confirm="返回筹备状态？' in page(admin_client.get(f"/meetings/{meeting.id}"))
    rounds.open_round(db, meeting, [r.id for r in meeting.reporters], "第一轮")
    db.commit()
    text = page(admin_client.get(f"/meetings/{meeting.id}"))
    assert "会议进行中" in text and "筹备情况" not in text and "筹备工作已就绪" not in text
    assert "议程尚未开始" in text and "第一轮" in text and "已有 0 / 12 张票提交" in text


def test_overview_of_a_sealed_meeting_says_it_is_sealed(admin_client, make_meeting, db):
    from meeting import meetings

    meeting = make_meeting(status="live")
    meetings.set_status(db, meeting, "closed")
    db.commit()
    text = page(admin_client.get(f"/meetings/{meeting.id}"))
    assert "会议已结束并封存" in text and "筹备情况" not in text


def test_back_to_preparation_after_scoring_is_refused_in_chinese(admin_client, make_meeting, db):
    from meeting import rounds

    meeting = make_meeting(status="live")
    rounds.close_round(db, rounds.open_round(db, meeting, [r.id for r in meeting.reporters]))
    db.commit()
    # the button is no longer offered, and a form sent anyway is refused
    assert "返回筹备状态" not in page(admin_client.get(f"/meetings/{meeting.id}"))
    response = admin_client.post(
        f"/meetings/{meeting.id}/status", data={"status": "draft"}, follow_redirects=True
    )
    assert "不能再返回筹备状态" in page(response)
    db.expire_all()
    assert db.get(Meeting, meeting.id).status == "live"


def test_a_sealed_meetings_reporters_and_categories_are_read_only(admin_client, db, make_meeting):
    """Every change would be refused after sealing, so no control offers one."""
    from meeting import meetings

    meeting = make_meeting(status="live")
    meetings.set_status(db, meeting, "closed")
    db.commit()
    reporters = admin_client.get(f"/meetings/{meeting.id}/reporters").get_data(as_text=True)
    assert "本页内容只可查看" in reporters and "述职人1" in reporters
    for control in ("/move", "/delete", "reporter-add-form", "data-order-url", "/import"):
        assert control not in reporters, control
    categories = admin_client.get(f"/meetings/{meeting.id}/categories").get_data(as_text=True)
    assert "本页内容只可查看" in categories and "<fieldset disabled>" in categories
    for control in ("category-add-form", "/preset", "/delete"):
        assert control not in categories, control
    # before sealing the same pages offer them
    draft = make_meeting(title="筹备中的会议")
    assert "reporter-add-form" in admin_client.get(f"/meetings/{draft.id}/reporters").get_data(
        as_text=True
    )
