"""Feedback letters (反馈意见书): plain data per reporter, rendered by the PDF workers.

``letter_context`` builds everything one letter prints from ``results.results_data`` (the
same numbers as the results page) and the comments, questions, problem and rectification
lists. ``letter_items`` hands every letter to ``batches``, which renders them on the
worker pool and merges them into one print batch, never on the live server's loop.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import batches, comments, errors, feedback, guards, inquiries
from .models import (
    ANSWERED,
    CLOSED,
    BatchJob,
    IssuedLetter,
    Meeting,
    Organiser,
    Reporter,
    utcnow,
)
from .results import (
    SCORED,
    compute_results,
    reporter_data,
    results_data,
    verification_code,
)
from .scoring import required_returns, scheme_from_dict

CHINESE_NUMERALS = "一二三四五六七八九十"


def chinese_date(value: date) -> str:
    """2024-02-05 -> 2024年2月5日 (GB/T 9704 writes the date with Arabic numerals)."""
    return f"{value.year}年{value.month}月{value.day}日"


def _date_text(text: str, fallback: date) -> str:
    try:
        return chinese_date(date.fromisoformat(text)) if text else chinese_date(fallback)
    except ValueError:
        return chinese_date(fallback)


def letter_context(
    session: Session,
    meeting: Meeting,
    data: dict[str, Any],
    reporter: Reporter,
    today: date,
    verification: str = "",
) -> dict[str, Any]:
    """Plain data for reports/letter.html: no ORM objects reach the template.

    A void result (quorum not met) opens with the void wording and prints no score, grade
    or rank. The rank is stated once: in the opening when its wording uses {rank_text},
    else in the result paragraph (when the settings show ranks at all).
    """
    settings = feedback.letter_settings(meeting)
    result = reporter_data(data, reporter.id)
    scored = result["status"] == SCORED
    void = bool(result.get("void"))
    count = len(data["ranking"])
    rank_text = ""
    if settings["show_rank"] and scored and result.get("rank"):
        rank_text = str(_l(", ranked %(rank)d of %(count)d", rank=result["rank"], count=count))
    participation = result.get("participation") or {}
    values = {
        "name": reporter.name,
        "year": meeting.year,
        "score": result.get("final") or "",
        "grade": result.get("grade") or "",
        "rank_text": rank_text,
        "top_rate": result.get("top_rate") or "",
        "approval_rate": result.get("approval_rate") or "",
        "assessment": result.get("assessment") or "",
        "organ": meeting.organ_name,
        "issued": participation.get("issued", ""),
        "returned": participation.get("returned", ""),
        "required": required_returns(
            participation.get("issued", 0), scheme_from_dict(meeting.scheme).quorum_pct
        )
        if scored
        else "",
    }
    if void:
        wording = settings["void_wording"]
    else:
        wording = settings["wording"].get(result.get("grade") or "", "")
    rank_in_opening = "{rank_text}" in wording
    asked = [
        {"text": q.text, "asker": q.asker_name, "answer": q.answer_summary}
        for q in inquiries.list_inquiries(session, meeting, reporter.id)
        if q.status == ANSWERED
    ]
    return {
        "stylesheets": ["letter.css"],
        "organ": meeting.organ_name,
        "number": settings["number"],
        "title": feedback.fill(settings["title"], values),
        "name": reporter.name,
        "unit": reporter.unit,
        "position": reporter.title,
        "on_site": reporter.on_site,
        "reporter_id": reporter.id,
        "year": meeting.year,
        "scored": scored,
        "void": void,
        "opening": feedback.fill(wording, values) if scored else "",
        "result": result,
        "show_rank": settings["show_rank"] and not rank_in_opening and not void,
        "verification": verification,
        "ranked_count": count,
        "lines": data["lines"],
        "labels": data["labels"],
        "numeric": data["numeric"],
        "categories": data["categories"],
        "assessment_name": data["assessment_name"],
        "comments": [
            {"name": c.commenter_name, "role": c.commenter_role, "summary": c.summary}
            for c in comments.list_comments(session, meeting, reporter.id)
        ],
        "questions": asked,
        "problems": [p.text for p in feedback.list_problems(session, meeting, reporter.id)],
        "rectifications": [
            {
                "item": r.item,
                "measure": r.measure,
                "responsible": r.responsible,
                "deadline": chinese_date(r.deadline) if r.deadline else "",
            }
            for r in feedback.list_rectifications(session, meeting, reporter.id)
        ],
        "report_due": _date_text(settings["report_due"], today) if settings["report_due"] else "",
        "signoff": settings["signoff"],
        "date": _date_text(settings["date"], today),
        "footnotes": data["footnotes"],
        "numerals": CHINESE_NUMERALS,
    }


def letter_contexts(
    session: Session, meeting: Meeting, today: date, pause: Callable[[], None] | None = None
) -> list[dict[str, Any]]:
    """Every reporter's letter data (plain, safe to hand to other threads), from one results run."""
    data = results_data(compute_results(session, meeting, pause), pause)
    code = verification_code(session, meeting)
    contexts = []
    for reporter in meeting.reporters:
        contexts.append(letter_context(session, meeting, data, reporter, today, code))
        if pause is not None:
            pause()
    return contexts


def safe_filename(text: str) -> str:
    return re.sub(r"[\\/:*?\"<>|\s]+", "_", text)[:60] or "letter"


def letter_items(
    session: Session, meeting: Meeting, today: date, pause: Callable[[], None] | None = None
) -> list[batches.Item]:
    """Every letter of the meeting as a batch item, in reporter order."""
    return [
        batches.Item(
            name=context["name"],
            template="letter.html",
            context=context,
            filename=f"{index:03d}-{safe_filename(context['name'])}.pdf",
            key=str(context["reporter_id"]),
        )
        for index, context in enumerate(letter_contexts(session, meeting, today, pause), start=1)
    ]


# --------------------------------------------------------------------------- 定稿

LETTERS = "letters"  # the batch kind of a print batch
FINAL = "final"  # the batch kind that finalises the letters


def ensure_finalisable(meeting: Meeting) -> None:
    """Letters are finalised after the meeting is sealed (no ballot can change any more)."""
    if meeting.status != CLOSED:
        raise errors.Conflict(_l("Close and seal the meeting before finalising the letters."))
    guards.ensure_feedback_open(meeting)


def record_final(
    session: Session, meeting: Meeting, job: BatchJob, folder: Path, instance_path: str
) -> list[IssuedLetter]:
    """Record every letter of a finished final batch with its SHA-256; the meeting's
    letters, lists and wording are read-only from now on (guards.ensure_feedback_open)."""
    ensure_finalisable(meeting)
    version = (
        session.scalar(
            select(func.max(IssuedLetter.version)).where(IssuedLetter.meeting_id == meeting.id)
        )
        or 0
    ) + 1
    issued = []
    for entry in job.files:
        path = folder / entry["file"]
        data = path.read_bytes()
        issued.append(
            IssuedLetter(
                meeting_id=meeting.id,
                reporter_id=int(entry["key"]),
                version=version,
                file=str(path.relative_to(instance_path)),
                sha256=hashlib.sha256(data).hexdigest(),
                pages=entry["pages"],
                size=len(data),
            )
        )
    session.add_all(issued)
    meeting.finalised_at = utcnow()
    guards.record(
        session, meeting, None, "letters_final", {"version": version, "letters": len(issued)}
    )
    session.flush()
    return issued


def issued_letters(session: Session, meeting: Meeting) -> list[IssuedLetter]:
    """The letters as finalised (the current version), in reporter order."""
    if meeting.finalised_at is None:
        return []
    order = {r.id: r.position for r in meeting.reporters}
    rows = session.scalars(
        select(IssuedLetter).where(
            IssuedLetter.meeting_id == meeting.id, IssuedLetter.withdrawn_at.is_(None)
        )
    ).all()
    return sorted(rows, key=lambda row: order.get(row.reporter_id, 0))


def withdraw_final(
    session: Session, meeting: Meeting, reason: str, organiser: Organiser | None = None
) -> None:
    """Undo the finalisation (to correct a letter): the issued versions stay on record,
    marked withdrawn, and the reason goes into the audit log."""
    if meeting.finalised_at is None:
        raise errors.Conflict(_l("The letters are not finalised."))
    reason = (reason or "").strip()
    if not reason:
        raise errors.Invalid(_l("Give the reason for withdrawing the finalised letters."))
    now = utcnow()
    for row in issued_letters(session, meeting):
        row.withdrawn_at = now
    meeting.finalised_at = None
    guards.record(session, meeting, organiser, "letters_withdrawn", {"reason": reason[:1000]})
    session.flush()
