"""Feedback letters (反馈意见书): plain data per reporter, rendered by the PDF workers.

``letter_context`` builds everything one letter prints from ``results.results_data`` (the
same numbers as the results page) and the comments, questions, problem and rectification
lists. ``letter_items`` hands every letter to ``batches``, which renders them on the
worker pool and merges them into one print batch, never on the live server's loop.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from . import batches, comments, feedback, inquiries
from .models import ANSWERED, Meeting, Reporter
from .results import SCORED, compute_results, reporter_data, results_data

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
    session: Session, meeting: Meeting, data: dict[str, Any], reporter: Reporter, today: date
) -> dict[str, Any]:
    """Plain data for reports/letter.html: no ORM objects reach the template."""
    settings = feedback.letter_settings(meeting)
    result = reporter_data(data, reporter.id)
    scored = result["status"] == SCORED
    count = len(data["ranking"])
    rank_text = ""
    if settings["show_rank"] and scored and result.get("rank"):
        rank_text = str(_l(", ranked %(rank)d of %(count)d", rank=result["rank"], count=count))
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
    }
    wording = settings["wording"].get(result.get("grade") or "", "")
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
        "scored": scored,
        "opening": feedback.fill(wording, values) if scored else "",
        "result": result,
        "show_rank": settings["show_rank"],
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
    contexts = []
    for reporter in meeting.reporters:
        contexts.append(letter_context(session, meeting, data, reporter, today))
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
        )
        for index, context in enumerate(letter_contexts(session, meeting, today, pause), start=1)
    ]
