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

from . import ballots, rounds, tokens
from .models import VOID, BallotToken, Category, Meeting, ScoringRound
from .scoring import SAME_GRADE_MIN_REPORTERS, scheme_from_dict, top_quota_limit


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
        "top_quota": top_quota_limit(scheme, len(reporters)),
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
        "valid": counts.valid,
        "invalid": counts.invalid,
    }


def delegate_state(session: Session, meeting: Meeting) -> dict[str, Any]:
    """Broadcast to every phone of the meeting: the same for all of them."""
    open_round = rounds.get_open_round(session, meeting.id)
    last = open_round or latest_round(session, meeting)
    return {
        "meeting": meeting_info(meeting),
        "scheme": scheme_info(meeting),
        "round": round_info(meeting, open_round),
        "last_round": {"id": last.id, "status": last.status} if last else None,
        "server_time": server_time(),
    }


def delegate_me(session: Session, token: BallotToken) -> dict[str, Any]:
    """Only for this phone: its category and its stored ballots."""
    category = session.get(Category, token.category_id)
    return {
        "token": token.id,
        "category": category.name if category else "",
        "may_inquire": bool(category and category.may_inquire),
        "ballots": ballots.list_my_ballots(session, token),
    }


def screen_state(session: Session, meeting: Meeting) -> dict[str, Any]:
    """The projector: the round on screen and its turnout, never a grade."""
    current = latest_round(session, meeting)
    return {
        "meeting": meeting_info(meeting),
        "round": round_info(meeting, current),
        "turnout": turnout_info(session, meeting, current) if current else None,
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
            {"code": tokens.format_code(t.code), "category": names.get(t.category_id, "")}
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
            info["valid"], info["invalid"] = counts.valid, counts.invalid
        history.append(info)
    return {
        "meeting": meeting_info(meeting),
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
