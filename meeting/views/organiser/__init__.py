"""The organiser's screens: meetings, setup, slips, console, results. Login required."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, abort, flash
from flask_login import current_user, login_required
from sqlalchemy.orm import Session

from ... import meetings
from ...db import get_session
from ...errors import DomainError
from ...models import Meeting

bp = Blueprint("organiser", __name__)


@bp.before_request
@login_required
def _require_login() -> None:
    return None


def ensure_admin() -> None:
    """Setup and publishing are for admins; clerks record comments and moderate."""
    if not current_user.is_admin:
        abort(403)


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ensure_admin()
        return view(*args, **kwargs)

    return wrapper


def load_meeting(meeting_id: int) -> Meeting:
    return meetings.get_meeting(get_session(), meeting_id)


def flash_error(error: DomainError) -> None:
    flash(str(error.message), "error")
    for problem in error.detail.get("problems", []):
        flash(str(problem), "error")


def attempt(action: Callable[[Session], Any], success: Any = None) -> bool:
    """Run a domain action and commit; on a DomainError roll back and flash why."""
    session = get_session()
    try:
        action(session)
        session.commit()
    except DomainError as error:
        session.rollback()
        flash_error(error)
        return False
    if success:
        flash(str(success), "success")
    return True


from . import console as _console  # noqa: E402,F401
from . import overview as _overview  # noqa: E402,F401  (routes)
from . import reporters as _reporters  # noqa: E402,F401
from . import setup as _setup  # noqa: E402,F401
from . import tokens as _tokens  # noqa: E402,F401
