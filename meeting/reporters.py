"""Reporters (述职对象): edit by hand, reorder, upload reports, import from a table."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from . import errors, rounds, spreadsheets
from .guards import ensure_not_sealed
from .models import Meeting, Reporter

MAX_NAME = 64
MAX_TEXT = 200_000
MAX_REPORTERS = 200
PDF_MAGIC = b"%PDF-"

HEADERS = {
    "name": ("姓名", "名字", "述职对象", "name"),
    "title": ("职务", "职位", "title", "position"),
    "unit": ("单位", "部门", "单位/部门", "所在单位", "所在部门", "unit"),
    "mode": ("述职方式", "方式", "现场/书面", "mode"),
    "order": ("顺序", "序号", "排序", "order"),
    "report": ("述职报告", "报告", "报告内容", "report"),
}
ON_SITE = {"现场", "现场述职", "是", "on-site", "onsite", "on site", "1", "y", "yes"}
WRITTEN = {"书面", "书面述职", "否", "written", "0", "n", "no", ""}
# the template's example row starts its name with this mark; the importer skips such rows
# (with either colon) so a template uploaded unchanged imports nobody
SAMPLE_MARK = "示例："
SAMPLE_MARKS = (SAMPLE_MARK, "示例:")


@dataclass
class ReporterData:
    name: str
    title: str = ""
    unit: str = ""
    on_site: bool = False
    order: int | None = None
    component_scores: dict[str, float] = field(default_factory=dict)
    report_text: str = ""


def _score(value: Any, label: Any) -> float | None:
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError as exc:
        raise errors.Invalid(
            _l("%(label)s must be a number, not %(value)s.", label=label, value=text)
        ) from exc
    if not 0 <= number <= 100:
        raise errors.Invalid(_l("%(label)s must be between 0 and 100.", label=label))
    return number


def clean(meeting: Meeting, data: ReporterData, reporter: Reporter | None = None) -> ReporterData:
    """Validate one reporter's fields against the meeting (unique name, score ranges).

    An error names the form field at fault (``field``: name, title, unit, report_text).
    """
    data.name = (data.name or "").strip()
    if not data.name:
        raise errors.Invalid(_l("Please give the reporter's name."), field="name")
    for name, value, limit in (
        ("name", data.name, MAX_NAME),
        ("title", data.title, 128),
        ("unit", data.unit, 128),
    ):
        if len(value) > limit:
            raise errors.Invalid(
                _l("Name at most 64, position and unit at most 128 characters."), field=name
            )
    if len(data.report_text) > MAX_TEXT:
        raise errors.Invalid(_l("The report text is too long."), field="report_text")
    for other in meeting.reporters:
        if other is not reporter and other.name == data.name:
            raise errors.Conflict(
                _l(
                    "%(name)s is already on the list; add the unit to tell them apart.",
                    name=data.name,
                ),
                field="name",
            )
    return data


def add_reporter(session: Session, meeting: Meeting, data: ReporterData) -> Reporter:
    """A reporter at the end of the list (or at ``data.order``)."""
    ensure_not_sealed(meeting)
    if len(meeting.reporters) >= MAX_REPORTERS:
        raise errors.Invalid(_l("At most %(n)d reporters.", n=MAX_REPORTERS))
    data = clean(meeting, data)
    reporter = Reporter(
        name=data.name,
        title=data.title.strip(),
        unit=data.unit.strip(),
        on_site=data.on_site,
        position=len(meeting.reporters),
        component_scores=dict(data.component_scores),
        report_text=data.report_text,
    )
    meeting.reporters.append(reporter)
    session.flush()
    return reporter


def update_reporter(session: Session, reporter: Reporter, data: ReporterData) -> Reporter:
    """Change a reporter's details."""
    meeting = reporter.meeting
    ensure_not_sealed(meeting)
    data = clean(meeting, data, reporter)
    reporter.name = data.name
    reporter.title = data.title.strip()
    reporter.unit = data.unit.strip()
    reporter.on_site = data.on_site
    reporter.component_scores = dict(data.component_scores)
    reporter.report_text = data.report_text
    session.flush()
    return reporter


def get_reporter(session: Session, meeting: Meeting, reporter_id: int) -> Reporter:
    """A reporter of this meeting, or NotFound (ids of other meetings are not found)."""
    reporter = session.get(Reporter, reporter_id)
    if reporter is None or reporter.meeting_id != meeting.id:
        raise errors.NotFound(_l("This reporter does not exist."))
    return reporter


def delete_reporter(session: Session, reporter: Reporter) -> None:
    """Remove a reporter who has not been scored yet."""
    meeting = reporter.meeting
    ensure_not_sealed(meeting)
    if rounds.reporter_is_scored(session, reporter):
        raise errors.Conflict(
            _l("%(name)s has been scored; void that round first.", name=reporter.name)
        )
    meeting.reporters.remove(reporter)
    session.delete(reporter)
    _renumber(meeting)
    session.flush()


def reorder_reporters(session: Session, meeting: Meeting, ordered_ids: list[int]) -> None:
    """Put the reporters in the given order (the ids must be exactly this meeting's)."""
    ensure_not_sealed(meeting)
    by_id = {r.id: r for r in meeting.reporters}
    if sorted(ordered_ids) != sorted(by_id):
        raise errors.Invalid(_l("The order does not match the reporters; reload the page."))
    for position, reporter_id in enumerate(ordered_ids):
        by_id[reporter_id].position = position
    session.flush()
    session.expire(meeting, ["reporters"])


def move_reporter(session: Session, reporter: Reporter, offset: int) -> None:
    """Move one place up (-1) or down (+1)."""
    ids = [r.id for r in reporter.meeting.reporters]
    index = ids.index(reporter.id)
    target = min(max(index + offset, 0), len(ids) - 1)
    ids.insert(target, ids.pop(index))
    reorder_reporters(session, reporter.meeting, ids)


def _renumber(meeting: Meeting) -> None:
    for position, reporter in enumerate(sorted(meeting.reporters, key=lambda r: r.position)):
        reporter.position = position


def store_report_pdf(
    session: Session, reporter: Reporter, data: bytes, filename: str, folder: Path
) -> Reporter:
    """Keep an uploaded PDF report for delegates to read on their phones."""
    ensure_not_sealed(reporter.meeting)
    if not data.startswith(PDF_MAGIC):
        raise errors.Invalid(_l("This file is not a PDF."))
    folder.mkdir(parents=True, exist_ok=True)
    stored = f"{reporter.meeting_id}-{uuid.uuid4().hex}.pdf"
    (folder / stored).write_bytes(data)
    if reporter.report_file:
        (folder / reporter.report_file).unlink(missing_ok=True)
    reporter.report_file = stored
    reporter.report_filename = Path(filename or "report.pdf").name[:255]
    session.flush()
    return reporter


def remove_report_pdf(session: Session, reporter: Reporter, folder: Path) -> None:
    """Drop the uploaded PDF report."""
    ensure_not_sealed(reporter.meeting)
    if reporter.report_file:
        (folder / reporter.report_file).unlink(missing_ok=True)
    reporter.report_file = None
    reporter.report_filename = None
    session.flush()


# --------------------------------------------------------------------------- import


@dataclass
class ImportRow:
    line: int  # as the organiser sees it in the file (header is line 1)
    data: ReporterData | None
    cells: list[str]
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportPreview:
    columns: list[str]  # recognised headers, in file order
    rows: list[ImportRow]
    replace: bool
    samples: list[int] = field(default_factory=list)  # lines of example rows, skipped

    @property
    def ok(self) -> bool:
        return bool(self.rows) and all(not row.errors for row in self.rows)

    @property
    def error_count(self) -> int:
        return sum(1 for row in self.rows if row.errors)


def _header_map(header: list[str], meeting: Meeting) -> dict[str, int]:
    normalised = [h.strip().replace(" ", "").lower() for h in header]
    found: dict[str, int] = {}
    for key, aliases in HEADERS.items():
        for alias in aliases:
            if alias.lower() in normalised:
                found[key] = normalised.index(alias.lower())
                break
    for component in meeting.scheme.get("components") or []:
        name = component["name"].replace(" ", "").lower()
        for i, h in enumerate(normalised):
            if h in (name, name + "得分", name + "分数"):
                found["component:" + component["key"]] = i
    return found


@dataclass
class TemplateColumn:
    header: str  # exactly as the importer reads it
    sample: str | float | int  # the example row's value
    width: int  # characters
    choices: tuple[str, ...] = ()  # the values a cell may take, offered as a list


# the 述职方式 words the template offers (the importer also takes ON_SITE / WRITTEN)
ON_SITE_WORD = "现场"
WRITTEN_WORD = "书面"


def template_columns(meeting: Meeting) -> list[TemplateColumn]:
    """The import template's columns for this meeting: the headers ``preview_import`` reads
    (姓名, 职务, 单位, 述职方式, 顺序, each imported component, 述职报告) with an example row
    whose cells are valid but whose name carries SAMPLE_MARK, so the importer skips it."""
    columns = [
        TemplateColumn(HEADERS["name"][0], SAMPLE_MARK + str(_l("Wang Jianjun")), 14),
        TemplateColumn(HEADERS["title"][0], str(_l("Party branch secretary")), 18),
        TemplateColumn(HEADERS["unit"][0], str(_l("General Office")), 20),
        TemplateColumn(HEADERS["mode"][0], ON_SITE_WORD, 10, (ON_SITE_WORD, WRITTEN_WORD)),
        TemplateColumn(HEADERS["order"][0], 1, 6),
    ]
    for component in meeting.scheme.get("components") or []:
        columns.append(TemplateColumn(component["name"], 90, max(10, 2 * len(component["name"]))))
    columns.append(
        TemplateColumn(
            HEADERS["report"][0],
            str(_l("The report text (optional; a PDF can be uploaded after the import).")),
            60,
        )
    )
    return columns


def template_xlsx(meeting: Meeting) -> bytes:
    """The import template as an .xlsx file (header, one example row)."""
    return spreadsheets.template_xlsx(
        [(c.header, c.sample, c.width, c.choices) for c in template_columns(meeting)],
        sheet_title=str(_l("Reporters")),
    )


def preview_import(meeting: Meeting, data: bytes, replace: bool = False) -> ImportPreview:
    """Read a reporter table and check every row; nothing is saved.

    The first row must be a header with at least a 姓名 column. Each row is checked like
    a hand-entered reporter; names must be unique in the file and (unless the import
    replaces the list) against the reporters already there. Rows whose name starts with
    SAMPLE_MARK (the template's example row) are skipped; their lines are in ``samples``.
    """
    rows = spreadsheets.read_rows(data)
    if not rows:
        raise errors.Invalid(_l("The file has no rows."))
    columns = _header_map(rows[0], meeting)
    if "name" not in columns:
        raise errors.Invalid(
            _l(
                "The first row must be a header with a column 姓名 (also 职务, 单位, 述职方式, 顺序)."
            )
        )
    existing = set() if replace else {r.name for r in meeting.reporters}
    components = {c["key"]: c["name"] for c in meeting.scheme.get("components") or []}
    seen: dict[str, int] = {}
    result: list[ImportRow] = []
    samples: list[int] = []
    for offset, cells in enumerate(rows[1:], start=2):
        row = ImportRow(line=offset, data=None, cells=cells)

        def cell(key: str, cells: list[str] = cells) -> str:
            index = columns.get(key)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        if cell("name").startswith(SAMPLE_MARKS):
            samples.append(offset)
            continue

        try:
            mode = cell("mode").lower()
            if mode not in ON_SITE | WRITTEN:
                raise errors.Invalid(
                    _l("述职方式 must be 现场 or 书面, not %(value)s.", value=mode)
                )
            order_text = cell("order")
            try:
                order = int(float(order_text)) if order_text else None
            except ValueError as exc:
                raise errors.Invalid(_l("顺序 must be a whole number.")) from exc
            scores = {}
            for key, name in components.items():
                value = _score(cell("component:" + key), name)
                if value is not None:
                    scores[key] = value
            data_row = ReporterData(
                name=cell("name"),
                title=cell("title"),
                unit=cell("unit"),
                on_site=mode in ON_SITE,
                order=order,
                component_scores=scores,
                report_text=cell("report"),
            )
            if not data_row.name:
                raise errors.Invalid(_l("Please give the reporter's name."))
            if (
                len(data_row.name) > MAX_NAME
                or len(data_row.title) > 128
                or len(data_row.unit) > 128
            ):
                raise errors.Invalid(
                    _l("Name at most 64, position and unit at most 128 characters.")
                )
            if data_row.name in seen:
                raise errors.Invalid(
                    _l("The name also appears on line %(line)d.", line=seen[data_row.name])
                )
            if data_row.name in existing:
                raise errors.Invalid(_l("This name is already on the reporter list."))
            seen[data_row.name] = offset
            row.data = data_row
        except errors.DomainError as exc:
            row.errors.append(str(exc.message))
        result.append(row)
    if len(result) + (0 if replace else len(meeting.reporters)) > MAX_REPORTERS:
        raise errors.Invalid(_l("At most %(n)d reporters.", n=MAX_REPORTERS))
    recognised = [key for key, _ in sorted(columns.items(), key=lambda kv: kv[1])]
    return ImportPreview(columns=recognised, rows=result, replace=replace, samples=samples)


def import_reporters(session: Session, meeting: Meeting, preview: ImportPreview) -> list[Reporter]:
    """Save every row of a clean preview, or nothing when any row has an error."""
    ensure_not_sealed(meeting)
    if not preview.ok:
        raise errors.Invalid(
            _l("%(n)d rows have errors; fix the file and upload it again.", n=preview.error_count)
        )
    if preview.replace:
        if rounds.has_rounds(session, meeting):
            raise errors.Conflict(_l("Scoring has started; the list can only be extended."))
        for reporter in list(meeting.reporters):
            meeting.reporters.remove(reporter)
            session.delete(reporter)
        session.flush()
    rows = [row.data for row in preview.rows if row.data is not None]
    # rows with an explicit 顺序 first in that order, the rest in file order after them
    ordered = sorted(
        enumerate(rows), key=lambda pair: (pair[1].order is None, pair[1].order or 0, pair[0])
    )
    added = [add_reporter(session, meeting, data) for _, data in ordered]
    return added
