"""Rooms and pushing: who is connected to what, and fresh snapshots after every change.

Views and socket handlers import this module (never each other) to tell the live pages
that something changed. After a commit the meeting is marked changed; one background
task per process pushes fresh snapshots at most every LIVE_PUSH_INTERVAL seconds, so 300
ballots in one second cause a handful of pushes, not 300. With a message queue (Redis)
every emit reaches the sockets of every server process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app

from . import accounts, snapshots
from .db import get_session
from .extensions import socketio
from .models import BallotToken, Meeting


def meeting_room(meeting_id: int, role: str) -> str:
    """Every socket of one kind (delegates, screen, organisers) of one meeting."""
    return f"m{meeting_id}:{role}"


def token_room(token_id: int) -> str:
    """Every device of one slip."""
    return f"t{token_id}"


def login_room(login: str) -> str:
    """Every console of one organiser login."""
    return f"l{login}"


@dataclass
class Identity:
    """Who a socket is, set at connect from the signed session (never from the payload)."""

    role: str  # delegate | screen | organiser
    meeting_id: int
    token_id: int | None = None
    organiser_id: int | None = None
    login: str = ""  # the organiser's login (logout ends its sockets)
    connected_at: float = field(default_factory=time.monotonic)


SWEEP_SECONDS = 5  # how often consoles of ended logins are looked for

# This process's sockets: sid -> identity. Rooms carry the pushes; this table answers
# "who is this socket" for the handlers and finds a login's sockets at logout.
connections: dict[str, Identity] = {}


# How long a meeting's shared snapshot (phones', projector's) may be reused for a connect
# or a sync. Within this process every change drops it at once (mark_changed); the limit
# only bounds how long a change made by another server process goes unseen there.
SNAPSHOT_SECONDS = 1.0


class Pusher:
    """Collects changed meetings and pushes their snapshots from one background task; keeps
    each meeting's shared snapshots, so a storm of (re)connects builds them once."""

    def __init__(self) -> None:
        self.snapshots: dict[tuple[int, str], tuple[float, dict[str, Any]]] = {}
        self.dirty: set[int] = set()
        self.dirty_tokens: set[int] = set()
        self.lock = threading.Lock()
        self.task: Any = None
        self.app: Flask | None = None

    def shared(self, meeting_id: int, role: str, build: Any) -> dict[str, Any]:
        """The meeting's snapshot for ``role`` (delegates, screen), built at most once a
        change (or once SNAPSHOT_SECONDS); the server time in it is always now."""
        key = (meeting_id, role)
        now = time.monotonic()
        cached = self.snapshots.get(key)
        if cached is None or cached[0] < now:
            cached = (now + SNAPSHOT_SECONDS, build())
            self.snapshots[key] = cached
        return dict(cached[1], server_time=snapshots.server_time())

    def forget(self, meeting_id: int) -> None:
        for role in ("delegates", "screen"):
            self.snapshots.pop((meeting_id, role), None)

    def mark(self, meeting_id: int, token_ids: Iterable[int] = ()) -> None:
        app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
        self.forget(meeting_id)
        if app.config["LIVE_PUSH_INTERVAL"] <= 0:  # tests: push at once, deterministically
            push_state(meeting_id)
            for token_id in token_ids:
                push_me(token_id)
            return
        with self.lock:
            self.dirty.add(meeting_id)
            self.dirty_tokens.update(token_ids)
        self.ensure_running(app)

    def ensure_running(self, app: Flask) -> None:
        """Start this process's push task (once)."""
        if app.config["LIVE_PUSH_INTERVAL"] <= 0:
            return
        with self.lock:
            if self.task is None:
                self.app = app
                self.task = socketio.start_background_task(self.run)

    def run(self) -> None:
        assert self.app is not None
        interval = self.app.config["LIVE_PUSH_INTERVAL"]
        next_sweep = time.monotonic() + SWEEP_SECONDS
        while True:
            socketio.sleep(interval)
            if time.monotonic() > next_sweep:
                next_sweep = time.monotonic() + SWEEP_SECONDS
                try:
                    with self.app.app_context():
                        sweep_logins()
                except Exception:
                    self.app.logger.exception("login sweep failed")
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


def mark_changed(meeting_id: int, token_ids: Iterable[int] = ()) -> None:
    """Schedule a push of the meeting's snapshots, and of some phones' own ones.

    Called after a commit: whatever goes wrong here is logged and must not turn the
    acknowledgement of committed data into an error.
    """
    try:
        current_app.extensions["sanshu.live"].mark(meeting_id, tuple(token_ids))
    except Exception:
        current_app.logger.exception("push after commit failed for meeting %s", meeting_id)


def shared_snapshot(meeting: Meeting, role: str) -> dict[str, Any]:
    """The meeting's phones' ("delegates") or projector's ("screen") snapshot, reused across
    the (re)connects and syncs of one moment (see Pusher.shared)."""
    build = snapshots.delegate_state if role == "delegates" else snapshots.screen_state
    pusher: Pusher = current_app.extensions["sanshu.live"]
    return pusher.shared(meeting.id, role, lambda: build(get_session(), meeting))


def ensure_pushing() -> None:
    """Make sure this process's push loop runs (it also sweeps ended logins)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    app.extensions["sanshu.live"].ensure_running(app)


def push_state(meeting_id: int) -> None:
    """Send fresh snapshots to every phone, projector and console of the meeting."""
    db = get_session()
    meeting = db.get(Meeting, meeting_id)
    if meeting is None:
        return
    delegate = snapshots.delegate_state(db, meeting)
    screen = snapshots.screen_state(db, meeting)
    console = snapshots.console_state(db, meeting)
    pusher: Pusher = current_app.extensions["sanshu.live"]
    expires = time.monotonic() + SNAPSHOT_SECONDS
    pusher.snapshots[(meeting_id, "delegates")] = (expires, delegate)
    pusher.snapshots[(meeting_id, "screen")] = (expires, screen)
    db.rollback()  # end the read transaction before emitting (emits may yield)
    socketio.emit("state", delegate, to=meeting_room(meeting_id, "delegates"))
    socketio.emit("state", screen, to=meeting_room(meeting_id, "screen"))
    socketio.emit("state", console, to=meeting_room(meeting_id, "organisers"))


def push_me(token_id: int) -> None:
    """Send one slip's devices their own snapshot (receipts of their ballots, questions)."""
    db = get_session()
    token = db.get(BallotToken, token_id)
    if token is None:
        return
    me = snapshots.delegate_me(db, token)
    db.rollback()
    socketio.emit("me", me, to=token_room(token_id))


def end_login(login: str, message: str) -> None:
    """Disconnect the consoles of a login that has ended (logout, password reset).

    This process's sockets are dropped at once; consoles on other processes are told
    through the message queue and refused at their next event (the login is checked
    on every event), and the periodic sweep drops them (:func:`sweep_logins`).
    """
    if not login:
        return
    socketio.emit("logged_out", {"message": message}, to=login_room(login))
    for sid, ident in list(connections.items()):
        if ident.role == "organiser" and ident.login == login:
            socketio.server.disconnect(sid, namespace="/")


def sweep_logins() -> None:
    """Disconnect this process's consoles whose login has ended (logout on another process,
    password reset, idle timeout)."""
    logins = {ident.login for ident in connections.values() if ident.role == "organiser"}
    if not logins:
        return
    db = get_session()
    idle = current_app.config["ORGANISER_IDLE_MINUTES"]
    ended = {login for login in logins if accounts.live_login(db, login, idle) is None}
    db.commit()
    for sid, ident in list(connections.items()):
        if ident.role == "organiser" and ident.login in ended:
            socketio.server.disconnect(sid, namespace="/")


def notify_token_revoked(token_id: int, message: str) -> None:
    """Tell a phone whose slip was just revoked (called by the view after its commit)."""
    socketio.emit("revoked", {"message": message}, to=token_room(token_id))


def notify_token(
    token_id: int, event: str, data: dict[str, Any], skip_sid: str | None = None
) -> None:
    """Send one slip's devices (but ``skip_sid``) a notice: another device joined, a
    ballot's new receipt. Called after a commit: a failure is logged, never raised into
    the acknowledgement of committed data."""
    try:
        socketio.emit(event, data, to=token_room(token_id), skip_sid=skip_sid)
    except Exception:
        current_app.logger.exception("notice %s to slip %s failed", event, token_id)


def init_app(app: Flask) -> None:
    """Each app gets its own pusher; a new app (one per process, one per test) starts with
    no sockets."""
    connections.clear()
    app.extensions["sanshu.live"] = Pusher()
