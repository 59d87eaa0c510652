"""Meeting list, create, edit, overview, status and archive."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from ... import guards, meetings, pushing, rounds, snapshots
from ...db import get_session
from ...errors import DomainError, Invalid
from ...models import ACTIVE, CLOSED_ROUND, DRAFT, BallotToken, Meeting, MeetingState
from ...schemes import PRESETS
from ..common import attempt, ensure, load_meeting
from ..forms import attempt_form
from . import bp

STATUS_ACTIONS = {
    "live": _l("Start the meeting"),
    "draft": _l("Back to preparation"),
    "closed": _l("Close and seal the meeting"),
}


def suggested_year(day: date | None = None) -> int:
    """The year a meeting held on ``day`` usually reviews: January-March, the year before.

    Without a day: the date typed in the form, else today.
    """
    if day is None:
        try:
            day = date.fromisoformat(request.form.get("held_on", "").strip())
        except ValueError:
            day = date.today()
    return day.year - 1 if day.month <= 3 else day.year


def _form_details() -> dict[str, Any]:
    held_text = request.form.get("held_on", "").strip()
    try:
        held_on = date.fromisoformat(held_text) if held_text else None
    except ValueError as exc:
        raise Invalid(_l("The date must look like 2024-01-30."), field="held_on") from exc
    year_text = request.form.get("year", "").strip()
    if year_text and not year_text.isdigit():
        raise Invalid(_l("The year must be a number like 2023."), field="year")
    return {
        "title": request.form.get("title", ""),
        "organ_name": request.form.get("organ_name", ""),
        "held_on": held_on,
        "year": int(year_text) if year_text else None,
    }


@bp.route("/meetings", endpoint="meetings")
def meetings_list():
    archived = request.args.get("archived") == "1"
    items = meetings.list_meetings(get_session(), archived=archived)
    return render_template("organiser/meetings.html", meetings=items, archived=archived)


@bp.route("/meetings/new", methods=["GET", "POST"])
def meeting_new():
    ensure(guards.SETUP)
    problems: dict[str, str] | None = {}
    if request.method == "POST":
        created = {}

        def create(session):
            created["meeting"] = meetings.create_meeting(
                session, **_form_details(), preset=request.form.get("preset", "party_building")
            )

        problems = attempt_form(create, _l("Meeting created. Next: add the reporters."))
        if problems is None:
            if "meeting" not in created:  # the same form sent twice: made once, go to the list
                return redirect(url_for("organiser.meetings"))
            return redirect(url_for("organiser.meeting", meeting_id=created["meeting"].id))
    return render_template(
        "organiser/meeting_form.html",
        meeting=None,
        presets=PRESETS,
        suggested_year=suggested_year(),
        problems=problems,
    )


@bp.route("/meetings/<int:meeting_id>")
def meeting(meeting_id: int):
    item = load_meeting(meeting_id)
    session = get_session()
    counts = dict(
        session.execute(
            select(BallotToken.status, func.count())
            .where(BallotToken.meeting_id == item.id)
            .group_by(BallotToken.status)
        ).all()
    )
    readiness = _readiness(item) if item.status == DRAFT else []
    return render_template(
        "organiser/meeting.html",
        meeting=item,
        active_tokens=counts.get(ACTIVE, 0),
        readiness=readiness,
        live=_live_status(item) if item.status != DRAFT else None,
        status_actions=STATUS_ACTIONS,
        transitions=_transitions(item),
    )


def _transitions(item: Meeting) -> list[str]:
    """The status buttons to offer: back to preparation only while no real round exists
    (meetings.set_status refuses it afterwards)."""
    moves = set(meetings.TRANSITIONS[item.status])
    if DRAFT in moves and rounds.has_rounds(get_session(), item):
        moves.discard(DRAFT)
    return sorted(moves)


def _readiness(item: Meeting) -> list[str]:
    """The to-do list before the meeting starts: what going live needs, then every category
    that has no usable slips (worded as on the pre-flight page's slips row)."""
    session = get_session()
    readiness = []
    try:
        rounds.ensure_ready(session, item)
    except DomainError as exc:  # shown to the organiser as a to-do
        readiness.append(str(exc.message))
        readiness.extend(str(p) for p in exc.detail.get("problems", []))
    per_category = dict(
        session.execute(
            select(BallotToken.category_id, func.count())
            .where(BallotToken.meeting_id == item.id, BallotToken.status == ACTIVE)
            .group_by(BallotToken.category_id)
        ).all()
    )
    empty = [c.name for c in item.categories if not per_category.get(c.id)]
    if empty:
        readiness.append(str(_l("No slips yet for: %(names)s.", names="、".join(empty))))
    return readiness


def _live_status(item: Meeting) -> dict[str, Any]:
    """Where a live or sealed meeting stands: agenda position, open round, rounds done."""
    session = get_session()
    now = snapshots.now_info(session, item, session.get(MeetingState, item.id))
    open_round = rounds.get_open_round(session, item.id)
    turnout = rounds.turnout(session, open_round) if open_round is not None else None
    done = [r for r in rounds.list_rounds(session, item) if r.status == CLOSED_ROUND]
    return {
        "now": now,
        "open_round": open_round,
        "voted": turnout.total_voted if turnout else 0,
        "eligible": turnout.total_eligible if turnout else 0,
        "closed_rounds": len([r for r in done if not r.rehearsal]),
    }


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
def meeting_edit(meeting_id: int):
    item = load_meeting(meeting_id, guards.SETUP)
    problems: dict[str, str] = {}
    if request.method == "POST":
        refused = attempt_form(
            lambda s: meetings.update_meeting(s, item, **_form_details()), _l("Saved.")
        )
        if refused is None:
            return redirect(url_for("organiser.meeting", meeting_id=item.id))
        problems = refused
    return render_template(
        "organiser/meeting_form.html",
        meeting=item,
        presets=None,
        suggested_year=suggested_year(None if request.method == "POST" else item.held_on),
        problems=problems,
    )


@bp.route("/meetings/<int:meeting_id>/status", methods=["POST"])
def meeting_status(meeting_id: int):
    item = load_meeting(meeting_id, guards.RUN)
    status = request.form.get("status", "")
    if attempt(lambda s: meetings.set_status(s, item, status, current_user), _("Status changed.")):
        pushing.mark_changed(item.id)  # phones learn at once that the meeting has ended
    return redirect(url_for("organiser.meeting", meeting_id=item.id))


@bp.route("/meetings/<int:meeting_id>/archive", methods=["POST"])
def meeting_archive(meeting_id: int):
    item = load_meeting(meeting_id, guards.SETUP)
    archived = request.form.get("archived") == "1"
    attempt(lambda s: meetings.set_archived(s, item, archived), _l("Saved."))
    return redirect(url_for("organiser.meetings", archived="1" if archived else None))
