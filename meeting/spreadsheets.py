"""Read an uploaded table (.xlsx, or .csv in UTF-8 or GBK/GB18030) into rows of text.

Uploads are read in a worker process (``python -m meeting.spreadsheets``), never on the
live server's loop: a hostile or merely huge workbook costs a worker, not the meeting.
Before anything is parsed the file is measured: its size, and for an .xlsx the number of
zip entries and their declared inflated size (zipfile enforces the declared sizes while
reading). XML is parsed through defusedxml (openpyxl uses it when it is installed), so an
entity bomb or an external entity is refused, not expanded. Only the first MAX_COLUMNS
columns and MAX_ROWS rows are read. A worker that takes longer than READ_SECONDS is
killed and the upload refused.
"""

from __future__ import annotations

import atexit
import csv
import io
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l

from . import errors, workers

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 1000
MAX_COLUMNS = 40
MAX_CELL = 2000  # characters kept of one cell
MAX_ENTRIES = 500  # zip members of an .xlsx
MAX_INFLATED = 50 * 1024 * 1024  # declared uncompressed size of all members together
READ_SECONDS = 30
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"

MESSAGES = {
    "empty": _l("The file is empty."),
    "too_big": _l("The file is larger than 5 MB."),
    "xls": _l("This is an old .xls file; please save it as .xlsx or .csv and upload again."),
    "not_xlsx": _l("This is not a readable Excel (.xlsx) file."),
    "bomb": _l(
        "This Excel file unpacks to far more data than a reporter list needs; it was refused."
    ),
    "unsafe_xml": _l(
        "This Excel file contains XML constructs that are not allowed; it was refused."
    ),
    "not_text": _l("This is not a text (.csv) file."),
    "encoding": _l("Cannot read the text encoding; save the file as UTF-8 or GBK."),
    "malformed_csv": _l("The CSV file is malformed; save it again from Excel."),
    "too_many_rows": _l("The file has more than %(n)d rows.", n=MAX_ROWS),
    "too_slow": _l("The file took too long to read; save it again as a plain .xlsx or .csv."),
    "failed": _l("The file could not be read."),
}


class Unreadable(ValueError):
    """The file is refused; ``code`` picks the message (the worker has no translations)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# --------------------------------------------------------------------------- reading (worker)


def parse_rows(data: bytes) -> list[list[str]]:
    """All non-empty rows of the first sheet as stripped strings (raises Unreadable).

    The format is told by the content, not the file name: an .xlsx is a zip file, an old
    .xls is refused with advice, anything else is read as CSV. CSV text is tried as UTF-8
    (with or without BOM) first, then as GB18030, the superset of GBK that Excel uses
    when it saves CSV on a Chinese Windows.
    """
    if not data:
        raise Unreadable("empty")
    if len(data) > MAX_BYTES:
        raise Unreadable("too_big")
    if data.startswith(XLS_MAGIC):
        raise Unreadable("xls")
    rows = _read_xlsx(data) if data.startswith(XLSX_MAGIC) else _read_csv(data)
    rows = [row for row in rows if any(cell for cell in row)]
    if len(rows) > MAX_ROWS:
        raise Unreadable("too_many_rows")
    return rows


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()[:MAX_CELL]


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise Unreadable("not_xlsx") from exc
    if len(members) > MAX_ENTRIES or sum(m.file_size for m in members) > MAX_INFLATED:
        raise Unreadable("bomb")


def _read_xlsx(data: bytes) -> list[list[str]]:
    # worker side only: the live server never loads openpyxl or defusedxml
    from defusedxml import DefusedXmlException
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    _check_zip(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except DefusedXmlException as exc:
        raise Unreadable("unsafe_xml") from exc
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        # openpyxl wraps what the XML parser raised in a ValueError of its own
        cause = exc.__cause__ or exc.__context__
        raise Unreadable(
            "unsafe_xml" if isinstance(cause, DefusedXmlException) else "not_xlsx"
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for row in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
            rows.append([_cell(v) for v in row])
            if len(rows) > MAX_ROWS + 1:
                break
        # max_col pads every row to MAX_COLUMNS: cut back to the columns in use
        width = max(
            (max((i + 1 for i, c in enumerate(r) if c), default=0) for r in rows), default=0
        )
        return [row[:width] + [""] * (width - len(row)) for row in rows]
    except DefusedXmlException as exc:
        raise Unreadable("unsafe_xml") from exc
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise Unreadable("not_xlsx") from exc
    finally:
        workbook.close()


def decode_text(data: bytes) -> str:
    """UTF-8 (BOM optional) or GB18030; anything else is refused."""
    if b"\x00" in data:
        raise Unreadable("not_text")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Unreadable("encoding")


def _read_csv(data: bytes) -> list[list[str]]:
    text = decode_text(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t，")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    try:
        rows = []
        for row in csv.reader(io.StringIO(text), delimiter=delimiter):
            rows.append([cell.strip()[:MAX_CELL] for cell in row[:MAX_COLUMNS]])
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    except csv.Error as exc:
        raise Unreadable("malformed_csv") from exc


def handle(request: dict[str, Any]) -> dict[str, Any]:
    """Worker side: read the file at ``path`` and write the rows as JSON to ``out``."""
    data = Path(request["path"]).read_bytes()
    try:
        rows = parse_rows(data)
    except Unreadable as refused:
        return {"ok": True, "refused": refused.code}
    Path(request["out"]).write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return {"ok": True, "rows": len(rows)}


# --------------------------------------------------------------------------- writing


def _text_cell(cell: Any, value: Any) -> Any:
    """Text stays text: a header such as a component named "=HYPERLINK(…)" (organisers
    name components) is never written as a live formula."""
    cell.value = str(value)
    cell.data_type = "s"
    return cell


def template_xlsx(
    columns: list[tuple[str, Any, int, tuple[str, ...]]], sheet_title: str = "Sheet1"
) -> bytes:
    """A one-sheet workbook to fill in: bold frozen header, one example row, column widths.

    ``columns`` are (header, example value, width in characters, allowed values); a column
    with allowed values offers them as a drop-down list. Written on the server (openpyxl
    writes, it does not parse anything uploaded).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title[:31]
    for index, (header, example, width, choices) in enumerate(columns, start=1):
        letter = get_column_letter(index)
        head = _text_cell(sheet.cell(row=1, column=index), header)
        head.font = Font(bold=True)
        head.fill = PatternFill("solid", fgColor="EEF0F3")
        head.alignment = Alignment(vertical="center")
        if isinstance(example, str):
            _text_cell(sheet.cell(row=2, column=index), example)
        else:
            sheet.cell(row=2, column=index, value=example)
        # CJK characters are about two columns wide in Excel's unit
        sheet.column_dimensions[letter].width = width + 2
        if choices:
            allowed = DataValidation(
                type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True
            )
            sheet.add_data_validation(allowed)
            allowed.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------- server side

_pool: workers.WorkerPool | None = None


def pool() -> workers.WorkerPool:
    """The process's upload readers (one worker; uploads are rare and short)."""
    global _pool
    if _pool is None:
        _pool = workers.WorkerPool("meeting.spreadsheets", size=1, timeout=READ_SECONDS)
        atexit.register(_pool.close)
    return _pool


def read_rows(data: bytes) -> list[list[str]]:
    """Read an upload in the worker process; rows of text, or Invalid with the reason."""
    if not data:
        raise errors.Invalid(MESSAGES["empty"])
    if len(data) > MAX_BYTES:
        raise errors.Invalid(MESSAGES["too_big"])
    with tempfile.TemporaryDirectory(prefix="sanshu-upload-") as folder:
        source = os.path.join(folder, "upload")
        out = os.path.join(folder, "rows.json")
        Path(source).write_bytes(data)
        try:
            answer = pool().call({"cmd": "read", "path": source, "out": out})
        except workers.WorkerError as exc:
            stopped = "stopped" in str(exc)
            raise errors.Invalid(MESSAGES["too_slow" if stopped else "failed"]) from exc
        if answer.get("refused"):
            raise errors.Invalid(MESSAGES.get(answer["refused"], MESSAGES["failed"]))
        rows: list[list[str]] = json.loads(Path(out).read_text(encoding="utf-8"))
        return rows


if __name__ == "__main__":
    workers.serve(handle)
