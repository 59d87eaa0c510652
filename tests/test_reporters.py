import pytest

from meeting import reporters
from meeting.errors import Conflict, Invalid, NotFound
from tests.helpers import REPORTER_ROWS, csv_bytes, xlsx_bytes


def data(name, **fields):
    return reporters.ReporterData(name=name, **fields)


def test_add_edit_and_reorder(db, make_meeting):
    meeting = make_meeting(reporters_count=0, slips=None)
    a = reporters.add_reporter(db, meeting, data("甲", unit="一处", on_site=True))
    b = reporters.add_reporter(db, meeting, data("乙"))
    c = reporters.add_reporter(db, meeting, data("丙"))
    reporters.reorder_reporters(db, meeting, [c.id, a.id, b.id])
    db.commit()
    assert [r.name for r in meeting.reporters] == ["丙", "甲", "乙"]
    reporters.move_reporter(db, b, -1)
    db.commit()
    assert [r.name for r in meeting.reporters] == ["丙", "乙", "甲"]
    reporters.update_reporter(db, a, data("甲", title="主任", unit="二处"))
    assert (a.title, a.unit, a.on_site) == ("主任", "二处", False)


def test_duplicate_and_empty_names_are_refused(db, make_meeting):
    meeting = make_meeting(reporters_count=1, slips=None)
    with pytest.raises(Conflict, match="述职人1"):
        reporters.add_reporter(db, meeting, data("述职人1"))
    with pytest.raises(Invalid):
        reporters.add_reporter(db, meeting, data("   "))


def test_reorder_with_foreign_ids_is_refused(db, make_meeting):
    meeting = make_meeting(reporters_count=2, slips=None)
    other = make_meeting(title="另一个会议", reporters_count=1, slips=None)
    ids = [meeting.reporters[0].id, other.reporters[0].id]
    with pytest.raises(Invalid):
        reporters.reorder_reporters(db, meeting, ids)
    with pytest.raises(NotFound):
        reporters.get_reporter(db, meeting, other.reporters[0].id)


@pytest.mark.parametrize(
    "payload",
    [
        xlsx_bytes(REPORTER_ROWS),
        csv_bytes(REPORTER_ROWS, "gbk"),
        csv_bytes(REPORTER_ROWS, "utf-8-sig"),
    ],
    ids=["xlsx", "gbk-csv", "utf8-bom-csv"],
)
def test_import_preview_then_commit(db, make_meeting, payload):
    meeting = make_meeting(reporters_count=0, slips=None)
    preview = reporters.preview_import(meeting, payload)
    assert preview.ok, [r.errors for r in preview.rows]
    assert len(preview.rows) == 3
    assert meeting.reporters == []  # preview saves nothing
    reporters.import_reporters(db, meeting, preview)
    db.commit()
    # 顺序 first (李四=1, 张三=2), rows without an order after them in file order
    assert [r.name for r in meeting.reporters] == ["李四", "张三", "王五"]
    zhang = meeting.reporters[1]
    assert zhang.on_site and zhang.unit == "办公室" and zhang.component_scores == {"c1": 91.5}
    assert meeting.reporters[2].component_scores == {}


def test_import_reports_every_bad_row_and_saves_nothing(db, make_meeting):
    meeting = make_meeting(reporters_count=1, slips=None)
    rows = [
        ["姓名", "述职方式", "日常考核", "顺序"],
        ["好人", "现场", "90", "1"],
        ["", "书面", "80", ""],
        ["重名", "远程", "80", ""],
        ["重名", "书面", "120", ""],
        ["述职人1", "书面", "", ""],
        ["分数", "书面", "九十", ""],
        ["顺序", "书面", "", "第一"],
    ]
    preview = reporters.preview_import(meeting, csv_bytes(rows, "gbk"))
    errors = {row.line: " ".join(row.errors) for row in preview.rows}
    assert errors[2] == ""
    assert "姓名" in errors[3]
    assert "现场" in errors[4] and "远程" in errors[4]
    assert "0 至 100" in errors[5] and " 应在" not in errors[5]
    assert "已在述职对象名单中" in errors[6]
    assert "应填数字" in errors[7]
    assert "整数" in errors[8]
    assert not preview.ok and preview.error_count == 6
    with pytest.raises(Invalid):
        reporters.import_reporters(db, meeting, preview)
    assert [r.name for r in meeting.reporters] == ["述职人1"]


def test_duplicate_names_inside_the_file_point_at_the_first_line(make_meeting):
    meeting = make_meeting(reporters_count=0, slips=None)
    preview = reporters.preview_import(meeting, csv_bytes([["姓名"], ["甲"], ["甲"]]))
    assert preview.rows[1].errors == ["该姓名与第 2 行重复。"]


def test_import_without_name_column_is_refused(make_meeting):
    meeting = make_meeting(reporters_count=0, slips=None)
    with pytest.raises(Invalid, match="姓名"):
        reporters.preview_import(meeting, csv_bytes([["名单"], ["甲"]]))


def test_import_can_replace_the_list(db, make_meeting):
    meeting = make_meeting(reporters_count=2, slips=None)
    preview = reporters.preview_import(
        meeting, csv_bytes([["姓名"], ["述职人1"], ["新人"]]), replace=True
    )
    assert preview.ok
    reporters.import_reporters(db, meeting, preview)
    db.commit()
    assert [r.name for r in meeting.reporters] == ["述职人1", "新人"]


def test_report_pdf_must_be_a_pdf(db, make_meeting, tmp_path):
    meeting = make_meeting(reporters_count=1, slips=None)
    reporter = meeting.reporters[0]
    with pytest.raises(Invalid):
        reporters.store_report_pdf(db, reporter, b"<html>not a pdf", "r.pdf", tmp_path)
    reporters.store_report_pdf(db, reporter, b"%PDF-1.4 fake", "报告.pdf", tmp_path)
    assert (tmp_path / reporter.report_file).read_bytes().startswith(b"%PDF-")
    assert reporter.report_filename == "报告.pdf"


def test_import_skips_rows_marked_as_the_example(make_meeting):
    meeting = make_meeting(reporters_count=0, slips=None)
    rows = [
        ["姓名", "职务", "单位"],
        ["示例：王建军", "党支部书记", "办公室"],
        ["李四", "处长", "财务处"],
        ["示例:张三", "", ""],
        ["王建军", "", ""],
    ]
    preview = reporters.preview_import(meeting, csv_bytes(rows))
    assert preview.samples == [2, 4]
    assert [row.data.name for row in preview.rows if row.data] == ["李四", "王建军"]
    assert preview.ok
