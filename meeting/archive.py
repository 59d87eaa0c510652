"""The record an organ keeps: tally sheets per round and the whole archive as one zip.

A tally sheet (计票结果报告单) is printed the moment a round closes, for the tellers, the
scrutineers and the chair to sign: issued, returned, valid and invalid ballots per
category, the quorum, and the round's verification code. The archive bundles every
result document (summary PDF and xlsx, raw ballots, tally sheets, letters) with a
manifest of SHA-256s and the meeting's verification code; it is made as a batch job,
because its PDFs are rendered by the workers.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import batches, exports, letters, meetings
from .models import CLOSED_ROUND, Ballot, BatchJob, ExportRecord, Meeting, ScoringRound
from .results import (
    compute_results,
    results_data,
    round_code,
    verification_code,
    weight_text,
)
from .rounds import turnout
from .scoring import quorum_met, required_returns, scheme_from_dict, suppressed

ARCHIVE = "archive"  # the batch kind of the archive zip
ZIP_NAME = "archive.zip"


def local(moment: Any) -> str:
    """A stored time (UTC) as the organ reads it (its time zone)."""
    return str(format_datetime(moment, "yyyy年M月d日 HH:mm")) if moment else ""


def tally_context(
    session: Session, meeting: Meeting, scoring_round: ScoringRound
) -> dict[str, Any]:
    """Plain data for reports/tally.html: the counts of one round, to be signed.

    The split into valid and invalid ballots of a category with fewer voters than the
    small-group minimum is not printed (scoring.suppressed): its validity would tell how
    its few members voted. Its issued and returned counts are printed, and the totals.
    """
    scheme = scheme_from_dict(meeting.scheme)
    counts = turnout(session, scoring_round)
    valid_by, invalid_by = _validity_by_category(session, scoring_round)
    hidden = suppressed(counts.voted, scheme.small_group_min)
    rows = []
    for category in meeting.categories:
        issued = counts.eligible.get(category.id, 0)
        returned = counts.voted.get(category.id, 0)
        rows.append(
            {
                "category": category.name,
                "issued": issued,
                "returned": returned,
                "valid": None if category.id in hidden else valid_by.get(category.id, 0),
                "invalid": None if category.id in hidden else invalid_by.get(category.id, 0),
            }
        )
    issued, returned = counts.total_eligible, counts.total_voted
    closed = scoring_round.status == CLOSED_ROUND
    names = {r.id: r.name for r in meeting.reporters}
    return {
        "stylesheets": ["tally.css"],
        "organ": meeting.organ_name,
        "title": meeting.title,
        "year": meeting.year,
        "round": scoring_round.title,
        "reporters": [names.get(rid, "") for rid in scoring_round.reporter_ids],
        "opened": local(scoring_round.opened_at),
        "closed": local(scoring_round.closed_at) if closed else "",
        "status": scoring_round.status,
        "rows": rows,
        "total": {
            "issued": issued,
            "returned": returned,
            "valid": counts.valid,
            "invalid": counts.invalid,
        },
        "hidden": [r["category"] for r in rows if r["valid"] is None and r["returned"]],
        "quorum_met": quorum_met(issued, returned, scheme.quorum_pct),
        "required": required_returns(issued, scheme.quorum_pct),
        "quorum_pct": weight_text(scheme.quorum_pct),
        "verification": round_code(session, scoring_round) if closed else "",
    }


def _validity_by_category(
    session: Session, scoring_round: ScoringRound
) -> tuple[dict[int, int], dict[int, int]]:
    valid: dict[int, int] = {}
    invalid: dict[int, int] = {}
    for category_id, is_valid, count in session.execute(
        select(Ballot.category_id, Ballot.valid, func.count())
        .where(Ballot.round_id == scoring_round.id)
        .group_by(Ballot.category_id, Ballot.valid)
    ).all():
        (valid if is_valid else invalid)[category_id] = count
    return valid, invalid


def closed_rounds(session: Session, meeting: Meeting) -> list[ScoringRound]:
    """The meeting's closed rounds, oldest first."""
    return list(
        session.scalars(
            select(ScoringRound)
            .where(ScoringRound.meeting_id == meeting.id, ScoringRound.status == CLOSED_ROUND)
            .order_by(ScoringRound.id)
        )
    )


def archive_items(
    session: Session, meeting_id: int, pause: Callable[[], None] | None = None
) -> list[batches.Item]:
    """The PDFs of the archive: the summary, each round's tally sheet, each letter
    (the finalised files are taken as they are, in build_zip, when the letters are final)."""
    meeting = meetings.get_meeting(session, meeting_id)
    code = verification_code(session, meeting)
    data = results_data(compute_results(session, meeting, pause), pause)
    items = [
        batches.Item(
            name=str(_l("Results summary")),
            template="summary.html",
            context=exports.summary_context(data, code),
            filename="summary.pdf",
        )
    ]
    for scoring_round in closed_rounds(session, meeting):
        items.append(
            batches.Item(
                name=scoring_round.title,
                template="tally.html",
                context=tally_context(session, meeting, scoring_round),
                filename=f"tally-{scoring_round.id}.pdf",
            )
        )
    if meeting.finalised_at is None:
        items += letters.letter_items(session, meeting, date.today(), pause)
    return items


def build_zip(session: Session, meeting: Meeting, job: BatchJob, folder: Path) -> None:
    """Write the archive zip into the job's folder: the rendered PDFs, the spreadsheets,
    the finalised letters (if any) and MANIFEST.txt with every file's SHA-256."""
    code = verification_code(session, meeting)
    data = results_data(compute_results(session, meeting))
    files: list[tuple[str, bytes]] = [
        (exports.filename(meeting, "summary.xlsx"), exports.summary_xlsx(data, code)),
        (exports.filename(meeting, "ballots.csv"), exports.raw_csv(session, meeting)),
        (exports.filename(meeting, "ballots.xlsx"), exports.raw_xlsx(session, meeting)),
    ]
    for entry in job.files:
        name = entry["file"]
        if name.startswith(("summary", "tally")):
            stem = name.rsplit(".", 1)[0]
            archived = exports.filename(meeting, f"{stem}.pdf")
        else:
            archived = f"反馈意见书/{name}"
        files.append((archived, (folder / name).read_bytes()))
    instance = folder.parents[2]
    for row in letters.issued_letters(session, meeting):
        files.append(
            (f"反馈意见书（定稿）/{Path(row.file).name}", (instance / row.file).read_bytes())
        )
    manifest = [
        str(
            _l(
                "Archive of %(title)s (%(year)s assessment year)",
                title=meeting.title,
                year=meeting.year,
            )
        ),
        str(_l("Verification code of the results: %(code)s", code=code)),
        "",
        "SHA-256  " + str(_l("File")),
    ]
    manifest += [f"{hashlib.sha256(content).hexdigest()}  {name}" for name, content in files]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in files:
            target.writestr(name, content)
        target.writestr("MANIFEST.txt", "\n".join(manifest) + "\n")
    (folder / ZIP_NAME).write_bytes(buffer.getvalue())
    job.output = ZIP_NAME
    job.size = len(buffer.getvalue())


def record_zip(
    session: Session, meeting_id: int, organiser_id: int | None, job: BatchJob, folder: Path
) -> None:
    """The archive handed out is recorded with its SHA-256, like every export."""
    data = (folder / ZIP_NAME).read_bytes()
    meeting = meetings.get_meeting(session, meeting_id)
    session.add(
        ExportRecord(
            meeting_id=meeting.id,
            organiser_id=organiser_id,
            kind="archive.zip",
            filename=exports.filename(meeting, "archive.zip"),
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
        )
    )
    session.flush()
