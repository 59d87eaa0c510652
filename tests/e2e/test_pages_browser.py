"""Organiser set-up pages in a real browser at 1366x768: forms that keep what was typed,
the live weight total, and wide result tables that scroll inside their box."""

from __future__ import annotations

from typing import Any

import pytest
from openpyxl import load_workbook

from meeting import ballots, meetings, reporters, rounds, schemes, tokens
from meeting.scoring import OVERALL, scheme_from_dict
from tests.e2e.screens import LAPTOP, in_server, in_viewport, no_horizontal_scroll, shoot

pytestmark = [pytest.mark.browser, pytest.mark.server]

WIDE_CATEGORIES = [
    ("党组成员及班子其他成员", 20),
    ("机关党委委员", 10),
    ("机关纪委委员", 10),
    ("党支部书记及支部委员", 15),
    ("党员代表（机关各处室）", 15),
    ("离退休干部党员代表", 10),
    ("服务对象代表", 10),
    ("列席人员", 10),
]
WIDE_DIMENSIONS = [
    "抓基层党建工作责任落实情况",
    "履行全面从严治党主体责任情况",
    "落实意识形态工作责任制情况",
    "推进党风廉政建设情况",
    "执行中央八项规定精神情况",
    "个人廉洁自律情况",
]
LONG_NAMES = ["欧阳明远", "司马青云", "诸葛红英", "上官文博", "慕容雪梅", "皇甫建国"]


def build_wide_meeting(session: Any) -> Any:
    """Six reporters scored on six long dimensions by eight categories, round closed."""
    meeting = meetings.create_meeting(session, "宽表测试会议", "机关党组", year=2024)
    meeting.scheme = schemes.validate_scheme(
        dict(
            meeting.scheme,
            dimensions=[{"name": name, "scale": None} for name in WIDE_DIMENSIONS],
            small_group_min=1,
        )
    )
    for category in list(meeting.categories):
        meetings.delete_category(session, meeting, category.id)
    for name, weight in WIDE_CATEGORIES:
        meetings.add_category(session, meeting, name, weight, False)
    for i, name in enumerate(LONG_NAMES):
        reporters.add_reporter(
            session,
            meeting,
            reporters.ReporterData(
                name=name,
                title="党支部书记、综合调研处处长、政策法规处处长",
                unit=f"机关第{i + 1}党支部（综合调研处、政策法规处、信息化建设处联合党支部）",
                component_scores={"c1": 88 + i},
            ),
        )
    for category in meeting.categories:
        tokens.generate_tokens(session, meeting, category, 2)
    meetings.set_status(session, meeting, "live")
    ids = [r.id for r in meeting.reporters]
    scoring_round = rounds.open_round(session, meeting, ids)
    scheme = scheme_from_dict(meeting.scheme)
    for index, slip in enumerate(tokens.list_tokens(session, meeting)):
        lines = []
        for i, rid in enumerate(ids):
            for line in scheme.lines:
                labels = line.labels()
                top = line.key == OVERALL and i == index % len(ids)
                lines.append(
                    {"r": rid, "k": line.key, "v": labels[0 if top else 1 + (index + i) % 2]}
                )
        ballots.submit_ballot(
            session,
            slip.id,
            {
                "round": scoring_round.id,
                "submission": f"wide-{index:04d}",
                "seq": 1,
                "lines": lines,
            },
        )
    rounds.close_round(session, scoring_round)
    session.commit()
    return meeting


def built(live_server, build) -> int:  # type: ignore[no-untyped-def]
    """Build a meeting in the live server's database; its id."""
    return in_server(live_server, lambda session: build(session).id)


def new_meeting(title: str):  # type: ignore[no-untyped-def]
    """A ``build`` for ``built``: an empty meeting of that title."""

    def build(session):  # type: ignore[no-untyped-def]
        return meetings.create_meeting(session, title, "机关党组", year=2024)

    return build


# the lines the element's text takes: distinct tops of its text's boxes
LINES = """el => {
  const range = document.createRange();
  range.selectNodeContents(el);
  return new Set(Array.from(range.getClientRects(), r => Math.round(r.top))).size;
}"""


def one_line(locator) -> None:  # type: ignore[no-untyped-def]
    """The element's text sits on one line (not broken letter by letter)."""
    lines = locator.evaluate(LINES)
    assert lines == 1, f"{locator.inner_text()!r} takes {lines} lines"


def few_lines(locator) -> None:  # type: ignore[no-untyped-def]
    """A header may wrap, but with at least three characters a line."""
    text = locator.inner_text().strip()
    lines = locator.evaluate(LINES)
    assert lines * 3 <= max(len(text), 3), f"{text!r} takes {lines} lines"


def test_wide_results_scroll_in_their_box_with_the_name_held(laptop, live_server):
    page = laptop
    meeting_id = built(live_server, build_wide_meeting)
    page.goto(f"{live_server.base_url}/meetings/{meeting_id}/results")
    summary = page.locator("#summary")
    summary.wait_for()
    no_horizontal_scroll(page)

    box = page.locator(".table-scroll:has(#summary)")
    sizes = box.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert sizes[0] > sizes[1], "the wide summary should scroll inside its box"
    name = page.locator("#summary tbody tr:first-child td:nth-child(2)")
    grade = page.locator("#summary tbody tr:first-child td:nth-child(3)")
    assert name.inner_text() in LONG_NAMES and grade.inner_text() in ("好", "较好", "一般", "差")
    one_line(name)
    one_line(grade)
    for header in page.locator("#summary thead th").all():
        few_lines(header)

    # the grade comes right after the name: seen without scrolling sideways
    grade_box = grade.bounding_box()
    assert (
        grade_box["x"] >= 0 and grade_box["x"] + grade_box["width"] <= LAPTOP["viewport"]["width"]
    )
    box_left = box.bounding_box()["x"]
    box.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    assert box.evaluate("el => el.scrollLeft") > 0
    held = name.bounding_box()
    assert abs(held["x"] - box_left) <= 2, "the name column stays at the left edge"
    # the name is still what one sees there (not covered by the scrolled cells)
    seen = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('td').innerText",
        [held["x"] + 5, held["y"] + held["height"] / 2],
    )
    assert seen == name.inner_text()

    detail = page.locator("table.detail").first
    for cell in detail.locator("tbody td:first-child").all():
        assert cell.inner_text() in [*WIDE_DIMENSIONS, "综合评价"]
        one_line(cell)
    for header in detail.locator("thead th").all():
        few_lines(header)
    no_horizontal_scroll(page)


def test_wide_reporter_list_scrolls_in_its_box(laptop, live_server):
    page = laptop
    meeting_id = built(live_server, build_wide_meeting)
    page.goto(f"{live_server.base_url}/meetings/{meeting_id}/reporters")
    page.locator("#reporters").wait_for()
    no_horizontal_scroll(page)
    for cell in page.locator("#reporters tbody td.name-cell").all():
        one_line(cell)
    page.goto(f"{live_server.base_url}/meetings/{meeting_id}/letters")
    page.locator("#letter-list").wait_for()
    no_horizontal_scroll(page)
    for link in page.locator("#letter-list a").all():
        one_line(link)


def test_categories_total_follows_typing_and_a_refusal_keeps_the_typing(laptop, live_server):
    page = laptop
    meeting_id = built(live_server, new_meeting("类别测试会议"))
    page.goto(f"{live_server.base_url}/meetings/{meeting_id}/categories")
    total = page.locator("#weight-total")
    badge = page.locator("#categories-form [data-unsaved-badge]")
    assert total.inner_text() == "100%" and not badge.is_visible()
    weights = page.locator("input[data-weight]")
    assert "权重（%）" in page.inner_text("#categories-form thead")

    weights.nth(0).fill("40")
    assert total.inner_text() == "110%" and "error-text" in (total.get_attribute("class") or "")
    assert badge.is_visible() and badge.inner_text() == "未保存"
    for i, value in enumerate(["0.3", "0.2", "0.1", "0.2", "0.2"]):
        weights.nth(i).fill(value)
    assert total.inner_text() == "100%"
    assert "按小数读取" in page.inner_text("#weight-note")

    # a refused save: the page comes back with the typing and the reason in view
    weights.nth(0).fill("0.1")
    page.locator("input[name$=_name]").nth(1).fill("党委委员（扩大）")
    page.click("#categories-form button[type=submit]")
    error = page.locator("#total-error")
    error.wait_for()
    assert "30% 填 30" in error.inner_text()
    in_viewport(page, "#total-error")
    assert page.locator("input[name$=_name]").nth(1).input_value() == "党委委员（扩大）"
    assert weights.nth(0).input_value() == "0.1"
    assert badge.is_visible()
    no_horizontal_scroll(page)

    # leaving with unsaved changes asks first (the fixture's handler says yes)
    asked: list[str] = []
    page.on("dialog", lambda dialog: asked.append(dialog.type))
    page.locator("nav.tabs a").first.click()
    page.wait_for_function("!document.querySelector('#categories-form')")
    assert asked == ["beforeunload"]

    page.goto(f"{live_server.base_url}/meetings/{meeting_id}/categories")
    for i, value in enumerate(["0.3", "0.2", "0.1", "0.2", "0.2"]):
        weights.nth(i).fill(value)
    page.click("#categories-form button[type=submit]")
    page.wait_for_selector("text=类别已保存")
    assert [w.input_value() for w in weights.all()] == ["30", "20", "10", "20", "20"]
    assert total.inner_text() == "100%" and not badge.is_visible()
    page.locator("nav.tabs a").first.click()  # saved: leaving asks nothing
    page.wait_for_function("!document.querySelector('#categories-form')")
    assert asked == ["beforeunload"]


def test_a_refused_reporter_shows_the_reason_beside_the_field_in_view(laptop, live_server):
    page = laptop

    def build(session):  # type: ignore[no-untyped-def]
        meeting = meetings.create_meeting(session, "名单测试会议", "机关党组", year=2024)
        for i in range(12):
            reporters.add_reporter(
                session, meeting, reporters.ReporterData(name=f"述职人{i + 1}", unit="办公室")
            )
        session.commit()
        return meeting

    meeting_id = built(live_server, build)
    page.goto(f"{live_server.base_url}/meetings/{meeting_id}/reporters")
    form = page.locator("#reporter-add-form")
    form.locator("input[name=name]").fill("述职人3")
    form.locator("input[name=title]").fill("副处长")
    form.locator("input[name=component_c1]").fill("88")
    form.locator("button[type=submit]").click()
    error = page.locator("#reporter-add-form .field-error")
    error.wait_for()
    assert "名单中已有 述职人3" in error.inner_text()
    in_viewport(page, "#reporter-add-form .field-error")
    form = page.locator("#reporter-add-form")
    assert form.locator("input[name=title]").input_value() == "副处长"
    assert form.locator("input[name=component_c1]").input_value() == "88"
    assert page.evaluate("document.activeElement.name") == "name"
    no_horizontal_scroll(page)


def test_the_import_page_offers_the_template(laptop, live_server, tmp_path):
    page = laptop
    meeting_id = built(live_server, new_meeting("导入测试会议"))
    page.goto(f"{live_server.base_url}/meetings/{meeting_id}/reporters/import")
    link = page.locator("#template-download")
    assert link.is_visible() and link.inner_text() == "下载模板（.xlsx）"
    headers = page.locator("#template-columns th").all_inner_texts()
    assert headers == ["姓名", "职务", "单位", "述职方式", "顺序", "日常考核", "述职报告"]
    no_horizontal_scroll(page)
    with page.expect_download() as download_info:
        link.click()
    path = tmp_path / "template.xlsx"
    download_info.value.save_as(path)
    assert download_info.value.suggested_filename == "述职对象名单模板.xlsx"

    # uploaded unchanged, the template's example row is named and not imported
    page.set_input_files("input[name=file]", str(path))
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-samples")
    assert page.locator("#preview").count() == 0
    in_viewport(page, "#import-samples")
    assert "模板中的示例行未导入（第 2 行）" in page.inner_text("#import-samples")
    assert page.locator("button:has-text('导入全部')").count() == 0
    assert "有错误" not in page.inner_text("body")
    shoot(page, "pages2_import_unchanged")

    # filled in below the example, the rest imports and the example still does not
    workbook = load_workbook(path)
    sheet = workbook.active
    for column, value in zip("ABCD", ["王建军", "书记", "办公室", "现场"], strict=True):
        sheet[f"{column}3"] = value
    workbook.save(path)
    page.click("text=重新选择文件")
    page.set_input_files("input[name=file]", str(path))
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#preview")
    assert "没有错误" in page.inner_text("body")
    assert "模板中的示例行未导入（第 2 行）" in page.inner_text("#import-samples")
    assert "日常考核" in page.locator("#preview thead").inner_text()
    page.click("button:has-text('导入全部 1 行')")
    page.wait_for_selector("text=已导入 1 名述职对象")
    assert page.locator("#reporters tbody td.name-cell").all_inner_texts() == ["王建军"]


def test_a_loaded_preset_says_it_is_not_saved(laptop, live_server):
    page = laptop
    meeting_id = built(live_server, new_meeting("方案测试会议"))
    page.goto(f"{live_server.base_url}/meetings/{meeting_id}/scheme")
    assert not page.locator("#preset-loaded").count()
    page.select_option("select[name=preset]", "democratic")
    page.click("button:has-text('载入预设方案')")
    notice = page.locator("#preset-loaded")
    notice.wait_for()
    in_viewport(page, "#preset-loaded")
    assert "未保存" in notice.inner_text() and "民主测评" in notice.inner_text()
    assert page.input_value("input[name=scale]").startswith("优秀=95")
    no_horizontal_scroll(page)

    page.click("#scheme-form button[type=submit]")
    page.wait_for_selector("text=测评方案已保存")
    assert not page.locator("#preset-loaded").count()
    assert not page.locator("#scheme-form [data-unsaved-badge]").is_visible()
    assert page.input_value("input[name=scale]").startswith("优秀=95")


# not scored yet; in 述职 order, which is the reverse of the characters' code order
UNSCORED = sorted(
    [f"{family}{given}" for family in "赵钱孙李周吴郑王冯陈" for given in ("一", "二")],
    reverse=True,
)


def build_long_results(session: Any) -> Any:
    """The wide meeting plus twenty reporters not scored: a summary taller than the window."""
    meeting = build_wide_meeting(session)
    for name in UNSCORED:
        reporters.add_reporter(
            session,
            meeting,
            reporters.ReporterData(
                name=name, title="副处长", unit="机关第一党支部", component_scores={"c1": 80}
            ),
        )
    session.commit()
    return meeting


def test_the_summary_reads_at_a_laptop(laptop, live_server):
    page = laptop
    meeting_id = built(live_server, build_long_results)
    page.goto(f"{live_server.base_url}/meetings/{meeting_id}/results")
    page.locator("#summary").wait_for()
    no_horizontal_scroll(page)
    shoot(page, "pages2_results_top")

    # what a reader looks for comes right after the name, without scrolling sideways
    headers = [h.strip() for h in page.locator("#summary thead th").all_inner_texts()]
    assert headers[:4] == ["名次", "姓名", "评议等次", "综合得分"]
    assert headers[-2] == "备注"
    grade = page.locator("#summary tbody tr:first-child td:nth-child(3)")
    assert grade.inner_text() in ("好", "较好", "一般", "差")

    # the box is no taller than the window: once scrolled to, its own sideways
    # scrollbar is on screen (and the page still never scrolls sideways)
    box = page.locator("#summary-box")
    box.evaluate("el => el.scrollIntoView({block: 'start'})")
    frame = box.bounding_box()
    height = LAPTOP["viewport"]["height"]
    assert frame["y"] >= -1 and frame["y"] + frame["height"] <= height + 1
    sizes = box.evaluate("el => [el.scrollWidth, el.clientWidth, el.scrollHeight, el.clientHeight]")
    assert sizes[0] > sizes[1] and sizes[2] > sizes[3], "the summary scrolls inside its box"
    for header in ("th:nth-child(3)", "th:nth-child(4)", "tbody tr:first-child td:nth-child(3)"):
        in_viewport(page, f"#summary {header}")
    no_horizontal_scroll(page)
    shoot(page, "pages2_results_box")

    # every row is one line: long units, positions and notes are cut, their text a title
    rows = page.locator("#summary tbody tr")
    assert rows.count() == len(LONG_NAMES) + len(UNSCORED)
    for row in rows.all():
        for cell in row.locator("td").all():
            if cell.inner_text().strip():
                one_line(cell)
    unit = page.locator("#summary tbody tr:first-child td:nth-child(5)")
    assert unit.get_attribute("title", timeout=1000).startswith("机关第")
    heights = {round(r.bounding_box()["height"]) for r in rows.all()}
    assert max(heights) < 2 * min(heights), heights

    # the header row stays on top while the rows scroll under it
    box.evaluate("el => { el.scrollTop = el.scrollHeight; }")
    header = page.locator("#summary thead th:nth-child(2)")
    assert abs(header.bounding_box()["y"] - box.bounding_box()["y"]) <= 2
    shoot(page, "pages2_results_bottom")

    # ranked first by rank, then the unranked in 述职 order
    names = page.locator("#summary tbody td:nth-child(2)").all_inner_texts()
    ranks = page.locator("#summary tbody td:nth-child(1)").all_inner_texts()
    assert sorted(names[: len(LONG_NAMES)]) == sorted(LONG_NAMES)
    assert all(r.strip().isdigit() for r in ranks[: len(LONG_NAMES)])
    assert [int(r) for r in ranks[: len(LONG_NAMES)]] == sorted(
        int(r) for r in ranks[: len(LONG_NAMES)]
    )
    assert names[len(LONG_NAMES) :] == UNSCORED


GRADE_ONLY_FIELDS = ["scale", "top_quota_pct", "top_quota_scope", "same_grade_invalid"]


def test_the_scheme_form_follows_the_ballot_kind_and_shows_every_problem(laptop, live_server):
    page = laptop
    meeting_id = built(live_server, new_meeting("方案种类测试会议"))
    page.goto(f"{live_server.base_url}/meetings/{meeting_id}/scheme")
    visible = lambda name: page.locator(f"#scheme-form [name={name}]").is_visible()  # noqa: E731
    assert all(visible(name) for name in GRADE_ONLY_FIELDS)
    assert not visible("trim_extremes") and visible("abstain")

    page.select_option("select[name=mode]", "numeric")
    assert not any(visible(name) for name in GRADE_ONLY_FIELDS)
    assert visible("trim_extremes") and visible("abstain") and visible("thresholds")
    no_horizontal_scroll(page)
    shoot(page, "pages2_scheme_numeric", full_page=True)
    page.select_option("select[name=mode]", "grade")
    assert all(visible(name) for name in GRADE_ONLY_FIELDS) and not visible("trim_extremes")

    # three mistakes: each is named beside its own field, the entry quoted as typed
    page.fill("input[name=scale]", "好=100, 较好=八十, 一般=60")
    page.fill("input[name=quorum_pct]", "过半")
    page.fill("textarea[name=thresholds]", "好 >= 90")
    page.click("#scheme-form button[type=submit]")
    errors = page.locator("#scheme-form .field > .field-error")
    errors.first.wait_for()
    assert errors.count() == 3
    scale_error = page.locator(".field:has(input[name=scale]) .field-error")
    assert "“较好=八十”" in scale_error.inner_text()
    in_viewport(page, ".field:has(input[name=scale]) .field-error")
    assert "过半" in page.locator(".field:has(input[name=quorum_pct]) .field-error").inner_text()
    assert page.locator(".field:has(textarea[name=thresholds]) .field-error").inner_text()
    assert page.input_value("input[name=scale]") == "好=100, 较好=八十, 一般=60"
    assert "共 3 处问题" in page.inner_text("#scheme-problems")
    no_horizontal_scroll(page)
    shoot(page, "pages2_scheme_errors", full_page=True)


def test_a_bad_year_is_refused_in_chinese_words(laptop, live_server):
    page = laptop
    page.goto(f"{live_server.base_url}/meetings/new")
    page.fill("input[name=title]", "年度述职评议")
    page.fill("input[name=organ_name]", "机关党组")
    page.fill("#year", "24")
    page.click("form:has(#year) button[type=submit]")
    year = page.locator("#year")
    message = year.evaluate("el => el.validationMessage")
    assert message.startswith("请填写四位数年份，如 20") and "Please" not in message
    assert page.url.endswith("/meetings/new")
    page.fill("#year", "2024")
    assert year.evaluate("el => el.validity.valid")
