import csv
import io

from meeting import exports, tokens
from meeting.models import ExportRecord


def test_raw_ballots_are_anonymous_and_complete(db, known):
    header, rows = exports.raw_rows(db, known)
    assert header == [
        "测评轮次",
        "票号",
        "类别",
        "有效票",
        "无效原因",
        "述职对象",
        "测评项目",
        "评价",
    ]
    assert len(rows) == 5 * 3 * 4  # ballots x reporters x lines
    text = exports.raw_csv(db, known).decode("utf-8-sig")
    for token in tokens.list_tokens(db, known):
        assert token.secret not in text and token.code not in text
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[0] == header
    invalid = [row for row in parsed[1:] if row[3] == "否"]
    assert len(invalid) == 12 and "最多可评" in invalid[0][4]
    assert any(row[7] == "不了解" for row in parsed[1:])


def test_exports_are_deterministic_so_digests_can_be_checked(db, known):
    assert exports.raw_csv(db, known) == exports.raw_csv(db, known)
    assert exports.raw_xlsx(db, known) == exports.raw_xlsx(db, known)


def test_every_download_is_recorded_with_its_digest(admin_client, db, known):
    first = admin_client.get(f"/meetings/{known.id}/results/ballots.csv")
    second = admin_client.get(f"/meetings/{known.id}/results/ballots.csv")
    assert (
        first.headers["X-Content-SHA256"]
        == second.headers["X-Content-SHA256"]
        == exports.digest(first.data)
    )
    assert "attachment" in first.headers["Content-Disposition"]
    records = db.query(ExportRecord).all()
    assert len(records) == 2 and records[0].sha256 == exports.digest(first.data)
    page = admin_client.get(f"/meetings/{known.id}/results").get_data(as_text=True)
    assert exports.digest(first.data) in page


def test_an_xlsx_export_carries_no_clock_time(db, known):
    """openpyxl stamps the save time into docProps/core.xml; the export must not, or two
    downloads a second apart would have different digests."""
    import io
    import zipfile

    from meeting.exports import FIXED_TIME

    core = zipfile.ZipFile(io.BytesIO(exports.raw_xlsx(db, known))).read("docProps/core.xml")
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    assert core.count(stamp) == 2, core  # created and modified
