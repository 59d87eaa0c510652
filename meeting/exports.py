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
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy import select
from sqlalchemy.orm import Session

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


def _workbook_bytes(workbook: Workbook) -> bytes:
    """The workbook as bytes that depend on its content only (fixed times everywhere)."""
    import zipfile

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
            target.writestr(entry, source.read(info.filename))
    return fixed.getvalue()


TEXT = "text"
COUNT = "count"  # a whole number
SCORE = "score"  # two decimals
PERCENT = "percent"  # one decimal


def summary_rows(data: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The results summary table (测评结果汇总表) as header + rows (see summary_kinds)."""
    columns = summary_columns(data)
    header = [title for title, _ in columns]
    rows = []
    order = {rid: i for i, rid in enumerate(data["ranking"])}
    reporters = sorted(data["reporters"], key=lambda r: (order.get(r["id"], len(order)), r["name"]))
    for r in reporters:
        if r["status"] != "scored":
            rows.append(
                ["", r["name"], r["unit"], r["title"]]
                + [""] * (len(header) - 5)
                + [str(_l("not scored"))]
            )
            continue
        p = r["participation"]
        row: list[Any] = [
            r["rank"] or "",
            r["name"],
            r["unit"],
            r["title"],
            p["issued"],
            p["returned"],
            p["valid"],
            p["invalid"],
            *[c["mean"] or "—" for c in r["by_category"]],
            r["assessment"] or "—",
        ]
        if not data["numeric"]:
            row += [r["top_rate"] or "—", r["approval_rate"] or "—"]
        row += [c["value"] or "—" for c in r["components"]]
        row += [r["final"] or "—", r["grade"] or "—", "；".join(notes(r))]
        rows.append(row)
    return header, rows


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


def summary_context(data: dict[str, Any]) -> dict[str, Any]:
    """Plain data for reports/summary.html."""
    header, rows = summary_rows(data)
    kinds = summary_kinds(data)
    return {
        "stylesheets": ["summary.css"],
        "title": data["meeting"]["title"],
        "organ": data["meeting"]["organ"],
        "held_on": data["meeting"]["held_on"],
        "header": header,
        "rows": [[str(c) for c in row] for row in rows],
        "numeric_columns": [i for i, kind in enumerate(kinds) if kind != TEXT],
        "footnotes": data["footnotes"],
    }


def notes(r: dict[str, Any]) -> list[str]:
    """Flags of one result, as short Chinese notes."""
    found = []
    if r.get("warning"):
        found.append(str(_l("reminder talk")))
    if not r.get("quorum_met", True):
        found.append(str(_l("quorum not met: result not valid")))
    if r.get("left_out"):
        found.append(str(_l("left out (no votes): %(names)s", names="、".join(r["left_out"]))))
    if r.get("missing_components"):
        found.append(str(_l("missing: %(names)s", names="、".join(r["missing_components"]))))
    return found


def summary_xlsx(data: dict[str, Any]) -> bytes:
    """Results summary and each reporter's grade distribution, as an Excel workbook."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(_l("Summary"))
    header, rows = summary_rows(data)
    sheet.append([data["meeting"]["title"]])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    sheet["A1"].font = Font(bold=True, size=14)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    detail = workbook.create_sheet(str(_l("Distribution")))
    detail.append(
        [
            str(_l("Name")),
            str(_l("Dimension")),
            *data["labels"],
            str(_l("Abstain")),
            str(_l("Score")),
        ]
    )
    for r in data["reporters"]:
        if r["status"] != "scored":
            continue
        for line in r["lines"]:
            cells = (
                [f"{n}（{p}%）" for n, p in zip(line["counts"], line["percents"], strict=True)]
                if line["counts"]
                else []
            )
            detail.append([r["name"], line["name"], *cells, line["abstain"], line["score"] or "—"])
    notes_sheet = workbook.create_sheet(str(_l("Rules")))
    for note in data["footnotes"]:
        notes_sheet.append([note])
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
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def raw_xlsx(session: Session, meeting: Meeting) -> bytes:
    """Raw ballots as an Excel workbook."""
    header, rows = raw_rows(session, meeting)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(_l("Ballots"))
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    return _workbook_bytes(workbook)
