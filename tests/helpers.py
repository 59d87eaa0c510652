"""Small pure helpers shared by tests (files to upload, PDF text, wire ballots, inboxes)."""

from __future__ import annotations

import io
import re
import subprocess
import time
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


PASSWORD = "correct-horse-battery"


def squash(text: str) -> str:
    """Extracted PDF text without the spaces and line breaks that justification adds."""
    return re.sub(r"\s+", "", text)


def inbox(client) -> dict[str, list]:  # type: ignore[no-untyped-def]
    """Everything a Socket.IO test client received since the last look, by event name."""
    got: dict[str, list] = {}
    for packet in client.get_received():
        got.setdefault(packet["name"], []).append(packet["args"][0])
    return got


def received(client, name):  # type: ignore[no-untyped-def]
    return inbox(client).get(name, [])


def full_lines(meeting, round_or_ids, grade=None, overrides: dict | None = None) -> list[dict]:
    """Wire-form answers for every line of every reporter (``overrides[(rid, key)]``).

    With no ``grade``: a valid grade ballot, 较好 everywhere except the first reporter's
    overall line, which gets 好 (within any quota, and not the same grade for all).
    """
    from meeting.scoring import OVERALL, scheme_from_dict

    scheme = scheme_from_dict(meeting.scheme)
    ids = round_or_ids if isinstance(round_or_ids, list) else round_or_ids.reporter_ids
    overrides = overrides or {}

    def value(index: int, key: str):  # type: ignore[no-untyped-def]
        if grade is not None:
            return grade
        return "好" if index == 0 and key == OVERALL else "较好"

    return [
        {"r": rid, "k": line.key, "v": overrides.get((rid, line.key), value(i, line.key))}
        for i, rid in enumerate(ids)
        for line in scheme.lines
    ]


def wait_until(page, expression: str, arg=None, timeout: float = 30000) -> None:  # type: ignore[no-untyped-def]
    """Playwright's wait_for_function, polled from here: the pages' Content-Security-Policy
    refuses the eval that wait_for_function's in-page polling needs."""
    import time

    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        time.sleep(0.05)


def wait_for_job(client, meeting_id: int, job: str, timeout: float = 120) -> dict:  # type: ignore[no-untyped-def]
    """Poll a batch job (test client) until it is neither queued nor running."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        state = client.get(f"/meetings/{meeting_id}/jobs/{job}").json
        if state["status"] not in ("queued", "running"):
            return state
        time.sleep(0.2)
    raise AssertionError("the job did not finish")
