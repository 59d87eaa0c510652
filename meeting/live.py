"""Socket.IO handlers: parse -> one domain call -> commit -> mark for push -> ack.

Three kinds of connection, told apart by the ``auth`` payload at connect:

* ``{"role": "delegate"}``: a phone; its token comes from the signed session cookie
  that /b/<secret> or /j set, never from the client's payload;
* ``{"role": "screen", "meeting": id, "key": screen key}``: a projector, read-only;
* ``{"role": "organiser", "meeting": id}``: the console; needs an organiser login.

Every (re)connect gets full snapshots. After a commit the meeting is marked changed and
a background task pushes fresh snapshots at most every LIVE_PUSH_INTERVAL seconds, so
300 ballots in one second cause a handful of pushes, not 300. Acks are sent only after
the commit: an acknowledged ballot is stored.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Flask, current_app, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, join_room
from sqlalchemy.exc import IntegrityError

from . import agenda, ballots, comments, errors, inquiries, meetings, rounds, snapshots, tokens
from .db import get_session
from .extensions import socketio
from .models import BallotToken, Meeting, Organiser, is_id

MAX_PAYLOAD_BYTES = 64 * 1024
DELEGATE_EVENTS_PER_SECOND = 5
DELEGATE_BURST = 20


def meeting_room(meeting_id: int, role: str) -> str:
    return f"m{meeting_id}:{role}"


def token_room(token_id: int) -> str:
    return f"t{token_id}"


@dataclass
class Identity:
    role: str
    meeting_id: int
    token_id: int | None = None
    organiser_id: int | None = None
    login: str = ""  # the organiser's login (logout ends its sockets)
    seen: float = field(default_factory=time.time)  # the organiser's last action
    allowance: float = DELEGATE_BURST
    checked_at: float = field(default_factory=time.monotonic)

    def spend(self) -> bool:
        """Token bucket: a phone may send a few events per second, bursts allowed."""
        now = time.monotonic()
        self.allowance = min(
            DELEGATE_BURST, self.allowance + (now - self.checked_at) * DELEGATE_EVENTS_PER_SECOND
        )
        self.checked_at = now
        if self.allowance < 1:
            return False
        self.allowance -= 1
        return True


connections: dict[str, Identity] = {}


# --------------------------------------------------------------------------- pushing


class Pusher:
    """Collects changed meetings and pushes their snapshots from one background task."""

    def __init__(self) -> None:
        self.dirty: set[int] = set()
        self.dirty_tokens: set[int] = set()
        self.lock = threading.Lock()
        self.task: Any = None
        self.app: Flask | None = None

    def mark(self, meeting_id: int, token_ids: list[int] | tuple[int, ...] = ()) -> None:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        if app.config["LIVE_PUSH_INTERVAL"] <= 0:  # tests: push at once, deterministically
            push_state(meeting_id)
            for token_id in token_ids:
                push_me(token_id)
            return
        with self.lock:
            self.dirty.add(meeting_id)
            self.dirty_tokens.update(token_ids)
            if self.task is None:
                self.app = app
                self.task = socketio.start_background_task(self.run)

    def run(self) -> None:
        assert self.app is not None
        interval = self.app.config["LIVE_PUSH_INTERVAL"]
        while True:
            socketio.sleep(interval)
            with self.lock:
                changed, self.dirty = self.dirty, set()
                phones, self.dirty_tokens = self.dirty_tokens, set()
            for meeting_id in changed:
                try:
                    with self.app.app_context():
                        push_state(meeting_id)
                except Exception:  # one bad push must not stop the pushes
                    self.app.logger.exception("push for meeting %s failed", meeting_id)
            for token_id in phones:
                try:
                    with self.app.app_context():
                        push_me(token_id)
                except Exception:
                    self.app.logger.exception("push for slip %s failed", token_id)


def mark_changed(meeting_id: int, token_ids: list[int] | tuple[int, ...] = ()) -> None:
    """Schedule a push of the meeting's snapshots, and of some phones' own ones.

    Called after a commit: whatever goes wrong here is logged and must not turn the
    acknowledgement of committed data into an error.
    """
    try:
        current_app.extensions["sanshu.live"].mark(meeting_id, token_ids)
    except Exception:
        current_app.logger.exception("push after commit failed for meeting %s", meeting_id)


def push_state(meeting_id: int) -> None:
    """Send fresh snapshots to every phone, projector and console of the meeting."""
    db = get_session()
    meeting = db.get(Meeting, meeting_id)
    if meeting is None:
        return
    delegate = snapshots.delegate_state(db, meeting)
    screen = snapshots.screen_state(db, meeting)
    console = snapshots.console_state(db, meeting)
    db.rollback()  # end the read transaction before emitting (emits may yield)
    socketio.emit("state", delegate, to=meeting_room(meeting_id, "delegates"))
    socketio.emit("state", screen, to=meeting_room(meeting_id, "screen"))
    socketio.emit("state", console, to=meeting_room(meeting_id, "organisers"))


def push_me(token_id: int) -> None:
    """Send one phone its own snapshot (its ballots and its questions)."""
    db = get_session()
    token = db.get(BallotToken, token_id)
    if token is None:
        return
    me = snapshots.delegate_me(db, token)
    db.rollback()
    socketio.emit("me", me, to=token_room(token_id))


def end_login(login: str) -> None:
    """Disconnect the consoles of a login that has just logged out."""
    if not login:
        return
    for sid, ident in list(connections.items()):
        if ident.role == "organiser" and ident.login == login:
            socketio.server.disconnect(sid, namespace="/")


def notify_token_revoked(token_id: int, message: str) -> None:
    """Tell a phone whose slip was just revoked (called by the view after its commit)."""
    socketio.emit("revoked", {"message": message}, to=token_room(token_id))


# --------------------------------------------------------------------------- plumbing


def error_ack(message: Any, **flags: Any) -> dict[str, Any]:
    return {"ok": False, "error": str(message), **flags}


def acked(handler: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """Turn domain errors into an error ack; roll back whatever the handler started."""

    @wraps(handler)
    def wrapper(payload: Any = None) -> dict[str, Any]:
        if payload is not None and not isinstance(payload, dict):
            return error_ack(_l("The request could not be understood."))
        try:
            return handler(payload or {})
        except errors.DomainError as error:
            get_session().rollback()
            flags = {k: v for k, v in error.detail.items() if isinstance(v, bool | int | str)}
            return error_ack(error.message, **flags)
        except Exception:
            get_session().rollback()
            current_app.logger.exception("socket event %s failed", handler.__name__)
            return error_ack(
                _l("Something went wrong on the server. Nothing was changed; please try again.")
            )

    return wrapper


def identity(role: str) -> Identity:
    ident = connections.get(request.sid)  # type: ignore[attr-defined]
    if ident is None or ident.role != role:
        raise errors.Forbidden(_l("You are not allowed to do this."))
    if role == "delegate" and not ident.spend():
        raise errors.Conflict(_l("Too many requests; please wait a moment."), retry=True)
    if role == "organiser":
        organiser = get_session().get(Organiser, ident.organiser_id)
        idle = current_app.config["ORGANISER_IDLE_MINUTES"] * 60
        if organiser is None or not organiser.active or time.time() - ident.seen > idle:
            raise errors.Forbidden(_l("Please log in again."))
        ident.seen = time.time()
    return ident


def commit(action: Callable[[Any], Any]) -> Any:
    """Run a domain action and commit; a lost race on a unique constraint is retried once."""
    db = get_session()
    for attempt in (1, 2):
        try:
            result = action(db)
            db.commit()
            return result
        except IntegrityError:
            db.rollback()
            if attempt == 2:
                raise
    return None


def _id(payload: dict[str, Any], key: str) -> int:
    value = payload.get(key)
    if not is_id(value):
        raise errors.Invalid(_l("The request could not be understood."))
    return value  # type: ignore[return-value]


# --------------------------------------------------------------------------- connect


@socketio.on("connect")
def on_connect(auth: Any = None) -> None:
    auth = auth if isinstance(auth, dict) else {}
    role = auth.get("role")
    db = get_session()
    sid = request.sid  # type: ignore[attr-defined]
    if role == "delegate":
        held = session.get("delegate") or {}
        try:
            token = tokens.check_token(db, int(held.get("t", 0)))
        except (errors.DomainError, TypeError, ValueError) as error:
            message = getattr(error, "message", _l("Please scan the QR code on your slip again."))
            raise ConnectionRefusedError(str(message)) from None
        meeting = db.get(Meeting, token.meeting_id)
        assert meeting is not None
        connections[sid] = Identity("delegate", meeting.id, token_id=token.id)
        join_room(meeting_room(meeting.id, "delegates"))
        join_room(token_room(token.id))
        state = snapshots.delegate_state(db, meeting)
        me = snapshots.delegate_me(db, token)
        db.rollback()
        socketio.emit("state", state, to=sid)
        socketio.emit("me", me, to=sid)
        return
    meeting = db.get(Meeting, auth["meeting"]) if is_id(auth.get("meeting")) else None
    if meeting is None:
        raise ConnectionRefusedError(str(_l("This meeting does not exist.")))
    if role == "screen":
        key = auth.get("key")
        if not isinstance(key, str) or not hmac.compare_digest(key, meeting.screen_key):
            raise ConnectionRefusedError(str(_l("This projector address is not valid.")))
        connections[sid] = Identity("screen", meeting.id)
        join_room(meeting_room(meeting.id, "screen"))
        state = snapshots.screen_state(db, meeting)
    elif role == "organiser":
        idle = current_app.config["ORGANISER_IDLE_MINUTES"] * 60
        seen = session.get("seen", 0)
        if not current_user.is_authenticated or time.time() - seen > idle:
            raise ConnectionRefusedError(str(_l("Please log in again.")))
        connections[sid] = Identity(
            "organiser",
            meeting.id,
            organiser_id=current_user.id,
            login=session.get("login", ""),
            seen=seen,
        )
        join_room(meeting_room(meeting.id, "organisers"))
        state = snapshots.console_state(db, meeting)
    else:
        raise ConnectionRefusedError(str(_l("The request could not be understood.")))
    db.rollback()
    socketio.emit("state", state, to=sid)


@socketio.on("disconnect")
def on_disconnect(*_args: Any) -> None:
    connections.pop(request.sid, None)  # type: ignore[attr-defined]


@socketio.on("time")
def on_time(payload: Any = None) -> dict[str, Any]:
    """Clock sync: the phone's send time echoed with the server's time."""
    sent = payload.get("t") if isinstance(payload, dict) else None
    return {"t": sent if isinstance(sent, int | float) else None, "server": snapshots.server_time()}


# --------------------------------------------------------------------------- delegate


@socketio.on("submit_ballot")
@acked
def on_submit_ballot(payload: dict[str, Any]) -> dict[str, Any]:
    ident = identity("delegate")

    receipt = commit(lambda db: ballots.submit_ballot(db, ident.token_id, payload))
    if not receipt.duplicate and not receipt.superseded:
        mark_changed(ident.meeting_id)
    return receipt.as_ack()


@socketio.on("sync")
@acked
def on_sync(_payload: dict[str, Any]) -> dict[str, Any]:
    """A phone asks for both snapshots again (after waking up, say)."""
    ident = identity("delegate")
    db = get_session()
    token = tokens.check_token(db, ident.token_id)  # type: ignore[arg-type]
    meeting = db.get(Meeting, ident.meeting_id)
    assert meeting is not None
    result = {
        "ok": True,
        "state": snapshots.delegate_state(db, meeting),
        "me": snapshots.delegate_me(db, token),
    }
    db.rollback()
    return result


# --------------------------------------------------------------------------- organiser


def organiser_action(
    action: Callable[[Any, Meeting, Any, dict[str, Any]], dict[str, Any] | None],
    admin: bool = False,
) -> Callable[..., dict[str, Any]]:
    """An organiser event: check the login (and the admin role when asked), run the action
    on the console's meeting, commit, push, ack. A clerk may moderate and comment."""

    @wraps(action)
    @acked
    def wrapper(payload: dict[str, Any]) -> dict[str, Any]:
        ident = identity("organiser")
        db = get_session()
        organiser = db.get(Organiser, ident.organiser_id)
        if admin:
            _require_admin(organiser)
        meeting = meetings.get_meeting(db, ident.meeting_id)
        result = dict(commit(lambda session: action(session, meeting, organiser, payload)) or {})
        mark_changed(meeting.id, result.pop("_phones", ()))
        return {"ok": True, **result}

    return wrapper


def admin_action(
    action: Callable[[Any, Meeting, Any, dict[str, Any]], dict[str, Any] | None],
) -> Callable[..., dict[str, Any]]:
    """An event for admins only: rounds and the agenda (the chair's work)."""
    return organiser_action(action, admin=True)


def _require_admin(organiser: Any) -> None:
    if not organiser.is_admin:
        raise errors.Forbidden(_l("You are not allowed to do this."))


@socketio.on("open_round")
@admin_action
def on_open_round(db, meeting, organiser, payload):  # type: ignore[no-untyped-def]
    title = payload.get("title") if isinstance(payload.get("title"), str) else ""
    scoring_round = rounds.open_round(db, meeting, payload.get("reporters"), title, organiser)
    return {"round": scoring_round.id}


@socketio.on("close_round")
@admin_action
def on_close_round(db, meeting, organiser, payload):  # type: ignore[no-untyped-def]
    scoring_round = rounds.close_round(
        db, rounds.get_round(db, meeting, _id(payload, "round")), organiser
    )
    return {"round": scoring_round.id, "summary": scoring_round.summary}


@socketio.on("void_round")
@admin_action
def on_void_round(db, meeting, organiser, payload):  # type: ignore[no-untyped-def]
    reason = payload.get("reason") if isinstance(payload.get("reason"), str) else ""
    rounds.void_round(db, rounds.get_round(db, meeting, _id(payload, "round")), reason, organiser)


@socketio.on("rerun_round")
@admin_action
def on_rerun_round(db, meeting, organiser, payload):  # type: ignore[no-untyped-def]
    scoring_round = rounds.rerun_round(
        db, rounds.get_round(db, meeting, _id(payload, "round")), organiser
    )
    return {"round": scoring_round.id}


# --------------------------------------------------------------------------- agenda


def _now() -> int:
    return snapshots.server_time()


def _flag(payload: dict[str, Any], key: str) -> bool:
    return payload.get(key) is True


@socketio.on("agenda_start")
@admin_action
def on_agenda_start(db, meeting, organiser, payload):  # type: ignore[no-untyped-def]
    agenda.start(db, meeting, _now(), organiser, payload.get("version"))


@socketio.on("agenda_next")
@admin_action
def on_agenda_next(db, meeting, organiser, payload):  # type: ignore[no-untyped-def]
    agenda.advance(
        db, meeting, _now(), _flag(payload, "close_round"), organiser, payload.get("version")
    )


@socketio.on("agenda_back")
@admin_action
def on_agenda_back(db, meeting, organiser, payload):  # type: ignore[no-untyped-def]
    agenda.back(
        db, meeting, _now(), _flag(payload, "close_round"), organiser, payload.get("version")
    )


@socketio.on("agenda_goto")
@admin_action
def on_agenda_goto(db, meeting, organiser, payload):  # type: ignore[no-untyped-def]
    agenda.go_to(
        db,
        meeting,
        payload.get("item"),
        payload.get("phase"),
        _now(),
        _flag(payload, "close_round"),
        organiser,
    )


@socketio.on("timer")
@admin_action
def on_timer(db, meeting, organiser, payload):  # type: ignore[no-untyped-def]
    action = payload.get("action") if isinstance(payload.get("action"), str) else ""
    agenda.timer(db, meeting, action, _now(), payload.get("seconds"))


@socketio.on("agenda_build")
@admin_action
def on_agenda_build(db, meeting, organiser, payload):  # type: ignore[no-untyped-def]
    agenda.build_agenda(db, meeting, replace=_flag(payload, "replace"))


@socketio.on("agenda_add")
@admin_action
def on_agenda_add(db, meeting, organiser, payload):  # type: ignore[no-untyped-def]
    kind = payload.get("kind") if isinstance(payload.get("kind"), str) else ""
    title = payload.get("title") if isinstance(payload.get("title"), str) else ""
    item = agenda.add_item(db, meeting, kind, title, payload.get("reporter"))
    return {"item": item.id}


@socketio.on("agenda_remove")
@admin_action
def on_agenda_remove(db, meeting, organiser, payload):  # type: ignore[no-untyped-def]
    agenda.remove_item(db, meeting, payload.get("item"))


@socketio.on("agenda_reorder")
@admin_action
def on_agenda_reorder(db, meeting, organiser, payload):  # type: ignore[no-untyped-def]
    agenda.reorder_items(db, meeting, payload.get("items"))


@socketio.on("agenda_durations")
@admin_action
def on_agenda_durations(db, meeting, organiser, payload):  # type: ignore[no-untyped-def]
    agenda.set_durations(
        db, meeting, payload.get("item"), payload.get("minutes"), payload.get("answer_minutes")
    )


@socketio.on("speaker")
@organiser_action
def on_speaker(db, meeting, organiser, payload):  # type: ignore[no-untyped-def]
    agenda.set_speaker(db, meeting, payload.get("name"), payload.get("role"))


@socketio.on("inquiries_open")
@organiser_action
def on_inquiries_open(db, meeting, organiser, payload):  # type: ignore[no-untyped-def]
    agenda.open_inquiries(db, meeting, payload.get("reporter"))


# --------------------------------------------------------------------------- questions


@socketio.on("submit_inquiry")
@acked
def on_submit_inquiry(payload: dict[str, Any]) -> dict[str, Any]:
    ident = identity("delegate")
    inquiry = commit(lambda db: inquiries.submit_inquiry(db, ident.token_id, payload))  # type: ignore[arg-type]
    mark_changed(ident.meeting_id, [ident.token_id])  # type: ignore[list-item]
    return {"ok": True, "question": inquiry.id, "status": inquiry.status}


def _moderate(operation: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
    """An organiser (admin or clerk) acts on one question; its asker's phone is updated."""

    def action(db, meeting, organiser, payload):  # type: ignore[no-untyped-def]
        inquiry = operation(db, meeting, payload)
        return {"_phones": [inquiry.token_id] if inquiry.token_id else []}

    action.__name__ = operation.__name__
    return organiser_action(action)


socketio.on_event(
    "inquiry_approve", _moderate(lambda db, m, p: inquiries.approve(db, m, p.get("id")))
)
socketio.on_event(
    "inquiry_reject",
    _moderate(lambda db, m, p: inquiries.reject(db, m, p.get("id"), p.get("reason"))),
)
socketio.on_event(
    "inquiry_edit", _moderate(lambda db, m, p: inquiries.edit(db, m, p.get("id"), p.get("text")))
)
socketio.on_event(
    "inquiry_asking", _moderate(lambda db, m, p: inquiries.mark_asking(db, m, p.get("id"), _now()))
)
socketio.on_event(
    "inquiry_answered",
    _moderate(lambda db, m, p: inquiries.mark_answered(db, m, p.get("id"), p.get("summary"))),
)
socketio.on_event(
    "inquiry_not_reached",
    _moderate(lambda db, m, p: inquiries.mark_not_reached(db, m, p.get("id"))),
)
socketio.on_event(
    "inquiry_add",
    _moderate(
        lambda db, m, p: inquiries.add_spoken(
            db, m, p.get("reporter"), p.get("text"), p.get("asker")
        )
    ),
)


@socketio.on("inquiry_reorder")
@organiser_action
def on_inquiry_reorder(db, meeting, organiser, payload):  # type: ignore[no-untyped-def]
    inquiries.reorder(db, meeting, payload.get("ids"))


# --------------------------------------------------------------------------- comments


@socketio.on("comment_add")
@organiser_action
def on_comment_add(db, meeting, organiser, payload):  # type: ignore[no-untyped-def]
    comment = comments.add_comment(
        db,
        meeting,
        payload.get("reporter"),
        payload.get("name"),
        payload.get("role"),
        payload.get("summary"),
    )
    return {"comment": comment.id}


@socketio.on("comment_update")
@organiser_action
def on_comment_update(db, meeting, organiser, payload):  # type: ignore[no-untyped-def]
    comments.update_comment(
        db,
        meeting,
        payload.get("id"),
        payload.get("name"),
        payload.get("role"),
        payload.get("summary"),
    )


@socketio.on("comment_delete")
@organiser_action
def on_comment_delete(db, meeting, organiser, payload):  # type: ignore[no-untyped-def]
    comments.delete_comment(db, meeting, payload.get("id"))


def init_app(app: Flask) -> None:
    """Handlers are registered at import; each app gets its own pusher."""
    app.extensions["sanshu.live"] = Pusher()
