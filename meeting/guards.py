"""Guards every operation shares: who may do what, on which meeting, in which state.

The bottom of the domain layer: it imports models and errors only, so every domain
module, view and socket handler can import it at module top. Three kinds of guard:

* access: :func:`meeting_for` is the one function that answers "may this organiser touch
  this meeting for this purpose" for every page, download, export, job and socket event;
* state: :func:`ensure_not_sealed` (ballots, slips, agenda, set-up) and
  :func:`ensure_feedback_open` (lists, wording, letters: open until the letters are
  finalised, also after the meeting is sealed);
* bookkeeping: :func:`lock` serialises changes to one meeting, :func:`record` writes the
  audit log.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from . import errors
from .models import CLOSED, ROLE_ADMIN, ROLE_CLERK, AuditEntry, Meeting, Organiser, is_id

# What each role may do. A clerk (录入员) helps on the day: follows the console, records
# comments, moderates questions (and, later, enters paper ballots). Everything that
# changes the set-up, the agenda, the results or what leaves the building is the admin's.
VIEW = "view"  # meeting pages, the console, the agenda as it runs
MODERATE = "moderate"  # comments, questions, who is speaking
SETUP = "setup"  # meeting details, reporters, categories, scheme, slips
RUN = "run"  # the agenda and the scoring rounds
RESULTS = "results"  # results page, publishing to the projector, exports, raw ballots
FEEDBACK = "feedback"  # problem and rectification lists, letter wording, letters

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    ROLE_ADMIN: frozenset({VIEW, MODERATE, SETUP, RUN, RESULTS, FEEDBACK}),
    ROLE_CLERK: frozenset({VIEW, MODERATE}),
}


def can(organiser: Any, capability: str) -> bool:
    """Whether a logged-in organiser's role allows ``capability``."""
    role = getattr(organiser, "role", None)
    return capability in ROLE_CAPABILITIES.get(role or "", frozenset())


def ensure_can(organiser: Any, capability: str) -> None:
    """Refuse (Forbidden) what the organiser's role does not allow."""
    if organiser is None or not getattr(organiser, "is_active", False):
        raise errors.Forbidden(_l("Please log in again."))
    if not can(organiser, capability):
        raise errors.Forbidden(_l("You are not allowed to do this."))


def meeting_for(
    session: Session, organiser: Any, meeting_id: object, capability: str = VIEW
) -> Meeting:
    """The meeting, if this organiser may use it for ``capability``; else NotFound/Forbidden.

    Every view, download, export, job and organiser socket event goes through here, so a
    scope rule (units, later) is written once.
    """
    ensure_can(organiser, capability)
    meeting = session.get(Meeting, meeting_id) if is_id(meeting_id) else None
    if meeting is None:
        raise errors.NotFound(_l("This meeting does not exist."))
    return meeting


def lock(session: Session, meeting: Meeting) -> None:
    """Serialise changes to one meeting's live state: a row lock on PostgreSQL; on SQLite
    the database's write lock, taken by a write that changes nothing.

    pysqlite opens a transaction only at the first write, so reads before it see whatever
    was committed last, and two requests could both pass a check on what they read (two
    staff handing out spares for one lost slip). Writing first makes the second wait for
    the first to commit, and every read after the lock sees the latest rows. Callers
    refresh what they check after this call.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE meeting SET id = id WHERE id = :id"), {"id": meeting.id})
        return
    session.execute(select(Meeting.id).where(Meeting.id == meeting.id).with_for_update())


def ensure_not_sealed(meeting: Meeting) -> None:
    """Refuse changes to the ballots, slips, agenda or set-up of a closed meeting."""
    if meeting.status == CLOSED:
        raise errors.Conflict(_l("This meeting is closed and sealed; it can no longer change."))


def ensure_feedback_open(meeting: Meeting) -> None:
    """Refuse changes to what the letters say once they are finalised (定稿).

    Written feedback is done after the meeting: sealing ends the ballots, not this.
    """
    if meeting.finalised_at is not None:
        raise errors.Conflict(
            _l("The letters are finalised; withdraw the finalisation to change them.")
        )


def record(
    session: Session,
    meeting: Meeting | None,
    organiser: Organiser | None,
    action: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """Write an audit entry."""
    session.add(
        AuditEntry(
            meeting_id=meeting.id if meeting else None,
            organiser_id=organiser.id if organiser else None,
            action=action,
            detail=detail or {},
        )
    )
