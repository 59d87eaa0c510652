"""The common path of every socket event: who is asking, one domain call, commit, push, ack.

Handlers in ``live.py`` are registered with one of three decorators, each of which both
registers the handler and wraps it:

* ``@delegate_event("submit_ballot")``: a phone; its slip comes from the socket's identity
  (set at connect from the signed session), its budget is per slip, not per socket;
* ``@organiser_event("open_round", capability=guards.RUN)``: the console; the login is
  checked on every event (logout elsewhere ends it), the role through ``guards``;
* ``@public_event("time")``: anyone connected (clock sync).

Errors become acks here: a domain error's message, a transient database error with
``retry`` (the phone sends again by itself), anything else one generic message and one
log line. The transaction is always rolled back on error, so nothing is half-written.
Client-sent events with reserved names (``connect``, ``disconnect`` ...) never reach a
handler (:class:`GuardedPacket`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from socketio import packet as socketio_packet
from sqlalchemy.orm import Session

from . import accounts, errors, guards, once, throttle, wire
from .db import get_session, is_transient, run_transaction
from .extensions import socketio
from .models import Meeting, Organiser
from .pushing import Identity, connections, mark_changed
from .wsgi import QuietLog

# Events python-socketio gives a meaning of its own; a client sending one as an ordinary
# event would re-run the connect handler or strip the socket's identity.
RESERVED_EVENTS = frozenset({"connect", "disconnect", "connect_error", "__disconnect_final"})
# How long an event may wait, cooperatively, for a locked database before it answers
# "busy, try again" (the phone's ack timeout is 15 s).
LOCK_PATIENCE_SECONDS = 8.0

OrganiserAction = Callable[[Session, Meeting, Organiser, dict[str, Any]], dict[str, Any] | None]
DelegateHandler = Callable[[Identity, dict[str, Any]], dict[str, Any]]

log = logging.getLogger(__name__)

BUSY = _l("The server is busy for a moment; your phone sends again by itself.")
FAILED = _l("Something went wrong on the server. Nothing was changed; please try again.")
LOGIN_AGAIN = _l("Please log in again.")


# --------------------------------------------------------------------------- acks


def error_ack(message: Any, **flags: Any) -> dict[str, Any]:
    return {"ok": False, "error": str(message), **flags}


def acked(name: str, run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run an event body and turn whatever it raises into an ack."""
    try:
        return run()
    except errors.DomainError as error:
        get_session().rollback()
        flags = {k: v for k, v in error.detail.items() if isinstance(v, bool | int | str)}
        return error_ack(error.message, **flags)
    except Exception as error:
        get_session().rollback()
        if is_transient(error):
            current_app.logger.warning("socket event %s: database busy: %s", name, error)
            return error_ack(BUSY, retry=True)
        current_app.logger.exception("socket event %s failed", name)
        return error_ack(FAILED)


def commit(action: Callable[[Session], Any]) -> Any:
    """Run a domain action and commit, waiting cooperatively through a locked database."""
    return run_transaction(action, socketio.sleep, LOCK_PATIENCE_SECONDS)


# --------------------------------------------------------------------------- identity


def _sid() -> str:
    return request.sid  # type: ignore[attr-defined]


def identity(role: str) -> Identity:
    """This socket's identity, if it connected as ``role``."""
    ident = connections.get(_sid())
    if ident is None or ident.role != role:
        raise errors.Forbidden(_l("You are not allowed to do this."))
    return ident


def delegate_identity() -> Identity:
    """The phone's identity; each slip has one event budget, however many sockets it opens."""
    ident = identity("delegate")
    if not throttle.allow("slip_events", str(ident.token_id)):
        raise errors.Conflict(_l("Too many requests; please wait a moment."), retry=True)
    return ident


def organiser_identity(db: Session) -> tuple[Identity, Organiser]:
    """The console's identity and organiser, while its login is live (else log in again)."""
    ident = identity("organiser")
    if not throttle.allow("console_events", ident.login):
        raise errors.Conflict(_l("Too many requests; please wait a moment."), retry=True)
    organiser = accounts.live_login(db, ident.login, current_app.config["ORGANISER_IDLE_MINUTES"])
    if organiser is None or organiser.id != ident.organiser_id:
        raise errors.Forbidden(LOGIN_AGAIN)
    return ident, organiser


# --------------------------------------------------------------------------- registration


class _Several:
    """Stands for the payload of an event sent with several arguments (always refused)."""


def _one(args: tuple[Any, ...]) -> Any:
    """An event's single payload; none is None, several is refused as malformed."""
    if not args:
        return None
    return args[0] if len(args) == 1 else _Several()


def delegate_event(name: str) -> Callable[[DelegateHandler], DelegateHandler]:
    """Register a phone's event; the handler gets the identity and the cleaned payload."""

    def register(handler: DelegateHandler) -> DelegateHandler:
        @wraps(handler)
        def on_event(*args: Any) -> dict[str, Any]:
            return acked(name, lambda: handler(delegate_identity(), wire.payload(_one(args))))

        socketio.on_event(name, on_event)
        return handler

    return register


def organiser_event(
    name: str, capability: str = guards.RUN
) -> Callable[[OrganiserAction], OrganiserAction]:
    """Register a console event: check the login and the role (``guards``), run the action
    on the console's meeting, commit, push, ack.

    The action may return ``{"_phones": [token ids]}`` to have those phones' own
    snapshots pushed too; the rest of its result goes into the ack.
    """

    def register(action: OrganiserAction) -> OrganiserAction:
        def run(payload: Any) -> dict[str, Any]:
            db = get_session()
            ident, organiser = organiser_identity(db)
            meeting = guards.meeting_for(db, organiser, ident.meeting_id, capability)
            data = wire.payload(payload)
            given = data.get("once")
            key = given if once.valid(given) else None

            def step(session: Session) -> dict[str, Any]:
                if key is not None:
                    earlier = once.done(session, key)
                    if earlier is not None:  # a repeat of a create event: its first result
                        return dict(earlier, _repeat=True)
                result = dict(action(session, meeting, organiser, data) or {})
                if key is not None:
                    public = {k: v for k, v in result.items() if not k.startswith("_")}
                    once.remember(session, key, name, organiser, public)
                return result

            result = commit(step)
            if result.pop("_repeat", False):
                return {"ok": True, **result}
            mark_changed(meeting.id, result.pop("_phones", ()))
            return {"ok": True, **result}

        @wraps(action)
        def on_event(*args: Any) -> dict[str, Any]:
            return acked(name, lambda: run(_one(args)))

        socketio.on_event(name, on_event)
        return action

    return register


def public_event(name: str) -> Callable[[Callable[[Any], Any]], Callable[[Any], Any]]:
    """Register an event any connected socket may send (no database, no identity)."""

    def register(handler: Callable[[Any], Any]) -> Callable[[Any], Any]:
        @wraps(handler)
        def on_event(*args: Any) -> Any:
            return handler(_one(args))

        socketio.on_event(name, on_event)
        return handler

    return register


# --------------------------------------------------------------------------- reserved names

# The name a dropped event is given: no client can send it (the guard renames anything
# that would collide), and no handler has it.
DROPPED = "\x00dropped"


class GuardedPacket(socketio_packet.Packet):
    """Socket.IO packets, with client events that must not reach a handler renamed.

    python-socketio dispatches a client event called ``connect`` to the connect handler
    and ``disconnect`` to the disconnect handler (re-running the connect, stripping the
    socket's identity), and raises on an event packet that is not a list starting with
    a string. Its documented ``serializer`` option (a Packet subclass with its own
    ``decode``) is the public place to stop them: such events become DROPPED.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if kwargs.get("encoded_packet") == "":  # an empty message: nothing was decoded
            self.attachment_count = self._drop("empty packet")

    def decode(self, encoded_packet: Any) -> Any:
        try:
            attachments = super().decode(encoded_packet)
        except Exception:  # not JSON, nested beyond reason, a bad id: junk, not an error
            return self._drop("malformed packet")
        kind = self.packet_type
        if kind in (socketio_packet.BINARY_EVENT, socketio_packet.BINARY_ACK) or attachments:
            # the app sends and expects no binary data; an attachment that never comes
            # would leave the session waiting for it
            return self._drop("binary packet")
        if kind == socketio_packet.EVENT:
            data = getattr(self, "data", None)
            if (
                not isinstance(data, list)
                or not data
                or not isinstance(data[0], str)
                or data[0] in RESERVED_EVENTS
                or data[0] == DROPPED
            ):
                name = data[0] if isinstance(data, list) and data else None
                return self._drop(f"event {str(name)[:40]!r}")
        elif kind not in (socketio_packet.CONNECT, socketio_packet.DISCONNECT, socketio_packet.ACK):
            return self._drop(f"packet type {str(kind)[:10]!r}")  # CONNECT_ERROR, unknown
        return attachments

    def _drop(self, what: str) -> int:
        """Turn this packet into an event no handler has (python-socketio then does nothing
        with it, not even an ack) and note it in the quiet log."""
        self.packet_type = socketio_packet.EVENT
        self.namespace = None
        self.id = None
        self.data = [DROPPED]
        JUNK_LOG.write(f"client junk dropped: {what}")
        return 0


# One line every 10 s at most about dropped junk (with how many were left out): junk costs
# no request context, no database and no log flood.
JUNK_LOG = QuietLog(log)
