"""Full state snapshots for the live pages (phone, projector, organiser console).

Each snapshot is small, plain JSON and complete: a page that (re)connects gets one and
needs nothing else. No snapshot carries ballot contents while a round is open; the
phone's own ballot goes only to that phone (``delegate_me``).
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import agenda, ballots, comments, inquiries, rounds, tokens
from .models import (
    ASKING,
    CLOSED_ROUND,
    PENDING,
    VOID,
    WRITTEN,
    AgendaItem,
    BallotToken,
    Category,
    Meeting,
    MeetingState,
    ScoringRound,
)
from .scoring import (
    QUOTA_PER_MEETING,
    SAME_GRADE_MIN_REPORTERS,
    scheme_from_dict,
    top_quota_limit,
)


def server_time() -> int:
    """Milliseconds since the epoch: the clock every screen's countdown follows."""
    return int(time.time() * 1000)


def meeting_info(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.id,
        "title": meeting.title,
        "organ": meeting.organ_name,
        "status": meeting.status,
    }


def scheme_info(meeting: Meeting) -> dict[str, Any]:
    """What a phone needs to draw and check the sheet."""
    scheme = scheme_from_dict(meeting.scheme)
    return {
        "mode": scheme.mode,
        "lines": [
            {"key": line.key, "name": line.name, "grades": list(line.labels())}
            for line in scheme.lines
        ],
        "abstain": scheme.abstain,
        "same_grade_invalid": scheme.same_grade_invalid,
        "same_grade_min": SAME_GRADE_MIN_REPORTERS,
        "quota_scope": scheme.top_quota_scope,
    }


def round_info(meeting: Meeting, scoring_round: ScoringRound | None) -> dict[str, Any] | None:
    if scoring_round is None:
        return None
    by_id = {r.id: r for r in meeting.reporters}
    reporters = [by_id[rid] for rid in scoring_round.reporter_ids if rid in by_id]
    scheme = scheme_from_dict(meeting.scheme)
    return {
        "id": scoring_round.id,
        "title": scoring_round.title,
        "status": scoring_round.status,
        "rehearsal": scoring_round.rehearsal,
        # with the id, tells this round from a deleted rehearsal whose id was reused (SQLite
        # reuses the highest id): a phone must not show a practice ballot as a real one
        "opened": scoring_round.opened_at.isoformat() if scoring_round.opened_at else None,
        # per-meeting scope: the meeting's limit; the phone subtracts what it gave before
        "top_quota": top_quota_limit(
            scheme,
            len(meeting.reporters)
            if scheme.top_quota_scope == QUOTA_PER_MEETING
            else len(reporters),
        ),
        "reporters": [
            {
                "id": r.id,
                "name": r.name,
                "title": r.title,
                "unit": r.unit,
                "on_site": r.on_site,
                "has_report": bool(r.report_text or r.report_file),
            }
            for r in reporters
        ],
    }


def latest_round(session: Session, meeting: Meeting) -> ScoringRound | None:
    """The open round, else the most recent round that is not void."""
    return session.scalars(
        select(ScoringRound)
        .where(ScoringRound.meeting_id == meeting.id, ScoringRound.status != VOID)
        .order_by((ScoringRound.status == "open").desc(), ScoringRound.id.desc())
    ).first()


def turnout_info(session: Session, meeting: Meeting, scoring_round: ScoringRound) -> dict[str, Any]:
    """Issued and returned per category. No validity: while a round is open it would pair
    with who has just voted; closed rounds give it in the console's history."""
    counts = rounds.turnout(session, scoring_round)
    categories = []
    for category in meeting.categories:
        eligible = counts.eligible.get(category.id, 0)
        voted = counts.voted.get(category.id, 0)
        categories.append(
            {"id": category.id, "name": category.name, "eligible": eligible, "voted": voted}
        )
    return {
        "categories": categories,
        "eligible": counts.total_eligible,
        "voted": counts.total_voted,
    }


def reporter_info(meeting: Meeting, reporter_id: int | None) -> dict[str, Any] | None:
    reporter = next((r for r in meeting.reporters if r.id == reporter_id), None)
    if reporter is None:
        return None
    return {
        "id": reporter.id,
        "name": reporter.name,
        "title": reporter.title,
        "unit": reporter.unit,
    }


def now_info(session: Session, meeting: Meeting, state: MeetingState | None) -> dict[str, Any]:
    """The agenda position: item, phase, countdown (absolute end or remaining), speaker."""
    if state is None:
        return {"started": False, "finished": False, "item": None, "phase": None, "timer": None}
    item = session.get(AgendaItem, state.item_id) if state.item_id else None
    items = agenda.list_items(session, meeting)
    info: dict[str, Any] = {
        "started": state.started,
        "finished": state.finished,
        "item": None,
        "phase": None,
        "timer": agenda.timer_fields(state) if item is not None else None,
        # while a question is being answered, ``timer`` is its answer countdown and this is
        # the phase's own countdown, set aside until the answer ends
        "phase_timer": agenda.saved_phase_timer(state) if item is not None else None,
        "speaker": state.speaker or None,
        "version": state.version,
    }
    if item is not None:
        phase = item.phases[state.phase_index]
        info["item"] = {
            "id": item.id,
            "kind": item.kind,
            "title": item.title,
            "index": items.index(item) if item in items else 0,
            "count": len(items),
            "reporter": reporter_info(meeting, item.reporter_id),
        }
        info["phase"] = {
            "key": phase["key"],
            "label": str(agenda.PHASE_LABELS.get(phase["key"], phase["key"])),
            "index": state.phase_index,
            "count": len(item.phases),
        }
        if item.kind == WRITTEN:
            info["written"] = [
                {"name": r.name, "unit": r.unit} for r in meeting.reporters if not r.on_site
            ]
    return info


def queue_info(session: Session, meeting: Meeting, state: MeetingState | None) -> dict[str, Any]:
    """What the room may see of the questions: the one being asked and the approved queue."""
    reporter_id = state.inquiry_reporter_id if state else None
    current = None
    queue = []
    for inquiry in inquiries.list_inquiries(session, meeting):
        entry = {
            "id": inquiry.id,
            "text": inquiry.text,
            "asker": inquiry.asker_name,
            "reporter": inquiry.reporter_id,
        }
        if inquiry.status == ASKING:
            current = entry
        elif inquiry.status == "approved":
            queue.append(entry)
    return {
        "open_for": reporter_info(meeting, reporter_id),
        "current": current,
        "queue": queue,
    }


def next_item_info(
    session: Session, meeting: Meeting, state: MeetingState | None
) -> dict[str, Any] | None:
    """The agenda item after the current one (what a phone announces as "next")."""
    if state is None or not state.started or state.finished or not state.item_id:
        return None
    items = agenda.list_items(session, meeting)
    ids = [item.id for item in items]
    if state.item_id not in ids or ids.index(state.item_id) + 1 >= len(items):
        return None
    item = items[ids.index(state.item_id) + 1]
    reporter = reporter_info(meeting, item.reporter_id)
    return {
        "kind": item.kind,
        "title": item.title,
        "reporter": reporter["name"] if reporter else None,
    }


def recent_round_info(session: Session, meeting: Meeting) -> dict[str, Any] | None:
    """The newest round that is not open, void ones included: what the phones say about
    the round that just ended (closed, or void and to be scored again)."""
    recent = session.scalars(
        select(ScoringRound)
        .where(ScoringRound.meeting_id == meeting.id, ScoringRound.status != "open")
        .order_by(ScoringRound.id.desc())
    ).first()
    if recent is None:
        return None
    # an ended rehearsal is void too, but to the room it is simply over
    return {
        "id": recent.id,
        "title": recent.title,
        "status": recent.status,
        "rehearsal": recent.rehearsal,
    }


def delegate_state(session: Session, meeting: Meeting) -> dict[str, Any]:
    """Broadcast to every phone of the meeting: the same for all of them.

    Besides the round, the agenda position (``now``) and what comes next, so that a phone
    between rounds says what is happening in the room; ``reports`` lists the reporters
    whose report a delegate can read. Nothing in it is per slip."""
    open_round = rounds.get_open_round(session, meeting.id)
    last = open_round or latest_round(session, meeting)
    state = session.get(MeetingState, meeting.id)
    return {
        "meeting": meeting_info(meeting),
        "scheme": scheme_info(meeting),
        "round": round_info(meeting, open_round),
        "last_round": {"id": last.id, "status": last.status} if last else None,
        "recent_round": recent_round_info(session, meeting),
        "now": now_info(session, meeting, state),
        "next": next_item_info(session, meeting, state),
        "reports": [
            {"id": r.id, "name": r.name, "unit": r.unit, "on_site": r.on_site}
            for r in meeting.reporters
            if r.report_text or r.report_file
        ],
        "inquiry": {
            "open_for": reporter_info(meeting, state.inquiry_reporter_id if state else None)
        },
        "server_time": server_time(),
    }


def delegate_me(session: Session, token: BallotToken) -> dict[str, Any]:
    """Only for this phone: its category and its stored ballots."""
    category = session.get(Category, token.category_id)
    meeting = session.get(Meeting, token.meeting_id)
    names = {r.id: r.name for r in meeting.reporters} if meeting else {}
    return {
        "token": token.id,
        "category": category.name if category else "",
        "may_inquire": bool(category and category.may_inquire),
        "ballots": ballots.list_my_ballots(session, token),
        "questions": [
            {
                "id": q.id,
                "reporter": names.get(q.reporter_id, ""),
                "text": q.text,
                "status": q.status,
                "status_label": str(inquiries.STATUS_LABELS[q.status]),
                "reject_reason": q.reject_reason,
            }
            for q in inquiries.list_mine(session, token.id)
        ],
    }


def screen_state(session: Session, meeting: Meeting) -> dict[str, Any]:
    """The projector: the round on screen and its turnout, never a grade."""
    current = latest_round(session, meeting)
    state = session.get(MeetingState, meeting.id)
    # turnout only, never validity: in a small category an invalid ballot appearing right
    # after someone voted would tell the room about that ballot
    turnout = turnout_info(session, meeting, current) if current else None
    return {
        "meeting": meeting_info(meeting),
        "round": round_info(meeting, current),
        "turnout": turnout,
        "now": now_info(session, meeting, state),
        "inquiry": queue_info(session, meeting, state),
        "published": meeting.published or None,
        "server_time": server_time(),
    }


def console_state(session: Session, meeting: Meeting) -> dict[str, Any]:
    """The organiser console: every round, live turnout, who has not voted yet."""
    all_rounds = rounds.list_rounds(session, meeting)
    scored = rounds.scored_reporter_ids(session, meeting)
    open_round = next((r for r in all_rounds if r.status == "open"), None)
    names = {c.id: c.name for c in meeting.categories}
    open_info = None
    if open_round is not None:
        open_info = round_info(meeting, open_round) or {}
        open_info["turnout"] = turnout_info(session, meeting, open_round)
        open_info["not_voted"] = [
            {
                "serial": t.serial,
                "code": tokens.masked_code(t.code),
                "category": names.get(t.category_id or 0, ""),
            }
            for t in rounds.not_voted(session, open_round)
        ]
    history = []
    for scoring_round in reversed(all_rounds):
        info = round_info(meeting, scoring_round) or {}
        info["reporter_names"] = [r["name"] for r in info.pop("reporters", [])]
        info["void_reason"] = scoring_round.void_reason
        if scoring_round.status != VOID:
            counts = rounds.turnout(session, scoring_round)
            info["voted"], info["eligible"] = counts.total_voted, counts.total_eligible
        if scoring_round.status == CLOSED_ROUND:  # validity only once nothing can change
            info["valid"], info["invalid"] = counts.valid, counts.invalid
        history.append(info)
    state = session.get(MeetingState, meeting.id)
    now = now_info(session, meeting, state)
    focus = (now.get("item") or {}).get("reporter") or {}
    focus_id = focus.get("id") or (state.inquiry_reporter_id if state else None)
    all_questions = inquiries.list_inquiries(session, meeting)
    return {
        "meeting": meeting_info(meeting),
        "now": now,
        "agenda": [
            {
                "id": item.id,
                "kind": item.kind,
                "title": item.title,
                "reporter_id": item.reporter_id,
                "phases": [
                    dict(phase, label=str(agenda.PHASE_LABELS.get(phase["key"], phase["key"])))
                    for phase in item.phases
                ],
            }
            for item in agenda.list_items(session, meeting)
        ],
        "inquiry": queue_info(session, meeting, state),
        # who may send questions from the phones, named in the console's 询问 hint
        "inquiry_categories": [c.name for c in meeting.categories if c.may_inquire],
        "questions": [
            {
                "id": q.id,
                "reporter_id": q.reporter_id,
                "text": q.text,
                "asker": q.asker_name,
                "category": q.asker_category,
                "status": q.status,
                "status_label": str(inquiries.STATUS_LABELS[q.status]),
                "reject_reason": q.reject_reason,
                "answer": q.answer_summary,
                "edited": q.edited,
            }
            for q in all_questions
            if q.status == PENDING or q.reporter_id == focus_id
        ],
        "focus_reporter": focus_id,
        "comments": [
            {
                "id": c.id,
                "reporter_id": c.reporter_id,
                "name": c.commenter_name,
                "role": c.commenter_role,
                "summary": c.summary,
            }
            for c in comments.list_comments(session, meeting, focus_id)
        ]
        if focus_id
        else [],
        "open_round": open_info,
        "rounds": history,
        "reporters": [
            {
                "id": r.id,
                "name": r.name,
                "unit": r.unit,
                "on_site": r.on_site,
                "scored": r.id in scored,
            }
            for r in meeting.reporters
        ],
        "server_time": server_time(),
    }
