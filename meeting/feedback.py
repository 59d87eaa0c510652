"""What each feedback letter says beyond the numbers: problems, rectification, wording.

Problem and rectification lists are edited per reporter, prefilled on request from the
comments and the answered questions. The letter's wording for each final grade is a
per-meeting template with placeholders. Last year's rectification list of the same
person is found by name (and unit, when it matches) in an earlier meeting.
"""

from __future__ import annotations

import re
import string
from datetime import date
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import errors, guards, wire
from .models import (
    ANSWERED,
    Comment,
    Inquiry,
    Meeting,
    ProblemItem,
    RectificationItem,
    Reporter,
    is_id,
)
from .scoring import scheme_from_dict

MAX_TEXT = 2000
PLACEHOLDERS = (
    "name",
    "year",
    "score",
    "grade",
    "rank_text",
    "top_rate",
    "approval_rate",
    "assessment",
    "organ",
    "issued",
    "returned",
    "required",
)

# {year} and {name} are filled when each letter is made, from the meeting and the
# reporter: correcting the meeting's year corrects every letter.
DEFAULT_TITLE = _l(
    "Feedback on the {year} report on duty, responsibility and integrity of comrade {name}"
)
VOID_WORDING = _l(
    "Only {returned} of the {issued} slips issued came back, fewer than the {required} the rules require, so this assessment has no valid result. The party group will arrange another assessment and tell you its result separately; meanwhile, rectify the problems below."
)
WORDING = {
    "top": _l(
        "After overall assessment, your final score in the {year} assessment is {score}, graded {grade}{rank_text}. The party group affirms your work of the past year; keep up the good practice and rectify the problems below in earnest."
    ),
    "good": _l(
        "After overall assessment, your final score in the {year} assessment is {score}, graded {grade}{rank_text}. Your performance is good on the whole; rectify the problems below item by item and keep improving."
    ),
    "middle": _l(
        "After overall assessment, your final score in the {year} assessment is {score}, graded {grade}{rank_text}. There is a clear gap; take it seriously and rectify the problems below item by item."
    ),
    "warning": _l(
        "After overall assessment, your final score in the {year} assessment is {score}, graded {grade}{rank_text}. Under the rules the party group will hold a reminder talk with you; rectify the problems below by the deadline and report on the rectification in next year's report."
    ),
}


# --------------------------------------------------------------------------- lists


def _reporter(meeting: Meeting, reporter_id: object) -> Reporter:
    reporter = (
        next((r for r in meeting.reporters if r.id == reporter_id), None)
        if is_id(reporter_id)
        else None
    )
    if reporter is None:
        raise errors.NotFound(_l("This reporter does not exist."))
    return reporter


def _text(value: object, required: bool = True) -> str:
    return wire.text(value, MAX_TEXT, minimum=1 if required else 0, multiline=True)


def list_problems(session: Session, meeting: Meeting, reporter_id: int) -> list[ProblemItem]:
    """The reporter's problem list in order."""
    return list(
        session.scalars(
            select(ProblemItem)
            .where(ProblemItem.meeting_id == meeting.id, ProblemItem.reporter_id == reporter_id)
            .order_by(ProblemItem.position, ProblemItem.id)
        )
    )


def add_problem(
    session: Session, meeting: Meeting, reporter_id: object, text: object, source: str = "manual"
) -> ProblemItem:
    """Append a problem to the reporter's list."""
    guards.ensure_feedback_open(meeting)
    reporter = _reporter(meeting, reporter_id)
    position = session.scalar(
        select(func.max(ProblemItem.position)).where(ProblemItem.reporter_id == reporter.id)
    )
    item = ProblemItem(
        meeting_id=meeting.id,
        reporter_id=reporter.id,
        text=_text(text),
        source=source if source in ("manual", "comment", "inquiry") else "manual",
        position=(position or 0) + 1,
    )
    session.add(item)
    session.flush()
    return item


ItemT = TypeVar("ItemT", ProblemItem, RectificationItem)


def _owned(session: Session, meeting: Meeting, model: type[ItemT], item_id: object) -> ItemT:
    item = session.get(model, item_id) if is_id(item_id) else None
    if item is None or item.meeting_id != meeting.id:
        raise errors.NotFound(_l("This entry does not exist."))
    return item


def update_problem(
    session: Session, meeting: Meeting, item_id: object, text: object
) -> ProblemItem:
    """Change a problem's text."""
    guards.ensure_feedback_open(meeting)
    item = _owned(session, meeting, ProblemItem, item_id)
    item.text = _text(text)
    session.flush()
    return item


def delete_problem(session: Session, meeting: Meeting, item_id: object) -> None:
    """Remove a problem."""
    guards.ensure_feedback_open(meeting)
    session.delete(_owned(session, meeting, ProblemItem, item_id))
    session.flush()


def list_rectifications(
    session: Session, meeting: Meeting, reporter_id: int
) -> list[RectificationItem]:
    """The reporter's rectification list in order."""
    return list(
        session.scalars(
            select(RectificationItem)
            .where(
                RectificationItem.meeting_id == meeting.id,
                RectificationItem.reporter_id == reporter_id,
            )
            .order_by(RectificationItem.position, RectificationItem.id)
        )
    )


def _deadline(value: object) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise errors.Invalid(_l("The date must look like 2024-01-30.")) from exc


def add_rectification(
    session: Session,
    meeting: Meeting,
    reporter_id: object,
    item: object,
    measure: object = "",
    responsible: object = "",
    deadline: object = None,
) -> RectificationItem:
    """Append an entry to the rectification list (item, measure, who, deadline)."""
    guards.ensure_feedback_open(meeting)
    reporter = _reporter(meeting, reporter_id)
    position = session.scalar(
        select(func.max(RectificationItem.position)).where(
            RectificationItem.reporter_id == reporter.id
        )
    )
    entry = RectificationItem(
        meeting_id=meeting.id,
        reporter_id=reporter.id,
        item=_text(item),
        measure=_text(measure, required=False),
        responsible=_text(responsible, required=False)[:128],
        deadline=_deadline(deadline),
        position=(position or 0) + 1,
    )
    session.add(entry)
    session.flush()
    return entry


def update_rectification(
    session: Session,
    meeting: Meeting,
    item_id: object,
    item: object,
    measure: object = "",
    responsible: object = "",
    deadline: object = None,
) -> RectificationItem:
    """Change an entry of the rectification list."""
    guards.ensure_feedback_open(meeting)
    entry = _owned(session, meeting, RectificationItem, item_id)
    entry.item = _text(item)
    entry.measure = _text(measure, required=False)
    entry.responsible = _text(responsible, required=False)[:128]
    entry.deadline = _deadline(deadline)
    session.flush()
    return entry


def delete_rectification(session: Session, meeting: Meeting, item_id: object) -> None:
    """Remove an entry of the rectification list."""
    guards.ensure_feedback_open(meeting)
    session.delete(_owned(session, meeting, RectificationItem, item_id))
    session.flush()


def suggestions(session: Session, meeting: Meeting, reporter_id: int) -> list[dict[str, Any]]:
    """Comments and answered questions not yet taken into the problem list."""
    taken = {p.text for p in list_problems(session, meeting, reporter_id)}
    found = []
    for comment in session.scalars(
        select(Comment)
        .where(Comment.meeting_id == meeting.id, Comment.reporter_id == reporter_id)
        .order_by(Comment.position)
    ):
        if comment.summary and comment.summary not in taken:
            found.append(
                {"source": "comment", "text": comment.summary, "by": comment.commenter_name}
            )
    for inquiry in session.scalars(
        select(Inquiry)
        .where(
            Inquiry.meeting_id == meeting.id,
            Inquiry.reporter_id == reporter_id,
            Inquiry.status == ANSWERED,
        )
        .order_by(Inquiry.position)
    ):
        if inquiry.text not in taken:
            found.append({"source": "inquiry", "text": inquiry.text, "by": inquiry.asker_name})
    return found


def previous_rectifications(
    session: Session, meeting: Meeting, reporter: Reporter
) -> dict[str, Any] | None:
    """Last year's rectification list of the same person (same name; same unit preferred)."""
    candidates = session.execute(
        select(Reporter, Meeting)
        .join(Meeting, Meeting.id == Reporter.meeting_id)
        .where(
            Reporter.name == reporter.name, Meeting.id != meeting.id, Meeting.year < meeting.year
        )
        .order_by(Meeting.year.desc(), Meeting.id.desc())
    ).all()
    if not candidates:
        return None
    same_unit = [c for c in candidates if c[0].unit == reporter.unit]
    earlier, earlier_meeting = (same_unit or candidates)[0]
    entries = list_rectifications(session, earlier_meeting, earlier.id)
    return {
        "meeting": earlier_meeting.title,
        "year": earlier_meeting.year,
        "unit": earlier.unit,
        "items": [
            {
                "item": e.item,
                "measure": e.measure,
                "responsible": e.responsible,
                "deadline": e.deadline.isoformat() if e.deadline else "",
            }
            for e in entries
        ],
    }


# --------------------------------------------------------------------------- wording


def wording_keys(meeting: Meeting) -> list[str]:
    """The final grades of the meeting's scheme, best first."""
    return [t.grade for t in scheme_from_dict(meeting.scheme).thresholds]


def _default_wording(position: int, count: int) -> str:
    if position == 0:
        return str(WORDING["top"])
    if position == count - 1:
        return str(WORDING["warning"])
    return str(WORDING["good"] if position == 1 else WORDING["middle"])


def letter_settings(meeting: Meeting) -> dict[str, Any]:
    """The meeting's letter settings with defaults filled in."""
    stored = dict(meeting.letter or {})
    grades = wording_keys(meeting)
    wording = dict(stored.get("wording") or {})
    for i, grade in enumerate(grades):
        wording.setdefault(grade, _default_wording(i, len(grades)))
    return {
        "title": stored.get("title") or str(DEFAULT_TITLE),
        "number": stored.get("number", ""),
        "signoff": stored.get("signoff") or meeting.organ_name,
        "date": stored.get("date") or "",
        "report_due": stored.get("report_due") or "",
        "show_rank": bool(stored.get("show_rank", False)),
        "duplex": bool(stored.get("duplex", True)),
        "wording": {grade: wording[grade] for grade in grades},
        "void_wording": stored.get("void_wording") or str(VOID_WORDING),
    }


_FIELDS = re.compile(r"\{(\w*)\}")


def check_template(text: str) -> str:
    """A wording template may only use the known placeholders, with balanced braces."""
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
    except ValueError as exc:
        raise errors.Invalid(_l("A { or } does not match in: %(text)s", text=text[:40])) from exc
    unknown = [f for f in fields if f not in PLACEHOLDERS]
    if unknown:
        raise errors.Invalid(
            _l(
                "Unknown placeholder {%(field)s}; use %(known)s.",
                field=unknown[0],
                known="、".join("{" + p + "}" for p in PLACEHOLDERS),
            )
        )
    return text


def save_letter_settings(session: Session, meeting: Meeting, form: Any) -> dict[str, Any]:
    """Validate and store the letter settings from the organiser's form (until 定稿)."""
    guards.ensure_feedback_open(meeting)
    grades = wording_keys(meeting)
    wording = {}
    for i, grade in enumerate(grades):
        text = _text(form.get(f"wording_{i}", ""))
        wording[grade] = check_template(text)
    title = check_template(_text(form.get("title", "")))
    for field in ("date", "report_due"):
        _deadline(form.get(field))
    meeting.letter = {
        "title": title,
        "number": _text(form.get("number", ""), required=False)[:64],
        "signoff": _text(form.get("signoff", ""), required=False)[:200] or meeting.organ_name,
        "date": (form.get("date") or "").strip(),
        "report_due": (form.get("report_due") or "").strip(),
        "show_rank": form.get("show_rank") == "1",
        "duplex": form.get("duplex") == "1",
        "wording": wording,
        "void_wording": check_template(
            _text(form.get("void_wording", ""), required=False) or str(VOID_WORDING)
        ),
    }
    session.flush()
    return letter_settings(meeting)


def fill(template: str, values: dict[str, Any]) -> str:
    """Put the values into a checked template (missing values print as empty)."""
    return _FIELDS.sub(lambda m: str(values.get(m.group(1), "") if m.group(1) else ""), template)
