"""Exports for the archive: results summary (.xlsx), anonymised raw ballots (.csv/.xlsx).

Files are deterministic (no time stamps inside, stable order), so the same data gives the
same bytes and the same SHA-256; the digest of every file handed out is recorded and
shown in the app, which makes the archive tamper-evident. Raw ballots carry a random
ballot number, never a token.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy import select
from sqlalchemy.orm import Session

from .layout import summary_layout
from .models import CLOSED_ROUND, Ballot, Category, ExportRecord, Meeting, Organiser, ScoringRound
from .scoring import scheme_from_dict

FIXED_TIME = datetime(
    2000, 1, 1
)  # workbook metadata: fixed, so identical data gives identical files


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def record(
    session: Session,
    meeting: Meeting,
    organiser: Organiser | None,
    kind: str,
    filename: str,
    data: bytes,
) -> ExportRecord:
    """Remember a file handed out, with its SHA-256."""
    entry = ExportRecord(
        meeting_id=meeting.id,
        organiser_id=organiser.id if organiser else None,
        kind=kind,
        filename=filename,
        sha256=digest(data),
        size=len(data),
    )
    session.add(entry)
    session.flush()
    return entry


def list_records(session: Session, meeting: Meeting) -> list[ExportRecord]:
    """Files handed out for this meeting, newest first."""
    return list(
        session.scalars(
            select(ExportRecord)
            .where(ExportRecord.meeting_id == meeting.id)
            .order_by(ExportRecord.id.desc())
        )
    )


FILENAMES = {
    "summary": "测评结果汇总表",
    "ballots": "原始测评数据",
    "tally": "计票结果报告单",
    "archive": "测评结果归档",
    "letters": "反馈意见书",
    "final": "反馈意见书（定稿）",
}


def filename(meeting: Meeting, name: str) -> str:
    """The file name a download is saved under: what it is, the year, the meeting.

    ``name`` is "summary.xlsx", "tally-3.pdf" ...: its stem picks the Chinese title, any
    "-suffix" is kept, the extension stays.
    """
    stem, _, extension = name.rpartition(".")
    kind, _, suffix = stem.partition("-")
    title = FILENAMES.get(kind, kind)
    extra = f"-{suffix}" if suffix else ""
    return f"{title}{extra}-{meeting.year}年度-{meeting.id}.{extension}"


def _workbook_bytes(workbook: Workbook) -> bytes:
    """The workbook as bytes that depend on its content only (fixed times everywhere)."""

    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    workbook.properties.creator = "Sanshu"
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    fixed = io.BytesIO()
    with zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                # openpyxl stamps "modified" with the clock while saving, whatever was set
                content = _MODIFIED.sub(
                    rb"\g<1>" + FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + rb"\g<2>",
                    content,
                )
            target.writestr(entry, content)
    return fixed.getvalue()


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


TEXT = "text"
COUNT = "count"  # a whole number
SCORE = "score"  # two decimals
PERCENT = "percent"  # one decimal


def summary_rows(data: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The results summary table (测评结果汇总表): header + typed rows.

    Cells follow the column kinds (summary_columns): COUNT cells are ints, SCORE and
    PERCENT cells the formatted strings of results_data ("90.00", "50.0"), so every
    surface prints the same digits, None where there is no number (a void result, a
    hidden category, a reporter not scored yet), TEXT cells strings. ``display`` turns a
    cell into what a page or PDF prints.
    """
    columns = summary_columns(data)
    header = [title for title, _ in columns]
    rows = []
    # ranked results by rank, then the unranked ones (void, not scored) in 述职 order
    order = {rid: i for i, rid in enumerate(data["ranking"])}
    position = {r["id"]: i for i, r in enumerate(data["reporters"])}
    reporters = sorted(
        data["reporters"], key=lambda r: (order.get(r["id"], len(order)), position[r["id"]])
    )
    for r in reporters:
        if r["status"] != "scored":
            note = str(_l("being scored")) if r["status"] == "scoring" else str(_l("not scored"))
            rows.append(
                [None, r["name"], r["unit"], r["title"]] + [None] * (len(header) - 5) + [note]
            )
            continue
        p = r["participation"]
        row: list[Any] = [
            r["rank"],
            r["name"],
            r["unit"],
            r["title"],
            p["issued"],
            p["returned"],
            p["valid"],
            p["invalid"],
            *[c["mean"] for c in r["by_category"]],
            r["assessment"],
        ]
        if not data["numeric"]:
            row += [r["top_rate"], r["approval_rate"]]
        row += [c["value"] for c in r["components"]]
        grade = str(_l("not valid")) if r["void"] else r["grade"]
        row += [r["final"], grade, "；".join(notes(r))]
        rows.append(row)
    return header, rows


def display(cell: Any, scored: bool = True) -> str:
    """A summary cell as printed: no number shows as a dash (nothing for unscored rows)."""
    if cell is None:
        return "—" if scored else ""
    return str(cell)


def summary_columns(data: dict[str, Any]) -> list[tuple[str, str]]:
    """The summary table's columns: (title, kind), kind one of TEXT, COUNT, SCORE, PERCENT."""
    columns = [
        (str(_l("Rank")), COUNT),
        (str(_l("Name")), TEXT),
        (str(_l("Unit")), TEXT),
        (str(_l("Position")), TEXT),
        (str(_l("Slips")), COUNT),
        (str(_l("Returned")), COUNT),
        (str(_l("Valid")), COUNT),
        (str(_l("Invalid")), COUNT),
        *[(f"{c['name']}（{c['weight']}%）", SCORE) for c in data["categories"]],
        (data["assessment_name"] or str(_l("Assessment score")), SCORE),
    ]
    if not data["numeric"]:
        columns += [(str(_l("Top-grade rate %")), PERCENT), (str(_l("Approval rate %")), PERCENT)]
    columns += [(name, SCORE) for name in data["component_names"]]
    columns += [
        (str(_l("Final score")), SCORE),
        (str(_l("Final grade")), TEXT),
        (str(_l("Notes")), TEXT),
    ]
    return columns


def summary_kinds(data: dict[str, Any]) -> list[str]:
    """The kind of each summary column, in order."""
    return [kind for _, kind in summary_columns(data)]


def summary_display_rows(data: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """The summary as the results page and the PDF print it (strings)."""
    header, rows = summary_rows(data)
    scored = {r["name"]: r["status"] == "scored" for r in data["reporters"]}
    return header, [[display(c, scored.get(row[1], True)) for c in row] for row in rows]


def summary_context(data: dict[str, Any], verification: str = "") -> dict[str, Any]:
    """Plain data for reports/summary.html (column widths computed from the content)."""
    header, rows = summary_display_rows(data)
    kinds = summary_kinds(data)
    return {
        "stylesheets": ["summary.css"],
        "title": data["meeting"]["title"],
        "organ": data["meeting"]["organ"],
        "year": data["meeting"]["year"],
        "held_on": data["meeting"]["held_on"],
        "header": header,
        "rows": rows,
        "numeric_columns": [i for i, kind in enumerate(kinds) if kind != TEXT],
        "layout": summary_layout(header, rows, keep={1}),
        "footnotes": data["footnotes"],
        "verification": verification,
    }


def notes(r: dict[str, Any]) -> list[str]:
    """Flags of one result, as short Chinese notes."""
    found = []
    if r.get("void"):
        found.append(r["void_text"])
    if r.get("warning"):
        found.append(str(_l("reminder talk")))
    if r.get("left_out"):
        found.append(str(_l("left out (no votes): %(names)s", names="、".join(r["left_out"]))))
    if r.get("hidden_categories"):
        found.append(
            str(_l("not shown (few voters): %(names)s", names="、".join(r["hidden_categories"])))
        )
    if r.get("missing_components"):
        found.append(str(_l("missing: %(names)s", names="、".join(r["missing_components"]))))
    return found


# --------------------------------------------------------------------------- spreadsheet cells

FORMATS = {COUNT: "0", SCORE: "0.00", PERCENT: "0.0"}
# A text starting with one of these is a formula to Excel and LibreOffice (and a tab or a
# carriage return can smuggle one in): never let a name or title become a live formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def put(sheet: Any, row: int, column: int, value: Any, kind: str = TEXT) -> None:
    """One spreadsheet cell: numbers as numbers with their format, text always as text."""
    cell = sheet.cell(row=row, column=column)
    if value is None or value == "":
        return
    if kind in FORMATS:
        cell.value = int(value) if kind == COUNT else float(Decimal(str(value)))
        cell.number_format = FORMATS[kind]
        return
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        cell.value = value
        return
    cell.value = str(value)
    cell.data_type = "s"  # written as a string even when it starts with "="


def put_row(sheet: Any, row: int, values: list[Any], kinds: list[str] | None = None) -> None:
    for column, value in enumerate(values, start=1):
        put(sheet, row, column, value, kinds[column - 1] if kinds else TEXT)


def csv_cell(value: Any) -> Any:
    """A CSV cell that no spreadsheet runs as a formula (OWASP: prefix a quote)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def summary_xlsx(data: dict[str, Any], verification: str = "") -> bytes:
    """Results summary, each reporter's grade distribution and the rules, as Excel.

    Numbers are numbers (counts, scores with two decimals, percentages with one), so the
    sheet sums and sorts; each line of the distribution sits under the header of its own
    grade scale, with its counts and its percentages in separate columns.
    """
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(_l("Summary"))
    header, rows = summary_rows(data)
    kinds = summary_kinds(data)
    put(sheet, 1, 1, f"{data['meeting']['year']}年度 {data['meeting']['title']}")
    put_row(sheet, 2, header)
    for index, row in enumerate(rows, start=3):
        put_row(sheet, index, row, kinds)
    sheet["A1"].font = Font(bold=True, size=14)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    if verification:
        put(sheet, len(rows) + 4, 1, str(_l("Verification code: %(code)s", code=verification)))

    detail = workbook.create_sheet(str(_l("Distribution")))
    line = 1
    for r in data["reporters"]:
        if r["status"] != "scored":
            continue
        for group in r["line_groups"]:
            titles = [str(_l("Name")), str(_l("Dimension"))]
            for label in group["labels"]:
                titles += [str(_l("%(grade)s (votes)", grade=label)), f"{label} %"]
            titles += [str(_l("Abstain")), str(_l("Score"))]
            put_row(detail, line, titles)
            for cell in detail[line]:
                cell.font = Font(bold=True)
            line += 1
            for entry in group["lines"]:
                values: list[Any] = [r["name"], entry["name"]]
                cell_kinds = [TEXT, TEXT]
                for count, percent in zip(entry["counts"], entry["percents"], strict=True):
                    values += [count, percent]
                    cell_kinds += [COUNT, PERCENT]
                values += [entry["abstain"], entry["score"]]
                cell_kinds += [COUNT, SCORE]
                put_row(detail, line, values, cell_kinds)
                line += 1
            if r["void"]:
                put_row(detail, line, [r["name"], r["void_text"]])
                line += 1
    notes_sheet = workbook.create_sheet(str(_l("Rules")))
    for index, note in enumerate(data["footnotes"], start=1):
        put(notes_sheet, index, 1, note)
    return _workbook_bytes(workbook)


def raw_rows(session: Session, meeting: Meeting) -> tuple[list[str], list[list[Any]]]:
    """Every ballot of every closed round, one row per answer; no token, no time."""
    scheme = scheme_from_dict(meeting.scheme)
    names = {r.id: r.name for r in meeting.reporters}
    order = {r.id: r.position for r in meeting.reporters}
    categories = {
        c.id: c.name
        for c in session.scalars(select(Category).where(Category.meeting_id == meeting.id))
    }
    header = [
        str(_l("Round")),
        str(_l("Ballot number")),
        str(_l("Category")),
        str(_l("Valid")),
        str(_l("Why invalid")),
        str(_l("Reporter")),
        str(_l("Dimension")),
        str(_l("Grade given")),
    ]
    rows: list[list[Any]] = []
    rounds = session.scalars(
        select(ScoringRound)
        .where(ScoringRound.meeting_id == meeting.id, ScoringRound.status == CLOSED_ROUND)
        .order_by(ScoringRound.id)
    ).all()
    for scoring_round in rounds:
        ballots = session.execute(
            select(Ballot.number, Ballot.category_id, Ballot.valid, Ballot.problems, Ballot.answers)
            .where(Ballot.round_id == scoring_round.id)
            .order_by(Ballot.number)
        ).all()
        for number, category_id, valid, problems, answers in ballots:
            for rid in sorted((int(k) for k in answers), key=lambda k: order.get(k, 0)):
                lines = answers[str(rid)]
                for line in scheme.lines:
                    if line.key not in lines:
                        continue
                    value = lines[line.key]
                    rows.append(
                        [
                            scoring_round.title,
                            number,
                            categories.get(category_id, ""),
                            str(_l("yes")) if valid else str(_l("no")),
                            "；".join(problems),
                            names.get(rid, str(rid)),
                            line.name,
                            scheme.abstain if value is None else value,
                        ]
                    )
    return header, rows


def raw_csv(session: Session, meeting: Meeting) -> bytes:
    """Raw ballots as CSV (UTF-8 with BOM, so Excel opens the Chinese text correctly)."""
    header, rows = raw_rows(session, meeting)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def raw_xlsx(session: Session, meeting: Meeting) -> bytes:
    """Raw ballots as an Excel workbook."""
    header, rows = raw_rows(session, meeting)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(_l("Ballots"))
    put_row(sheet, 1, header)
    for index, row in enumerate(rows, start=2):
        put_row(sheet, index, row)
    return _workbook_bytes(workbook)
