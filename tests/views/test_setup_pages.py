"""Set-up forms keep what was typed and show the reason beside the field; import template."""

import io
import re
from typing import NamedTuple
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from meeting import reporters
from meeting.models import Category, Meeting, Reporter


def page(response) -> str:
    return response.get_data(as_text=True)


def error_after(html: str, field: str) -> str:
    """The text of the field error that follows the input named ``field`` in its cell/box."""
    match = re.search(
        r'name="' + re.escape(field) + r'"[^>]*aria-invalid="true"[^>]*>.*?'
        r'<p class="field-error" role="alert"[^>]*>(.*?)</p>',
        html,
        re.S,
    )
    assert match, f"no error beside {field}"
    return match.group(1)


def category_form(meeting, **changes):
    form = {}
    for c in meeting.categories:
        form[f"c{c.id}_name"] = c.name
        form[f"c{c.id}_weight"] = f"{c.weight:g}"
        if c.may_inquire:
            form[f"c{c.id}_may_inquire"] = "1"
    form.update(changes)
    return form


def test_refused_categories_come_back_as_typed_with_the_reason_beside_the_weight(
    admin_client, make_meeting, db
):
    meeting = make_meeting(slips=None)
    first, second, third = meeting.categories[:3]
    form = category_form(
        meeting,
        **{
            f"c{first.id}_name": "党组成员（扩大）",
            f"c{third.id}_weight": "abc",
            f"c{second.id}_may_inquire": "1",
        },
    )
    html = page(admin_client.post(f"/meetings/{meeting.id}/categories", data=form))
    assert "“纪委委员”的权重不是数字" in error_after(html, f"c{third.id}_weight")
    assert 'value="党组成员（扩大）"' in html and 'value="abc"' in html
    assert re.search(rf'name="c{second.id}_may_inquire" value="1"[^>]*checked', html)
    assert 'data-dirty="1"' in html  # shown as not saved
    assert "权重（%）" in html
    db.expire_all()
    assert db.get(Category, first.id).name == "党组成员"


def test_weights_that_do_not_add_up_are_explained_at_the_total(admin_client, make_meeting, db):
    meeting = make_meeting(slips=None)
    form = category_form(meeting, **{f"c{c.id}_weight": "10" for c in meeting.categories})
    html = page(admin_client.post(f"/meetings/{meeting.id}/categories", data=form))
    error = re.search(r'<p class="field-error" role="alert" id="total-error">(.*?)</p>', html)
    assert error and "权重之和为 50%" in error.group(1)
    assert html.count('value="10"') == 5


def test_weights_typed_as_fractions_are_saved_as_percent(admin_client, make_meeting, db):
    meeting = make_meeting(slips=None)
    fractions = ["0.3", "0.2", "0.1", "0.2", "0.2"]
    form = category_form(
        meeting,
        **{f"c{c.id}_weight": w for c, w in zip(meeting.categories, fractions, strict=True)},
    )
    response = admin_client.post(f"/meetings/{meeting.id}/categories", data=form)
    assert response.status_code == 302
    db.expire_all()
    weights = [c.weight for c in db.get(Meeting, meeting.id).categories]
    assert weights == [30, 20, 10, 20, 20]


def test_editing_a_reporter_to_a_taken_name_shows_the_reason_beside_the_name(
    admin_client, make_meeting, db
):
    meeting = make_meeting(slips=None)
    first, second = meeting.reporters[:2]
    form = {"name": second.name, "title": "新职务", "unit": first.unit, "on_site": "0"}
    html = page(admin_client.post(f"/meetings/{meeting.id}/reporters/{first.id}", data=form))
    assert "名单中已有 述职人2" in error_after(html, "name")
    assert 'value="新职务"' in html
    db.expire_all()
    assert db.get(Reporter, first.id).title == "书记"


class Refusal(NamedTuple):
    """A form the server refuses: where it goes, what is typed, the field named with the
    reason, the typed values that must come back, and what must not have been stored."""

    url: str  # "{id}": the meeting's
    form: dict[str, str]
    field: str
    reason: str
    kept: list[str]
    selected: str | None = None  # the <option> still chosen
    unsaved: tuple[type, dict[str, str]] | None = None  # (model, filter): no such row


REFUSALS = {
    "new-category": Refusal(
        url="/meetings/{id}/categories/add",
        form={"name": "列席人员", "weight": "百分之十", "may_inquire": "1"},
        field="weight",
        reason="“列席人员”的权重不是数字",
        kept=["列席人员", "百分之十"],
        unsaved=(Category, {"name": "列席人员"}),
    ),
    "new-reporter": Refusal(
        url="/meetings/{id}/reporters/add",
        form={
            "name": "新同志",
            "title": "副主任",
            "unit": "研究室",
            "on_site": "1",
            "component_c1": "九十",
        },
        field="component_c1",
        reason="“日常考核”应填数字，不能填“九十”。",
        kept=["新同志", "副主任", "研究室", "九十"],
        selected="1",
        unsaved=(Reporter, {"name": "新同志"}),
    ),
    "new-meeting": Refusal(
        url="/meetings/new",
        form={
            "title": "年度述职评议",
            "organ_name": "机关党组",
            "year": "1999",
            "preset": "democratic",
        },
        field="year",
        reason="2000",
        kept=["年度述职评议", "1999"],
        selected="democratic",
        unsaved=(Meeting, {"title": "年度述职评议"}),
    ),
    "scheme": Refusal(
        url="/meetings/{id}/scheme",
        form={
            "name": "我的方案",
            "mode": "grade",
            "scale": "好=100, 较好",
            "dimensions": "抓基层党建工作",
            "overall": "综合评价",
            "thresholds": "好 >= 90\n差",
            "quorum_pct": "50",
        },
        field="scale",
        reason="好=100",
        kept=["我的方案", "好=100, 较好"],
    ),
}


@pytest.mark.parametrize("case", REFUSALS.values(), ids=REFUSALS.keys())
def test_a_refused_form_keeps_what_was_typed_and_names_the_field(  # type: ignore[no-untyped-def]
    admin_client, make_meeting, db, case: Refusal
):
    meeting = make_meeting(slips=None)
    html = page(admin_client.post(case.url.format(id=meeting.id), data=case.form))
    assert case.reason in error_after(html, case.field)
    for value in case.kept:
        assert f'value="{value}"' in html
    if case.selected is not None:
        assert re.search(rf'<option value="{case.selected}" selected>', html)
    if case.unsaved is not None:
        model, where = case.unsaved
        assert db.query(model).filter_by(**where).count() == 0


def test_every_scheme_problem_is_shown_at_once_beside_its_field(admin_client, make_meeting):
    meeting = make_meeting(slips=None)
    form = {
        "mode": "grade",
        "scale": "好=60, 差=80",
        "overall": "",
        "thresholds": "差",
        "quorum_pct": "五十",
        "components": "日常考核=三十",
    }
    html = page(admin_client.post(f"/meetings/{meeting.id}/scheme", data=form))
    assert "从好到差" in error_after(html, "scale")
    assert "综合评价" in error_after(html, "overall")
    assert "至少" in error_after(html, "thresholds")
    assert "“五十”" in error_after(html, "quorum_pct")
    assert "“日常考核=三十”" in error_after(html, "components")
    # the summary beside the save button says the scheme was not saved
    box = html.index('id="scheme-problems"')
    assert box < html.index("保存方案") and "共 5 处问题" in html[box:]


def test_the_scheme_form_shows_only_the_fields_of_its_ballot_kind(admin_client, make_meeting):
    meeting = make_meeting(slips=None)
    grade = page(admin_client.get(f"/meetings/{meeting.id}/scheme"))
    numeric = page(admin_client.get(f"/meetings/{meeting.id}/scheme?preset=numeric"))

    def hidden(html: str, field: str) -> bool:
        # the wrapper of the field: hidden when it belongs to the other kind
        start = html.index(f'name="{field}"')
        wrapper = html.rindex("data-mode=", 0, start)
        return html[wrapper : html.index(">", wrapper)].endswith("hidden")

    for field in ("scale", "top_quota_pct", "top_quota_scope", "same_grade_invalid"):
        assert not hidden(grade, field) and hidden(numeric, field), field
    assert hidden(grade, "trim_extremes") and not hidden(numeric, "trim_extremes")
    for html in (grade, numeric):  # shown for both kinds
        for field in ("abstain", "thresholds", "quorum_pct"):
            start = html.index(f'name="{field}"')
            assert "hidden" not in html[html.rindex("<div", 0, start) : start], field


def test_a_loaded_preset_is_marked_unsaved(admin_client, make_meeting):
    meeting = make_meeting(slips=None)
    assert 'data-dirty="1"' not in page(admin_client.get(f"/meetings/{meeting.id}/scheme"))
    html = page(admin_client.get(f"/meetings/{meeting.id}/scheme?preset=democratic"))
    assert 'data-dirty="1"' in html and "未保存" in html
    assert "已将预设方案“民主测评”载入下方表单" in html


def test_the_import_template_has_the_importers_columns_and_imports_back(
    admin_client, make_meeting, db
):
    meeting = make_meeting(reporters_count=0, slips=None)
    response = admin_client.get(f"/meetings/{meeting.id}/reporters/import/template.xlsx")
    assert response.status_code == 200
    assert quote("述职对象名单模板.xlsx") in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    header = [cell.value for cell in sheet[1]]
    assert header == ["姓名", "职务", "单位", "述职方式", "顺序", "日常考核", "述职报告"]
    assert sheet["A2"].value == "示例：王建军" and sheet["D2"].value == "现场"
    assert sheet.column_dimensions["G"].width > sheet.column_dimensions["A"].width >= 12
    assert sheet.freeze_panes == "A2"

    # unchanged, the template imports nobody: its example row is marked and skipped
    unchanged = reporters.preview_import(meeting, response.data)
    assert unchanged.rows == [] and unchanged.samples == [2] and not unchanged.ok

    # filled in below the example, the example is still skipped and the rest imports
    for column, value in zip(
        "ABCDEFG", ["王建军", "书记", "办公室", "现场", 1, 90, ""], strict=True
    ):
        sheet[f"{column}3"] = value
    filled = io.BytesIO()
    sheet.parent.save(filled)
    preview = reporters.preview_import(meeting, filled.getvalue())
    assert preview.samples == [2]
    assert preview.ok and preview.columns == [
        "name",
        "title",
        "unit",
        "mode",
        "order",
        "component:c1",
        "report",
    ]
    (row,) = preview.rows
    assert row.line == 3
    assert row.data is not None and row.data.name == "王建军" and row.data.on_site
    assert row.data.component_scores == {"c1": 90}


def test_the_import_page_speaks_chinese_punctuation_and_names_the_daily_score(
    admin_client, make_meeting
):
    meeting = make_meeting(slips=None)
    html = page(admin_client.get(f"/meetings/{meeting.id}/reporters/import"))
    assert "下载模板（.xlsx）" in html and "/reporters/import/template.xlsx" in html
    assert "<th>日常考核</th>" in html
    text = re.sub(r"<[^>]+>", "", html)
    hint = text[text.index("只有“姓名”为必填") :][:120]
    assert "（不填视为书面）" in hint and "," not in hint and "(" not in hint


def test_the_import_preview_labels_the_daily_score_column(admin_client, make_meeting):
    from tests.helpers import REPORTER_ROWS, csv_bytes

    meeting = make_meeting(reporters_count=0, slips=None)
    html = page(
        admin_client.post(
            f"/meetings/{meeting.id}/reporters/import",
            data={"file": (io.BytesIO(csv_bytes(REPORTER_ROWS)), "名单.csv")},
            content_type="multipart/form-data",
        )
    )
    assert '<th class="num">日常考核</th>' in html and "成绩" not in html
    assert "文件：名单.csv" in html
    assert '<td class="num">91.5</td>' in html


def test_the_preview_of_an_unchanged_template_says_the_example_was_not_imported(
    admin_client, make_meeting
):
    meeting = make_meeting(reporters_count=0, slips=None)
    template = admin_client.get(f"/meetings/{meeting.id}/reporters/import/template.xlsx").data
    html = page(
        admin_client.post(
            f"/meetings/{meeting.id}/reporters/import",
            data={"file": (io.BytesIO(template), "模板.xlsx")},
            content_type="multipart/form-data",
        )
    )
    text = re.sub(r"<[^>]+>", "", html)
    assert "模板中的示例行未导入（第 2 行）。" in text
    assert "文件中除示例行外没有其他行" in text
    assert "/reporters/import/confirm" not in html and "有错误" not in text


def test_a_reporter_score_out_of_range_reads_without_a_stray_space(admin_client, make_meeting):
    meeting = make_meeting(slips=None)
    form = {"name": "新同志", "on_site": "1", "component_c1": "120"}
    html = page(admin_client.post(f"/meetings/{meeting.id}/reporters/add", data=form))
    assert error_after(html, "component_c1") == "“日常考核”应在 0 至 100 之间。"


def test_the_year_field_explains_its_format_in_chinese(admin_client):
    html = page(admin_client.get("/meetings/new"))
    year = re.search(r'<input id="year"[^>]*>', html)
    assert year and 'pattern="20[0-9][0-9]"' in year.group(0)
    assert 'title="请填写四位数年份，如 ' in year.group(0)
