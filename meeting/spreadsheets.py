"""Read an uploaded table (.xlsx, or .csv in UTF-8 or GBK/GB18030) into rows of text."""

from __future__ import annotations

import csv
import io
import zipfile

from flask_babel import lazy_gettext as _l

from . import errors

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 1000
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"


def read_rows(data: bytes) -> list[list[str]]:
    """All non-empty rows of the first sheet as stripped strings.

    The format is told by the content, not the file name: an .xlsx is a zip file, an old
    .xls is refused with advice, anything else is read as CSV. CSV text is tried as UTF-8
    (with or without BOM) first, then as GB18030, the superset of GBK that Excel uses
    when it saves CSV on a Chinese Windows.
    """
    if not data:
        raise errors.Invalid(_l("The file is empty."))
    if len(data) > MAX_BYTES:
        raise errors.Invalid(_l("The file is larger than 5 MB."))
    if data.startswith(XLS_MAGIC):
        raise errors.Invalid(
            _l("This is an old .xls file; please save it as .xlsx or .csv and upload again.")
        )
    rows = _read_xlsx(data) if data.startswith(XLSX_MAGIC) else _read_csv(data)
    rows = [row for row in rows if any(cell for cell in row)]
    if len(rows) > MAX_ROWS:
        raise errors.Invalid(_l("The file has more than %(n)d rows.", n=MAX_ROWS))
    return rows


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        raise errors.Invalid(_l("This is not a readable Excel (.xlsx) file.")) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append([_cell(v) for v in row])
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    finally:
        workbook.close()


def decode_text(data: bytes) -> str:
    """UTF-8 (BOM optional) or GB18030; anything else is refused with a clear message."""
    if b"\x00" in data:
        raise errors.Invalid(_l("This is not a text (.csv) file."))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise errors.Invalid(_l("Cannot read the text encoding; save the file as UTF-8 or GBK."))


def _read_csv(data: bytes) -> list[list[str]]:
    text = decode_text(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t，")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    try:
        return [
            [cell.strip() for cell in row]
            for row in csv.reader(io.StringIO(text), delimiter=delimiter)
        ]
    except csv.Error as exc:
        raise errors.Invalid(_l("The CSV file is malformed: %(error)s", error=str(exc))) from exc
