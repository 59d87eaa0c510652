"""One aggregation path: the numbers of a meeting computed by hand, on every surface."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from meeting import results, rounds
from tests.helpers import pdf_text, squash

EXPECTED = {
    "甲": {
        "assessment": "90.00",
        "final": "90.00",
        "grade": "好",
        "rank": 1,
        "top_rate": "50.0",
        "approval_rate": "100.0",
        "percents": ["50.0", "50.0", "0.0", "0.0"],
    },
    "乙": {
        "assessment": "78.00",
        "final": "75.60",
        "grade": "一般",
        "rank": 2,
        "top_rate": "25.0",
        "approval_rate": "75.0",
        "percents": ["25.0", "50.0", "25.0", "0.0"],
    },
    "丙": {
        "assessment": "52.00",
        "final": "52.00",
        "grade": "差",
        "rank": 3,
        "top_rate": "0.0",
        "approval_rate": "33.4",
        "percents": ["0.0", "33.4", "33.3", "33.3"],
    },
}


def data_for(db, meeting):
    return results.results_data(results.compute_results(db, meeting))


def test_results_match_the_hand_computation(db, known):
    data = data_for(db, known)
    for r in data["reporters"]:
        expected = EXPECTED[r["name"]]
        assert r["assessment"] == expected["assessment"]
        assert r["final"] == expected["final"] and r["grade"] == expected["grade"]
        assert r["rank"] == expected["rank"]
        assert (
            r["top_rate"] == expected["top_rate"]
            and r["approval_rate"] == expected["approval_rate"]
        )
        assert r["lines"][-1]["percents"] == expected["percents"]
        assert r["participation"] == {"issued": 5, "returned": 5, "valid": 4, "invalid": 1}
    first = data["reporters"][0]
    assert first["lines"][0]["score"] == "86.00" and first["lines"][0]["abstain"] == 1
    third = data["reporters"][2]
    assert third["warning"] and third["missing_components"] == ["日常考核"]
    assert data["ranking"] == [r.id for r in known.reporters]


def test_results_page_shows_the_same_numbers(admin_client, known):
    html = admin_client.get(f"/meetings/{known.id}/results").get_data(as_text=True)
    for name, expected in EXPECTED.items():
        assert name in html
        for key in ("assessment", "final", "top_rate", "approval_rate"):
            assert expected[key] in html
    assert "86.00" in html and "约谈提醒" in html and "缺少：日常考核" in html
    assert "按综合得分从高到低排名" in html  # the rules as footnotes


def test_summary_xlsx_has_the_same_numbers(admin_client, known):
    response = admin_client.get(f"/meetings/{known.id}/results/summary.xlsx")
    assert response.status_code == 200 and len(response.headers["X-Content-SHA256"]) == 64
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]

    def shown(cell):  # what Excel shows: the value through its number format
        if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
            places = {"0.00": 2, "0.0": 1, "0": 0}[cell.number_format]
            return f"{cell.value:.{places}f}"
        return "" if cell.value is None else cell.value

    rows = [[shown(c) for c in row] for row in sheet.iter_rows()]
    header = rows[1]
    # numbers are numbers (Excel can sum and sort them), text is text
    assert all(isinstance(c.value, int | float) for c in sheet[3][4:8]), "counts are numeric cells"
    by_name = {row[1]: dict(zip(header, row, strict=False)) for row in rows[2:]}
    for name, expected in EXPECTED.items():
        row = by_name[name]
        assert row["名次"] == str(expected["rank"])
        assert row["综合得分"] == expected["final"] and row["评议等次"] == expected["grade"]
        assert row["述职评议测评"] == expected["assessment"]
        assert (
            row["好评率（%）"] == expected["top_rate"]
            and row["满意率（%）"] == expected["approval_rate"]
        )
    assert (
        by_name["甲"]["党组成员（40%）"] == "90.00" and by_name["乙"]["党员代表（60%）"] == "70.00"
    )


def test_summary_pdf_has_the_same_numbers(admin_client, known, tmp_path):
    response = admin_client.get(f"/meetings/{known.id}/results/summary.pdf")
    text = squash(pdf_text(response.data, tmp_path))
    assert "测评结果汇总表" in text
    for expected in EXPECTED.values():
        for key in ("assessment", "final", "top_rate", "approval_rate", "grade"):
            assert expected[key] in text


@pytest.mark.parametrize("name", ["甲", "乙", "丙"])
def test_each_letter_has_the_same_numbers(admin_client, known, tmp_path, name):
    reporter = next(r for r in known.reporters if r.name == name)
    response = admin_client.get(f"/meetings/{known.id}/letters/{reporter.id}.pdf")
    assert response.status_code == 200
    text = squash(pdf_text(response.data, tmp_path))
    expected = EXPECTED[name]
    assert f"{name}同志：" in text
    assert f"综合得分{expected['final']}分" in text and f"评议等次为“{expected['grade']}”" in text
    assert f"述职评议测评{expected['assessment']}分" in text
    assert (
        f"好评率{expected['top_rate']}%" in text and f"满意率{expected['approval_rate']}%" in text
    )
    assert "收回5张，其中有效票4张、无效票1张" in text
    assert "第1页共" in text  # page x of y
    if name == "丙":
        assert "约谈提醒" in text and "缺少日常考核" in text
    if name == "甲":
        assert "86.00" in text  # the first dimension, with its abstention


def test_letter_of_a_written_reporter_without_comments_reads_well(
    db, known, tmp_path, admin_client
):
    reporter = known.reporters[1]
    text = squash(
        pdf_text(admin_client.get(f"/meetings/{known.id}/letters/{reporter.id}.pdf").data, tmp_path)
    )
    assert "书面述职" in text and "会上未对你进行询问" in text and "无。" in text


def test_round_selection_rules(db, make_meeting):
    """The latest closed round counts; void rounds never; an open round shows as scoring."""
    meeting = make_meeting(status="live")
    ids = [r.id for r in meeting.reporters]
    first = rounds.open_round(db, meeting, ids[:1])
    rounds.void_round(db, first, "重来")
    second = rounds.open_round(db, meeting, ids[:1])
    rounds.close_round(db, second)
    rounds.open_round(db, meeting, ids[1:2])
    db.commit()
    data = data_for(db, meeting)
    status = {r["name"]: r["status"] for r in data["reporters"]}
    assert status == {"述职人1": "scored", "述职人2": "scoring", "述职人3": "unscored"}
    assert data["reporters"][0]["participation"]["returned"] == 0
    assert data["reporters"][0]["final"] is None  # no votes at all: no score, never zero


def test_publish_levels(db, known):
    data = data_for(db, known)
    published = results.publish(db, known, "ranking", data, "2024-01-30T10:00:00")
    assert [row["name"] for row in published["rows"]] == ["甲", "乙", "丙"]
    assert published["rows"][0]["final"] == "90.00"
    turnout = results.publish(db, known, "turnout", data, "t")
    assert "final" not in turnout["rows"][0] and "percents" not in turnout["rows"][0]
    distribution = results.publish(db, known, "distribution", data, "t")
    assert distribution["rows"][2]["percents"] == ["0.0", "33.4", "33.3", "33.3"]
    assert results.publish(db, known, "none", data, "t") == {} and known.published == {}
    from meeting.errors import Invalid

    with pytest.raises(Invalid):
        results.publish(db, known, "everything", data, "t")


def test_a_closed_meeting_keeps_its_results_and_letters(admin_client, db, known, tmp_path):
    from meeting import meetings

    meetings.set_status(db, known, "closed")
    db.commit()
    page = admin_client.get(f"/meetings/{known.id}/results").get_data(as_text=True)
    assert "75.60" in page
    letter = admin_client.get(f"/meetings/{known.id}/letters/{known.reporters[1].id}.pdf")
    assert "75.60" in squash(pdf_text(letter.data, tmp_path))
