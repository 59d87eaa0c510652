"""Socket.IO handlers: parse -> one domain call -> commit -> mark for push -> ack.

Three kinds of connection, told apart by the ``auth`` payload at connect:

* ``{"role": "delegate"}``: a phone; its slip comes from the signed session cookie that
  /b/<secret> or /j set, never from the client's payload;
* ``{"role": "screen", "meeting": id, "key": screen key}``: a projector, read-only;
* ``{"role": "organiser", "meeting": id}``: the console; needs a live organiser login.

Every (re)connect gets full snapshots. Registration, identity, commits and acks are in
``events``; rooms and pushing in ``pushing``; input cleaning in ``wire``. Acks are sent
only after the commit: an acknowledged ballot is stored.
"""

from __future__ import annotations

import hmac
from typing import Any

from flask import current_app, request, session
from flask_babel import lazy_gettext as _l
from flask_socketio import ConnectionRefusedError, join_room
from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from . import (
    accounts,
    agenda,
    ballots,
    comments,
    errors,
    guards,
    inquiries,
    rounds,
    snapshots,
    throttle,
    tokens,
    wire,
)
from .db import get_session
from .events import commit, delegate_event, organiser_event, public_event
from .extensions import socketio
from .models import Meeting, Organiser, ScoringRound, is_id, utcnow
from .pushing import (
    Identity,
    connections,
    ensure_pushing,
    login_room,
    mark_changed,
    meeting_room,
    notify_token,
    shared_snapshot,
    token_room,
)

MAX_PAYLOAD_BYTES = 64 * 1024
# One delegate, one slip: a few devices (a phone and a tablet, a page reloaded) but not a
# fleet of sockets sharing one slip's budget.
MAX_SOCKETS_PER_SLIP = 3
# A refused connect is answered after this pause: a client retrying in a loop (a stale
# page, a script guessing keys) costs the server a few connects a second, not hundreds,
# and the pause costs the server nothing (a sleeping green thread).
REFUSED_CONNECT_SECONDS = 0.5


def _refuse(message: Any) -> ConnectionRefusedError:
    return ConnectionRefusedError(str(message))


# --------------------------------------------------------------------------- connect
# connect and disconnect are the socket's life cycle, not events a client sends, so they
# are registered with socketio.on; client events named like them are dropped in events.


@socketio.on("connect")
def on_connect(auth: Any = None) -> None:
    db = get_session()
    try:
        _connect(db, auth if isinstance(auth, dict) else {})
    except ConnectionRefusedError:
        db.rollback()  # no transaction held through the pause
        socketio.sleep(REFUSED_CONNECT_SECONDS)
        raise


def _connect(db: Session, auth: dict[str, Any]) -> None:
    role = auth.get("role")
    sid: str = request.sid  # type: ignore[attr-defined]
    if role == "delegate":
        _connect_delegate(db, sid)
    elif role == "screen":
        _connect_screen(db, sid, auth)
    elif role == "organiser":
        _connect_organiser(db, sid, auth)
    else:
        raise _refuse(_l("The request could not be understood."))


def _connect_delegate(db: Session, sid: str) -> None:
    held = session.get("delegate") or {}
    try:
        token = tokens.check_token(db, held.get("t"))
    except errors.DomainError as error:
        raise _refuse(error.message) from None
    if not throttle.allow("connects", f"slip{token.id}"):
        raise _refuse(_l("Too many connections in a short time; please wait a moment."))
    open_sockets = sum(
        1 for i in connections.values() if i.role == "delegate" and i.token_id == token.id
    )
    if open_sockets >= MAX_SOCKETS_PER_SLIP:
        raise _refuse(
            _l("This slip is open on too many devices or pages; close the others and try again.")
        )
    connections[sid] = Identity("delegate", token.meeting_id, token_id=token.id)
    join_room(meeting_room(token.meeting_id, "delegates"))
    join_room(token_room(token.id))
    if held.get("j", token.joins) < token.joins:  # opened on another device since this one
        socketio.emit("other_device", {"message": str(tokens.OTHER_DEVICE)}, to=sid)
    meeting = db.get(Meeting, token.meeting_id)
    assert meeting is not None
    state = shared_snapshot(meeting, "delegates")
    me = snapshots.delegate_me(db, token)
    db.rollback()
    socketio.emit("state", state, to=sid)
    socketio.emit("me", me, to=sid)


def _connect_screen(db: Session, sid: str, auth: dict[str, Any]) -> None:
    meeting = db.get(Meeting, auth["meeting"]) if is_id(auth.get("meeting")) else None
    key = auth.get("key")
    if (
        meeting is None
        or not isinstance(key, str)
        or not hmac.compare_digest(key.encode(), meeting.screen_key.encode())
    ):
        raise _refuse(_l("This projector address is not valid."))
    connections[sid] = Identity("screen", meeting.id)
    join_room(meeting_room(meeting.id, "screen"))
    state = shared_snapshot(meeting, "screen")
    db.rollback()
    socketio.emit("state", state, to=sid)
    _mark_screen_seen(db, meeting.id)


def _mark_screen_seen(db: Session, meeting_id: int) -> None:
    """For the pre-flight check: a projector connected. Never refuses the projector."""
    try:
        db.execute(
            update(Meeting)
            .where(Meeting.id == meeting_id)
            .values(screen_seen_at=utcnow(), updated_at=Meeting.updated_at)
        )
        db.commit()
    except SQLAlchemyError:
        db.rollback()


def _connect_organiser(db: Session, sid: str, auth: dict[str, Any]) -> None:
    login = session.get("login", "")
    organiser = accounts.live_login(db, login, current_app.config["ORGANISER_IDLE_MINUTES"])
    if organiser is None:
        raise _refuse(_l("Please log in again."))
    try:
        meeting = guards.meeting_for(db, organiser, auth.get("meeting"), guards.VIEW)
    except errors.DomainError as error:
        raise _refuse(error.message) from None
    db.commit()  # the login's activity
    connections[sid] = Identity("organiser", meeting.id, organiser_id=organiser.id, login=login)
    ensure_pushing()  # its loop also drops consoles whose login ended elsewhere
    join_room(meeting_room(meeting.id, "organisers"))
    join_room(login_room(login))
    state = snapshots.console_state(db, meeting)
    db.rollback()
    socketio.emit("state", state, to=sid)


@socketio.on("disconnect")
def on_disconnect(*_args: Any) -> None:
    connections.pop(request.sid, None)  # type: ignore[attr-defined]


@public_event("time")
def on_time(payload: Any = None) -> dict[str, Any]:
    """Clock sync: the phone's send time echoed with the server's time."""
    sent = payload.get("t") if isinstance(payload, dict) else None
    if isinstance(sent, bool) or not isinstance(sent, int | float) or sent != sent:
        sent = None
    return {"t": sent, "server": snapshots.server_time()}


# --------------------------------------------------------------------------- delegate


@delegate_event("submit_ballot")
def on_submit_ballot(ident: Identity, payload: dict[str, Any]) -> dict[str, Any]:
    assert ident.token_id is not None
    token_id = ident.token_id
    receipt = commit(lambda db: ballots.submit_ballot(db, token_id, payload))
    if not receipt.duplicate and not receipt.superseded:
        mark_changed(ident.meeting_id)
        # the slip's other devices learn at once that the ballot changed: its receipt, made
        # from what is in hand (a burst of ballots must not rebuild a snapshot per slip)
        notify_token(token_id, "receipt", receipt.as_receipt(), skip_sid=request.sid)  # type: ignore[attr-defined]
    return receipt.as_ack()


@delegate_event("sync")
def on_sync(ident: Identity, _payload: dict[str, Any]) -> dict[str, Any]:
    """A phone asks for both snapshots again (after waking up, say)."""
    db = get_session()
    token = tokens.check_token(db, ident.token_id)
    meeting = db.get(Meeting, ident.meeting_id)
    assert meeting is not None
    result = {
        "ok": True,
        "state": shared_snapshot(meeting, "delegates"),
        "me": snapshots.delegate_me(db, token),
    }
    db.rollback()
    return result


@delegate_event("submit_inquiry")
def on_submit_inquiry(ident: Identity, payload: dict[str, Any]) -> dict[str, Any]:
    assert ident.token_id is not None
    token_id = ident.token_id
    inquiry = commit(lambda db: inquiries.submit_inquiry(db, token_id, payload))
    mark_changed(ident.meeting_id, [token_id])
    return {"ok": True, "question": inquiry.id, "status": inquiry.status}


# --------------------------------------------------------------------------- rounds


@organiser_event("open_round")
def on_open_round(
    db: Session, meeting: Meeting, organiser: Organiser, payload: dict[str, Any]
) -> dict[str, Any]:
    title = wire.text(payload.get("title"), rounds.MAX_TITLE)
    reporter_ids = wire.ident_list(payload.get("reporters"))
    scoring_round = rounds.open_round(db, meeting, reporter_ids, title, organiser)
    return {"round": scoring_round.id}


@organiser_event("close_round")
def on_close_round(
    db: Session, meeting: Meeting, organiser: Organiser, payload: dict[str, Any]
) -> dict[str, Any]:
    scoring_round = rounds.get_round(db, meeting, wire.ident(payload.get("round")))
    if scoring_round.rehearsal:
        return _end_rehearsal(db, scoring_round, organiser)
    rounds.close_round(db, scoring_round, organiser)
    return {"round": scoring_round.id, "summary": scoring_round.summary}


@organiser_event("open_rehearsal")
def on_open_rehearsal(
    db: Session, meeting: Meeting, organiser: Organiser, _payload: dict[str, Any]
) -> dict[str, Any]:
    return {"round": rounds.open_rehearsal(db, meeting, organiser).id, "rehearsal": True}


def _end_rehearsal(
    db: Session, scoring_round: ScoringRound, organiser: Organiser
) -> dict[str, Any]:
    """Closing or voiding a rehearsal wipes it; the phones that voted drop their ballot."""
    round_id = scoring_round.id
    voters = rounds.end_rehearsal(db, scoring_round, organiser)
    return {"round": round_id, "rehearsal": True, "wiped": len(voters), "_phones": voters}


@organiser_event("void_round")
def on_void_round(
    db: Session, meeting: Meeting, organiser: Organiser, payload: dict[str, Any]
) -> dict[str, Any] | None:
    scoring_round = rounds.get_round(db, meeting, wire.ident(payload.get("round")))
    if scoring_round.rehearsal:
        return _end_rehearsal(db, scoring_round, organiser)
    reason = wire.text(payload.get("reason"), 1000, multiline=True)
    rounds.void_round(db, scoring_round, reason, organiser)
    return None


@organiser_event("rerun_round")
def on_rerun_round(
    db: Session, meeting: Meeting, organiser: Organiser, payload: dict[str, Any]
) -> dict[str, Any]:
    scoring_round = rounds.get_round(db, meeting, wire.ident(payload.get("round")))
    return {"round": rounds.rerun_round(db, scoring_round, organiser).id}


# --------------------------------------------------------------------------- agenda


def _now() -> int:
    return snapshots.server_time()


def _version(payload: dict[str, Any]) -> int | None:
    """The agenda version the console saw (a whole number; missing means "do not check")."""
    value = payload.get("version")
    return None if value is None else wire.integer(value, 0, 2**31 - 1)


@organiser_event("agenda_start")
def on_agenda_start(
    db: Session, meeting: Meeting, organiser: Organiser, payload: dict[str, Any]
) -> None:
    agenda.start(db, meeting, _now(), organiser, _version(payload))


@organiser_event("agenda_next")
def on_agenda_next(
    db: Session, meeting: Meeting, organiser: Organiser, payload: dict[str, Any]
) -> dict[str, Any]:
    close = wire.flag(payload.get("close_round"))
    askers = agenda.asking_tokens(db, meeting)  # their phones hear the question ended
    agenda.advance(db, meeting, _now(), close, organiser, _version(payload))
    return {"_phones": askers}


@organiser_event("agenda_back")
def on_agenda_back(
    db: Session, meeting: Meeting, organiser: Organiser, payload: dict[str, Any]
) -> dict[str, Any]:
    close = wire.flag(payload.get("close_round"))
    askers = agenda.asking_tokens(db, meeting)  # their phones hear the question ended
    agenda.back(db, meeting, _now(), close, organiser, _version(payload))
    return {"_phones": askers}


@organiser_event("agenda_goto")
def on_agenda_goto(
    db: Session, meeting: Meeting, organiser: Organiser, payload: dict[str, Any]
) -> dict[str, Any]:
    close = wire.flag(payload.get("close_round"))
    askers = agenda.asking_tokens(db, meeting)  # their phones hear the question ended
    agenda.go_to(db, meeting, payload.get("item"), payload.get("phase"), _now(), close, organiser)
    return {"_phones": askers}


@organiser_event("timer")
def on_timer(db: Session, meeting: Meeting, organiser: Organiser, payload: dict[str, Any]) -> None:
    action = wire.choice(payload.get("action"), agenda.TIMER_ACTIONS)
    agenda.timer(db, meeting, action, _now(), payload.get("seconds"))


@organiser_event("agenda_build")
def on_agenda_build(
    db: Session, meeting: Meeting, organiser: Organiser, payload: dict[str, Any]
) -> None:
    agenda.build_agenda(
        db,
        meeting,
        replace=wire.flag(payload.get("replace")),
        per_report_rounds=wire.flag(payload.get("per_report_rounds")),
    )


@organiser_event("agenda_add")
def on_agenda_add(
    db: Session, meeting: Meeting, organiser: Organiser, payload: dict[str, Any]
) -> dict[str, Any]:
    kind = wire.text(payload.get("kind"), 16)
    title = wire.text(payload.get("title"), 200)
    item = agenda.add_item(db, meeting, kind, title, payload.get("reporter"))
    return {"item": item.id}


@organiser_event("agenda_remove")
def on_agenda_remove(
    db: Session, meeting: Meeting, organiser: Organiser, payload: dict[str, Any]
) -> None:
    agenda.remove_item(db, meeting, wire.ident(payload.get("item")))


@organiser_event("agenda_reorder")
def on_agenda_reorder(
    db: Session, meeting: Meeting, organiser: Organiser, payload: dict[str, Any]
) -> None:
    agenda.reorder_items(db, meeting, wire.ident_list(payload.get("items")))


@organiser_event("agenda_durations")
def on_agenda_durations(
    db: Session, meeting: Meeting, organiser: Organiser, payload: dict[str, Any]
) -> None:
    agenda.set_durations(
        db, meeting, payload.get("item"), payload.get("minutes"), payload.get("answer_minutes")
    )


@organiser_event("speaker", capability=guards.MODERATE)
def on_speaker(
    db: Session, meeting: Meeting, organiser: Organiser, payload: dict[str, Any]
) -> None:
    agenda.set_speaker(db, meeting, payload.get("name"), payload.get("role"))


@organiser_event("inquiries_open", capability=guards.MODERATE)
def on_inquiries_open(
    db: Session, meeting: Meeting, organiser: Organiser, payload: dict[str, Any]
) -> None:
    agenda.open_inquiries(db, meeting, wire.optional_ident(payload.get("reporter")))


# --------------------------------------------------------------------------- questions


def _asker(inquiry: Any) -> dict[str, Any]:
    """The asker's phones see the question's new status."""
    return {"_phones": [inquiry.token_id] if inquiry.token_id else []}


@organiser_event("inquiry_approve", capability=guards.MODERATE)
def on_inquiry_approve(
    db: Session, meeting: Meeting, organiser: Organiser, payload: dict[str, Any]
) -> dict[str, Any]:
    return _asker(inquiries.approve(db, meeting, wire.ident(payload.get("id"))))


@organiser_event("inquiry_reject", capability=guards.MODERATE)
def on_inquiry_reject(
    db: Session, meeting: Meeting, organiser: Organiser, payload: dict[str, Any]
) -> dict[str, Any]:
    inquiry_id = wire.ident(payload.get("id"))
    return _asker(inquiries.reject(db, meeting, inquiry_id, payload.get("reason")))


@organiser_event("inquiry_edit", capability=guards.MODERATE)
def on_inquiry_edit(
    db: Session, meeting: Meeting, organiser: Organiser, payload: dict[str, Any]
) -> dict[str, Any]:
    inquiry_id = wire.ident(payload.get("id"))
    return _asker(inquiries.edit(db, meeting, inquiry_id, payload.get("text")))


@organiser_event("inquiry_asking", capability=guards.MODERATE)
def on_inquiry_asking(
    db: Session, meeting: Meeting, organiser: Organiser, payload: dict[str, Any]
) -> dict[str, Any]:
    return _asker(inquiries.mark_asking(db, meeting, wire.ident(payload.get("id")), _now()))


@organiser_event("inquiry_answered", capability=guards.MODERATE)
def on_inquiry_answered(
    db: Session, meeting: Meeting, organiser: Organiser, payload: dict[str, Any]
) -> dict[str, Any]:
    inquiry_id = wire.ident(payload.get("id"))
    return _asker(inquiries.mark_answered(db, meeting, inquiry_id, payload.get("summary")))


@organiser_event("inquiry_not_reached", capability=guards.MODERATE)
def on_inquiry_not_reached(
    db: Session, meeting: Meeting, organiser: Organiser, payload: dict[str, Any]
) -> dict[str, Any]:
    return _asker(inquiries.mark_not_reached(db, meeting, wire.ident(payload.get("id"))))


@organiser_event("inquiry_add", capability=guards.MODERATE)
def on_inquiry_add(
    db: Session, meeting: Meeting, organiser: Organiser, payload: dict[str, Any]
) -> dict[str, Any]:
    inquiry = inquiries.add_spoken(
        db, meeting, payload.get("reporter"), payload.get("text"), payload.get("asker")
    )
    return {"question": inquiry.id}


@organiser_event("inquiry_reorder", capability=guards.MODERATE)
def on_inquiry_reorder(
    db: Session, meeting: Meeting, organiser: Organiser, payload: dict[str, Any]
) -> None:
    inquiries.reorder(db, meeting, wire.ident_list(payload.get("ids")))


# --------------------------------------------------------------------------- comments


@organiser_event("comment_add", capability=guards.MODERATE)
def on_comment_add(
    db: Session, meeting: Meeting, organiser: Organiser, payload: dict[str, Any]
) -> dict[str, Any]:
    comment = comments.add_comment(
        db,
        meeting,
        payload.get("reporter"),
        payload.get("name"),
        payload.get("role"),
        payload.get("summary"),
    )
    return {"comment": comment.id}


@organiser_event("comment_update", capability=guards.MODERATE)
def on_comment_update(
    db: Session, meeting: Meeting, organiser: Organiser, payload: dict[str, Any]
) -> None:
    comments.update_comment(
        db,
        meeting,
        wire.ident(payload.get("id")),
        payload.get("name"),
        payload.get("role"),
        payload.get("summary"),
    )


@organiser_event("comment_delete", capability=guards.MODERATE)
def on_comment_delete(
    db: Session, meeting: Meeting, organiser: Organiser, payload: dict[str, Any]
) -> None:
    comments.delete_comment(db, meeting, wire.ident(payload.get("id")))
