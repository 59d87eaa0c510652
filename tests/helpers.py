"""Small builders shared by tests (files to upload, PDF text)."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list[object]], encoding: str = "utf-8") -> bytes:
    text = "\r\n".join(",".join(str(cell) for cell in row) for row in rows) + "\r\n"
    return text.encode(encoding)


def pdf_text(data: bytes, tmp_path: Path, layout: bool = False) -> str:
    """The text of a PDF as poppler's pdftotext extracts it."""
    path = tmp_path / "extract.pdf"
    path.write_bytes(data)
    args = ["pdftotext", "-enc", "UTF-8"] + (["-layout"] if layout else []) + [str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True).stdout.decode()


REPORTER_ROWS = [
    ["姓名", "职务", "单位", "述职方式", "顺序", "日常考核"],
    ["张三", "主任", "办公室", "现场", "2", "91.5"],
    ["李四", "处长", "研究室", "书面", "1", "88"],
    ["王五", "书记", "机关党委", "书面", "", ""],
]
