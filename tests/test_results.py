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


# --------------------------------------------------------------------------- signable documents


def test_a_dimension_with_its_own_scale_is_printed_under_its_own_grades(
    admin_client, db, signable, tmp_path
):
    data = data_for(db, signable)
    jia = next(r for r in data["reporters"] if r["name"] == "甲")
    groups = [(g["labels"], [line["name"] for line in g["lines"]]) for g in jia["line_groups"]]
    assert groups == [
        (["好", "较好", "一般", "差"], ["抓基层党建工作", "履行管党治党政治责任"]),
        (["满意", "基本满意", "不满意"], ["执行廉洁自律"]),
        (["好", "较好", "一般", "差"], ["综合评价"]),
    ]
    clean = next(line for line in jia["lines"] if line["key"] == "d3")
    assert clean["counts"] == [4, 2, 0] and clean["points"] == ["100", "80", "50"]
    # every rules text names both scales
    assert "满意 100、基本满意 80、不满意 50（执行廉洁自律）" in data["footnotes"][0]
    assert "好 100、较好 80、一般 60、差 40" in data["footnotes"][0]

    page = admin_client.get(f"/meetings/{signable.id}/results").get_data(as_text=True)
    detail = page[page.index('id="r' + str(jia["id"])) :]
    detail = detail[: detail.index("</section>")]
    header = detail[detail.index("执行廉洁自律") - 600 : detail.index("执行廉洁自律")]
    assert "满意" in header and "基本满意" in header  # the line sits under its own header

    sheet = load_workbook(
        io.BytesIO(admin_client.get(f"/meetings/{signable.id}/results/summary.xlsx").data)
    ).worksheets[1]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    for row in rows:
        while row and row[-1] is None:
            row.pop()
    line = rows.index(["甲", "执行廉洁自律", 4, 66.7, 2, 33.3, 0, 0, 0, 93.33])
    assert rows[line - 1][2:8] == [
        "满意（票）",
        "满意 %",
        "基本满意（票）",
        "基本满意 %",
        "不满意（票）",
        "不满意 %",
    ]

    letter = admin_client.get(f"/meetings/{signable.id}/letters/{jia['id']}.pdf")
    lines = [line.split() for line in pdf_text(letter.data, tmp_path, layout=True).splitlines()]
    row = lines.index(["执行廉洁自律", "4", "2", "0", "0", "93.33"])  # no grade of the other scale
    header = next(line for line in reversed(lines[:row]) if line and line[0] == "测评项目")
    assert header == ["测评项目", "满意", "基本满意", "不满意", "不了解", "得分"]


def test_a_void_result_reads_as_void_on_every_surface(admin_client, db, signable, tmp_path):
    data = data_for(db, signable)
    bing = next(r for r in data["reporters"] if r["name"] == "丙")
    void = "结果无效（回收 2 张 / 发放 9 张，未达 5 张）"
    assert bing["void"] and bing["void_text"] == void
    assert bing["final"] is None and bing["grade"] is None and bing["rank"] is None
    assert bing["assessment"] is None and bing["top_rate"] is None

    page = admin_client.get(f"/meetings/{signable.id}/results").get_data(as_text=True)
    assert void in page
    xlsx = load_workbook(
        io.BytesIO(admin_client.get(f"/meetings/{signable.id}/results/summary.xlsx").data)
    ).worksheets[0]
    row = next(r for r in xlsx.iter_rows(values_only=True) if r[1] == "丙")
    assert row[0] is None and "结果无效" in row[-2] and void in row[-1]
    summary = squash(
        pdf_text(admin_client.get(f"/meetings/{signable.id}/results/summary.pdf").data, tmp_path)
    )
    assert squash(void) in summary
    letter = squash(
        pdf_text(
            admin_client.get(f"/meetings/{signable.id}/letters/{bing['id']}.pdf").data, tmp_path
        )
    )
    assert squash(void) in letter and "评议等次为" not in letter and "希望" not in letter
    assert "另行组织测评" in letter  # its own wording

    published = results.publish(db, signable, "ranking", data, "2024-01-30T10:00:00")
    row = next(r for r in published["rows"] if r["name"] == "丙")
    assert row["void"] and "final" not in row and "grade" not in row and "rank" not in row


def test_every_surface_prints_the_same_digits(admin_client, db, signable, tmp_path):
    data = data_for(db, signable)
    expected = {r["name"]: r for r in data["reporters"]}
    assert (expected["甲"]["final"], expected["乙"]["final"]) == ("83.33", "73.33")
    assert expected["甲"]["left_out"] == ["纪委委员"]  # no votes: left out, weights scaled up
    assert expected["甲"]["participation"]["issued"] == 9  # the replaced slip counts once

    page = admin_client.get(f"/meetings/{signable.id}/results").get_data(as_text=True)
    summary = squash(
        pdf_text(admin_client.get(f"/meetings/{signable.id}/results/summary.pdf").data, tmp_path)
    )
    screen = results.publish(db, signable, "ranking", data, "t")["rows"]
    for name in ("甲", "乙"):
        r = expected[name]
        for value in (r["final"], r["top_rate"], r["approval_rate"], r["grade"]):
            assert value in page and value in summary
        letter = squash(
            pdf_text(
                admin_client.get(f"/meetings/{signable.id}/letters/{r['id']}.pdf").data, tmp_path
            )
        )
        assert f"综合得分{r['final']}分" in letter and f"“{r['grade']}”" in letter
        assert next(row for row in screen if row["name"] == name)["final"] == r["final"]
    tally = squash(
        pdf_text(admin_client.get(f"/meetings/{signable.id}/rounds/1/tally.pdf").data, tmp_path)
    )
    assert "合计9660" in tally  # issued, returned, valid, invalid: the replaced slip once


def test_publishing_waits_for_the_open_round(db, live_meeting):
    data_open = rounds.open_round(db, live_meeting, [live_meeting.reporters[0].id])
    assert data_open.status == "open"
    data = data_for(db, live_meeting)
    from meeting.errors import Conflict

    with pytest.raises(Conflict, match="尚未结束"):
        results.publish(db, live_meeting, "turnout", data, "t")


def test_a_small_category_counts_but_shows_no_breakdown(db, live_meeting):
    """live_meeting: 纪委委员 has one slip; with its only voter it would show that vote."""
    from meeting import ballots, tokens
    from tests.helpers import full_lines

    scoring_round = rounds.open_round(db, live_meeting, [r.id for r in live_meeting.reporters])
    slips = tokens.list_tokens(db, live_meeting)
    for n, slip in enumerate(slips[:10]):
        payload = {
            "round": scoring_round.id,
            "submission": f"small-{n:04d}",
            "seq": 1,
            "lines": full_lines(live_meeting, scoring_round),
        }
        ballots.submit_ballot(db, slip.id, payload)
    rounds.close_round(db, scoring_round)
    data = data_for(db, live_meeting)
    first = data["reporters"][0]
    by_category = {c["category"]: c for c in first["by_category"]}
    # 纪委委员: 1 voter (hidden); 党组成员 and 党委委员: 2 voters each (hidden too)
    for name in ("纪委委员", "党组成员", "党委委员"):
        assert by_category[name]["hidden"] and by_category[name]["mean"] is None
        assert by_category[name]["valid"] is None
    assert not by_category["党支部书记及支委"]["hidden"]
    assert first["final"] is not None  # every category still counts in the score
    assert any("少于 3 人" in note for note in data["footnotes"])
