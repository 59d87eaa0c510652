"""Issue #2 end to end: log in, create a meeting, import a GBK table, print the slips."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import csv_bytes, pdf_text

pytestmark = [pytest.mark.browser, pytest.mark.server]

ROWS = [
    ["姓名", "职务", "单位", "述职方式", "日常考核"],
    ["欧阳明", "主任", "法制工作委员会", "现场", "93"],
    ["司马青", "处长", "研究室", "书面", "88.5"],
    ["诸葛红", "书记", "机关党委", "书面", "90"],
]


def test_organiser_sets_up_a_meeting_and_prints_slips(organiser_page, live_server, tmp_path):
    page = organiser_page
    page.click("text=新建会议")
    page.fill("input[name=title]", "浏览器测试会议")
    page.fill("input[name=organ_name]", "机关党组")
    page.fill("input[name=held_on]", "2025-01-20")
    page.dispatch_event("input[name=held_on]", "change")
    page.click("#year-suggest")  # a January meeting: the suggestion is last year
    assert page.input_value("input[name=year]") == "2024"
    page.click("button[type=submit]")
    page.wait_for_selector("text=会议已创建")

    page.click("nav.tabs >> text=述职对象")
    page.click("text=从 Excel / CSV 导入")
    upload = tmp_path / "名单.csv"
    upload.write_bytes(csv_bytes(ROWS, "gbk"))
    page.set_input_files("input[name=file]", str(upload))
    page.click("button:has-text('检查文件')")
    page.wait_for_selector("#preview")
    assert page.locator("#preview tbody tr").count() == 3
    assert "没有错误" in page.inner_text("body")
    page.click("button:has-text('导入全部 3 行')")
    page.wait_for_selector("text=已导入 3 名述职对象")
    names = page.locator("#reporters tbody tr td:nth-child(2)").all_inner_texts()
    assert names == ["欧阳明", "司马青", "诸葛红"]

    page.click("nav.tabs >> text=测评票")
    for form in page.locator("form[action$='/tokens/generate']").all()[:2]:
        form.locator("input[name=count]").fill("6")
        form.locator("button").click()
        page.wait_for_selector("text=测评票已生成")
    codes = {cell.strip() for cell in page.locator("td.mono").all_text_contents()}
    assert len(codes) == 12 and all(re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", c) for c in codes)

    with page.expect_download() as download_info:
        page.click("#slips-pdf")
    pdf_path = Path(download_info.value.path())
    data = pdf_path.read_bytes()
    assert data.startswith(b"%PDF-")
    text = pdf_text(data, tmp_path)
    missing = [c for c in codes if c not in text]
    assert not missing, missing
    assert "浏览器测试会议" in text
