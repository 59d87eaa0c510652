"""The agenda and the phase machine: where the meeting is, and its countdown.

An agenda is a list of items; each item has phases (an on-site report: 述职 -> 点评 ->
询问 -> 测评). The position (item, phase), the countdown and whether questions are open
live in ``MeetingState``; every screen is a view of it. Times are milliseconds since
the epoch and are passed in (``now``), so the rules are testable without a clock.
"""

from __future__ import annotations

import math
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from . import errors, guards, meetings, rounds, wire
from .models import (
    ANSWERED,
    ASKING,
    CLOSING,
    CUSTOM,
    DRAFT,
    LIVE,
    OPENING,
    REPORT,
    SCORING,
    WRITTEN,
    AgendaItem,
    Inquiry,
    Meeting,
    MeetingState,
    Organiser,
    is_id,
)

PHASES: dict[str, list[str]] = {
    OPENING: ["opening"],
    REPORT: ["report", "comment", "inquiry"],
    WRITTEN: ["written"],
    SCORING: ["scoring"],
    CLOSING: ["closing"],
    CUSTOM: ["custom"],
}
# with per-report rounds, each on-site report and the written block end in their own scoring
PER_REPORT_PHASES: dict[str, list[str]] = {
    REPORT: ["report", "comment", "inquiry", "scoring"],
    WRITTEN: ["written", "scoring"],
}
DEFAULT_SECONDS = {
    "opening": 5 * 60,
    "report": 8 * 60,
    "comment": 5 * 60,
    "inquiry": 10 * 60,
    "scoring": 5 * 60,
    "written": 2 * 60,
    "closing": 15 * 60,
    "custom": 10 * 60,
}
DEFAULT_ANSWER_SECONDS = 3 * 60
MAX_SECONDS = 4 * 60 * 60
MAX_ITEMS = 120

PHASE_LABELS = {
    "opening": _l("Opening"),
    "report": _l("Report"),
    "comment": _l("Comments"),
    "inquiry": _l("Questions"),
    "scoring": _l("Scoring"),
    "written": _l("Written reports"),
    "closing": _l("Closing speech"),
    "custom": _l("Item"),
}


def _phases(kind: str, per_report_rounds: bool = False) -> list[dict[str, Any]]:
    keys = PER_REPORT_PHASES.get(kind, PHASES[kind]) if per_report_rounds else PHASES[kind]
    phases: list[dict[str, Any]] = [{"key": k, "seconds": DEFAULT_SECONDS[k]} for k in keys]
    for phase in phases:
        if phase["key"] == "inquiry":
            phase["answer_seconds"] = DEFAULT_ANSWER_SECONDS
    return phases


def get_state(session: Session, meeting: Meeting) -> MeetingState:
    """The meeting's current position (created on first use)."""
    state = session.get(MeetingState, meeting.id)
    if state is None:
        state = MeetingState(meeting_id=meeting.id, speaker={})
        session.add(state)
        session.flush()
    return state


def list_items(session: Session, meeting: Meeting) -> list[AgendaItem]:
    """The agenda in order."""
    return list(
        session.scalars(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting.id)
            .order_by(AgendaItem.position, AgendaItem.id)
        )
    )


def build_agenda(
    session: Session, meeting: Meeting, replace: bool = False, per_report_rounds: bool = False
) -> list[AgendaItem]:
    """The agenda from the reporter list, as in seed 002 (everyone scored together):
    opening, each on-site report (述职 -> 点评 -> 询问), the written reports, one scoring
    of every reporter (集中测评), closing. One ballot then holds every official, so the
    top-grade quota applies across them all.

    ``per_report_rounds``: each on-site report ends in its own scoring and the written
    block in one for the written reports (no separate scoring item). ``replace`` throws
    away the current agenda; refused once the meeting has started.
    """
    guards.ensure_not_sealed(meeting)
    existing = list_items(session, meeting)
    if existing and not replace:
        raise errors.Conflict(_l("The agenda exists already."))
    if get_state(session, meeting).started:
        raise errors.Conflict(_l("The meeting has started; edit the agenda item by item."))
    for item in existing:
        session.delete(item)
    session.flush()
    items = [AgendaItem(kind=OPENING, title=str(_l("Opening")), phases=_phases(OPENING))]
    for reporter in meeting.reporters:
        if reporter.on_site:
            title = str(_l("Report of %(name)s", name=reporter.name))
            items.append(
                AgendaItem(
                    kind=REPORT,
                    title=title,
                    reporter_id=reporter.id,
                    phases=_phases(REPORT, per_report_rounds),
                )
            )
    if any(not r.on_site for r in meeting.reporters):
        items.append(
            AgendaItem(
                kind=WRITTEN,
                title=str(_l("Written reports")),
                phases=_phases(WRITTEN, per_report_rounds),
            )
        )
    if not per_report_rounds:
        items.append(
            AgendaItem(
                kind=SCORING, title=str(_l("Scoring of every reporter")), phases=_phases(SCORING)
            )
        )
    items.append(AgendaItem(kind=CLOSING, title=str(_l("Closing speech")), phases=_phases(CLOSING)))
    for position, item in enumerate(items):
        item.meeting_id = meeting.id
        item.position = position
        session.add(item)
    session.flush()
    return items


def get_item(session: Session, meeting: Meeting, item_id: object) -> AgendaItem:
    """An agenda item of this meeting, or NotFound."""
    item = session.get(AgendaItem, item_id) if is_id(item_id) else None
    if item is None or item.meeting_id != meeting.id:
        raise errors.NotFound(_l("This agenda item does not exist."))
    return item


def add_item(
    session: Session, meeting: Meeting, kind: str, title: str = "", reporter_id: object = None
) -> AgendaItem:
    """Append an item: a custom item, another on-site report, a written block, a closing."""
    guards.ensure_not_sealed(meeting)
    if kind not in PHASES:
        raise errors.Invalid(_l("Unknown kind of agenda item."))
    items = list_items(session, meeting)
    if len(items) >= MAX_ITEMS:
        raise errors.Invalid(_l("The agenda is full."))
    reporter = None
    if kind == REPORT:
        reporter = next((r for r in meeting.reporters if r.id == reporter_id), None)
        if reporter is None or not is_id(reporter_id):
            raise errors.NotFound(_l("This reporter does not exist."))
    title = (title or "").strip()[:200]
    if not title:
        if reporter is not None:
            title = str(_l("Report of %(name)s", name=reporter.name))
        elif kind == SCORING:
            title = str(_l("Scoring of every reporter"))
        else:
            title = str(PHASE_LABELS[PHASES[kind][0]])
    item = AgendaItem(
        meeting_id=meeting.id,
        kind=kind,
        title=title,
        reporter_id=reporter.id if reporter else None,
        phases=_phases(kind),
        position=max((i.position for i in items), default=-1) + 1,
    )
    session.add(item)
    session.flush()
    return item


def remove_item(session: Session, meeting: Meeting, item_id: object) -> None:
    """Delete an item that is not the current one."""
    guards.ensure_not_sealed(meeting)
    item = get_item(session, meeting, item_id)
    if get_state(session, meeting).item_id == item.id:
        raise errors.Conflict(_l("This item is on now; move on before removing it."))
    session.delete(item)
    session.flush()


def reorder_items(session: Session, meeting: Meeting, ordered_ids: object) -> None:
    """Put the items in the given order (exactly this meeting's item ids)."""
    guards.ensure_not_sealed(meeting)
    items = {i.id: i for i in list_items(session, meeting)}
    if (
        not isinstance(ordered_ids, list)
        or not all(is_id(i) for i in ordered_ids)
        or sorted(ordered_ids) != sorted(items)
    ):
        raise errors.Invalid(_l("The order does not match the agenda; reload the page."))
    for position, item_id in enumerate(ordered_ids):
        items[item_id].position = position
    session.flush()


def set_durations(
    session: Session,
    meeting: Meeting,
    item_id: object,
    minutes: object,
    answer_minutes: object = None,
) -> AgendaItem:
    """Phase durations in minutes (``{"report": 8, ...}``) and the answer time for questions."""
    guards.ensure_not_sealed(meeting)
    item = get_item(session, meeting, item_id)
    if not isinstance(minutes, dict):
        raise errors.Invalid(_l("The request could not be understood."))
    phases = [dict(p) for p in item.phases]
    for phase in phases:
        if phase["key"] in minutes:
            phase["seconds"] = _seconds(minutes[phase["key"]])
        if phase["key"] == "inquiry" and answer_minutes is not None:
            phase["answer_seconds"] = _seconds(answer_minutes)
    item.phases = phases
    session.flush()
    return item


def _seconds(minutes: object) -> int:
    try:
        value = float(str(minutes))
    except ValueError as exc:
        raise errors.Invalid(_l("A duration must be a number of minutes.")) from exc
    if not math.isfinite(value) or not 0 < value * 60 <= MAX_SECONDS:
        raise errors.Invalid(_l("A duration must be between a few seconds and 4 hours."))
    return max(1, round(value * 60))


# --------------------------------------------------------------------------- moving


def _current(session: Session, meeting: Meeting, state: MeetingState) -> AgendaItem | None:
    return session.get(AgendaItem, state.item_id) if state.item_id else None


def _ensure_running(meeting: Meeting, state: MeetingState) -> None:
    guards.ensure_not_sealed(meeting)
    if state.finished:
        raise errors.Conflict(_l("The agenda is finished."))


def _scoring_reporters(session: Session, meeting: Meeting, item: AgendaItem) -> list[int]:
    if item.kind == REPORT and item.reporter_id:
        candidates = [item.reporter_id]
    elif item.kind == WRITTEN:
        candidates = [r.id for r in meeting.reporters if not r.on_site]
    else:
        candidates = [r.id for r in meeting.reporters]
    scored = rounds.scored_reporter_ids(session, meeting)
    return [rid for rid in candidates if rid not in scored]


def _enter(
    session: Session,
    meeting: Meeting,
    state: MeetingState,
    item: AgendaItem,
    index: int,
    now: int,
    organiser: Organiser | None,
) -> None:
    """Move to a phase: restart the countdown, open or close questions, open scoring."""
    phase = item.phases[index]
    state.item_id = item.id
    state.phase_index = index
    state.finished = False
    duration = int(phase.get("seconds") or 0) * 1000
    state.timer_duration_ms = duration
    state.timer_running = duration > 0
    state.timer_ends_ms = now + duration if duration else None
    state.timer_remaining_ms = None
    state.phase_timer = None  # a new phase: no answer countdown is running
    end_asking(session, meeting)
    state.speaker = {}
    state.inquiry_reporter_id = item.reporter_id if phase["key"] == "inquiry" else None
    if phase["key"] == "scoring" and rounds.get_open_round(session, meeting.id) is None:
        reporter_ids = _scoring_reporters(session, meeting, item)
        if reporter_ids:
            title = item.title if item.kind != WRITTEN else None
            rounds.open_round(session, meeting, reporter_ids, title or "", organiser)


def _leave(
    session: Session,
    meeting: Meeting,
    state: MeetingState,
    close_round: bool,
    organiser: Organiser | None,
) -> None:
    """Leaving a scoring phase closes its round, but only when the organiser says so."""
    item = _current(session, meeting, state)
    if item is None or item.phases[state.phase_index]["key"] != "scoring":
        return
    open_round = rounds.get_open_round(session, meeting.id)
    if open_round is None:
        return
    if not close_round:
        raise errors.Conflict(
            _l("Scoring is still open. Close the round first, or confirm to close it and move on."),
            needs_close=True,
        )
    rounds.close_round(session, open_round, organiser)


def _moving(session: Session, meeting: Meeting, expected: object) -> MeetingState:
    """Lock the meeting and check that the mover saw the current position.

    ``expected`` is the state version the console showed; a double click, or a second
    console that moved meanwhile, makes it stale, and the move is refused instead of
    skipping a phase.
    """
    guards.lock(session, meeting)
    state = get_state(session, meeting)
    session.refresh(state)
    if expected is not None and expected != state.version:
        raise errors.Conflict(
            _l("The meeting has moved on meanwhile; check the console and try again.")
        )
    return state


def start(
    session: Session,
    meeting: Meeting,
    now: int,
    organiser: Organiser | None = None,
    expected: object = None,
) -> MeetingState:
    """Start the meeting at the first agenda item (the meeting goes live if it is not)."""
    state = _moving(session, meeting, expected)
    if state.started:
        raise errors.Conflict(_l("The meeting has started already."))
    if meeting.status == DRAFT:
        meetings.set_status(session, meeting, LIVE, organiser)
    _ensure_running(meeting, state)
    items = list_items(session, meeting) or build_agenda(session, meeting)
    state.started = True
    _enter(session, meeting, state, items[0], 0, now, organiser)
    state.version += 1
    session.flush()
    return state


def advance(
    session: Session,
    meeting: Meeting,
    now: int,
    close_round: bool = False,
    organiser: Organiser | None = None,
    expected: object = None,
) -> MeetingState:
    """Next phase, or the first phase of the next item; after the last one, finished."""
    state = _moving(session, meeting, expected)
    if not state.started:
        return start(session, meeting, now, organiser)
    _ensure_running(meeting, state)
    _leave(session, meeting, state, close_round, organiser)
    items = list_items(session, meeting)
    item = _current(session, meeting, state)
    if item is not None and state.phase_index + 1 < len(item.phases):
        _enter(session, meeting, state, item, state.phase_index + 1, now, organiser)
    else:
        index = items.index(item) + 1 if item in items else 0
        if index < len(items):
            _enter(session, meeting, state, items[index], 0, now, organiser)
        else:
            state.item_id = None
            state.finished = True
            state.timer_running = False
            state.timer_ends_ms = None
            state.timer_remaining_ms = None
            state.inquiry_reporter_id = None
            state.speaker = {}
    state.version += 1
    session.flush()
    return state


def back(
    session: Session,
    meeting: Meeting,
    now: int,
    close_round: bool = False,
    organiser: Organiser | None = None,
    expected: object = None,
) -> MeetingState:
    """Previous phase, or the last phase of the previous item."""
    state = _moving(session, meeting, expected)
    if not state.started:
        raise errors.Conflict(_l("The meeting has not started yet."))
    guards.ensure_not_sealed(meeting)
    _leave(session, meeting, state, close_round, organiser)
    items = list_items(session, meeting)
    item = _current(session, meeting, state)
    if state.finished and items:
        _enter(session, meeting, state, items[-1], len(items[-1].phases) - 1, now, organiser)
    elif item is not None and state.phase_index > 0:
        _enter(session, meeting, state, item, state.phase_index - 1, now, organiser)
    elif item in items and items.index(item) > 0:
        previous = items[items.index(item) - 1]
        _enter(session, meeting, state, previous, len(previous.phases) - 1, now, organiser)
    else:
        raise errors.Conflict(_l("This is the first item already."))
    state.version += 1
    session.flush()
    return state


def go_to(
    session: Session,
    meeting: Meeting,
    item_id: object,
    phase_index: object,
    now: int,
    close_round: bool = False,
    organiser: Organiser | None = None,
) -> MeetingState:
    """Jump to any phase of any item."""
    state = _moving(session, meeting, None)
    guards.ensure_not_sealed(meeting)
    item = get_item(session, meeting, item_id)
    if (
        not isinstance(phase_index, int)
        or isinstance(phase_index, bool)
        or not 0 <= phase_index < len(item.phases)
    ):
        raise errors.Invalid(_l("This phase does not exist."))
    if not state.started:
        start(session, meeting, now, organiser)
    _leave(session, meeting, state, close_round, organiser)
    _enter(session, meeting, state, item, phase_index, now, organiser)
    state.version += 1
    session.flush()
    return state


# --------------------------------------------------------------------------- countdown


def remaining_ms(state: MeetingState, now: int) -> int | None:
    """Remaining time of the countdown (negative in overtime), None without a countdown."""
    if state.timer_running and state.timer_ends_ms is not None:
        return state.timer_ends_ms - now
    return state.timer_remaining_ms


TIMER_ACTIONS = ("start", "pause", "resume", "add", "reset", "answer")


def timer_fields(state: MeetingState) -> dict[str, Any]:
    """The countdown as every screen reads it: absolute end while running, else what is left."""
    return {
        "running": state.timer_running,
        "ends_ms": state.timer_ends_ms,
        "remaining_ms": state.timer_remaining_ms,
        "duration_ms": state.timer_duration_ms,
    }


def saved_phase_timer(state: MeetingState) -> dict[str, Any] | None:
    """The phase countdown set aside by a running answer countdown, if any."""
    return state.phase_timer or None


def timer(
    session: Session, meeting: Meeting, action: str, now: int, seconds: object = None
) -> MeetingState:
    """Countdown control: pause, resume, add (or take) time, reset, start an answer timer.

    The running countdown is an absolute end time; pausing stores what remains.
    """
    state = _moving(session, meeting, None)
    _ensure_running(meeting, state)
    if action not in TIMER_ACTIONS:
        raise errors.Invalid(_l("The request could not be understood."))
    left = remaining_ms(state, now)
    if action == "pause":
        if state.timer_running:
            state.timer_remaining_ms = left
            state.timer_running = False
            state.timer_ends_ms = None
    elif action in ("resume", "start"):
        if not state.timer_running:
            base = (
                state.timer_remaining_ms
                if state.timer_remaining_ms is not None
                else state.timer_duration_ms
            )
            state.timer_ends_ms = now + base
            state.timer_remaining_ms = None
            state.timer_running = True
    elif action == "add":
        if (
            not isinstance(seconds, int)
            or isinstance(seconds, bool)
            or not -3600 <= seconds <= 3600
        ):
            raise errors.Invalid(_l("Add between -60 and 60 minutes."))
        if state.timer_running and state.timer_ends_ms is not None:
            state.timer_ends_ms += seconds * 1000
        else:
            state.timer_remaining_ms = (
                left if left is not None else state.timer_duration_ms
            ) + seconds * 1000
        state.timer_duration_ms = max(0, state.timer_duration_ms + seconds * 1000)
    elif action == "reset":
        state.timer_running = False
        state.timer_ends_ms = None
        state.timer_remaining_ms = state.timer_duration_ms
    elif action == "answer":
        if saved_phase_timer(state) is None:  # a second question keeps the first one's phase
            state.phase_timer = timer_fields(state)
        answer = (
            int(seconds)
            if isinstance(seconds, int)
            and not isinstance(seconds, bool)
            and 0 < seconds <= MAX_SECONDS
            else DEFAULT_ANSWER_SECONDS
        )
        state.timer_duration_ms = answer * 1000
        state.timer_ends_ms = now + answer * 1000
        state.timer_remaining_ms = None
        state.timer_running = True
    state.version += 1
    session.flush()
    return state


def answer_seconds(session: Session, meeting: Meeting) -> int:
    """The answer time of the current inquiry phase (or the default)."""
    state = get_state(session, meeting)
    item = _current(session, meeting, state)
    if item is not None:
        phase = item.phases[state.phase_index]
        if phase["key"] == "inquiry":
            return int(phase.get("answer_seconds") or DEFAULT_ANSWER_SECONDS)
    return DEFAULT_ANSWER_SECONDS


def asking_tokens(session: Session, meeting: Meeting) -> list[int]:
    """The slips whose question is being asked now (their phones show its status)."""
    return [
        token_id
        for token_id in session.scalars(
            select(Inquiry.token_id).where(
                Inquiry.meeting_id == meeting.id, Inquiry.status == ASKING
            )
        )
        if token_id is not None
    ]


def end_asking(session: Session, meeting: Meeting) -> None:
    """Moving on from a question being asked: it was answered (its summary can still be
    written on the console), so no phone shows it as "being asked" for ever."""
    session.execute(
        update(Inquiry)
        .where(Inquiry.meeting_id == meeting.id, Inquiry.status == ASKING)
        .values(status=ANSWERED)
        .execution_options(synchronize_session="fetch")
    )


def end_answer(session: Session, meeting: Meeting) -> None:
    """A question was answered: the phase countdown set aside for it runs on where it is."""
    state = get_state(session, meeting)
    saved = saved_phase_timer(state)
    if saved is None:
        return
    state.timer_running = bool(saved.get("running"))
    state.timer_ends_ms = saved.get("ends_ms")
    state.timer_remaining_ms = saved.get("remaining_ms")
    state.timer_duration_ms = int(saved.get("duration_ms") or 0)
    state.phase_timer = None
    state.version += 1
    session.flush()


def set_speaker(session: Session, meeting: Meeting, name: object, role: object) -> MeetingState:
    """Who is commenting now (shown on the projector); empty name clears it."""
    state = get_state(session, meeting)
    _ensure_running(meeting, state)
    name = wire.text(name, 200)[:64]
    role = wire.text(role, 400)[:128]
    state.speaker = {"name": name, "role": role} if name else {}
    state.version += 1
    session.flush()
    return state


def open_inquiries(session: Session, meeting: Meeting, reporter_id: object) -> MeetingState:
    """Open the question form for a chosen reporter (None closes it)."""
    state = get_state(session, meeting)
    _ensure_running(meeting, state)
    if reporter_id is None:
        state.inquiry_reporter_id = None
    else:
        reporter = next((r for r in meeting.reporters if r.id == reporter_id), None)
        if reporter is None or not is_id(reporter_id):
            raise errors.NotFound(_l("This reporter does not exist."))
        state.inquiry_reporter_id = reporter.id
    state.version += 1
    session.flush()
    return state
