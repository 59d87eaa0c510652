"""What every organiser view shares: login, access to a meeting, actions, file responses.

One way for views: ``load_meeting`` (through ``guards.meeting_for``, the one access
check), ``attempt`` (run a domain action, commit, flash), ``file_response`` (every
download and inline PDF, with a correctly encoded Chinese file name).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Response, current_app, flash, request, send_file
from flask_login import current_user
from sqlalchemy.orm import Session

from .. import guards, once, pdf
from ..db import get_session, run_transaction
from ..errors import DomainError
from ..extensions import login_manager, socketio
from ..models import Meeting

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def render_pool() -> pdf.RenderPool:
    """The process's PDF workers."""
    return pdf.pool(current_app.config["RENDER_WORKERS"])


def require_login() -> Any:
    """``before_request`` of the organiser blueprints: log in first."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def ensure(capability: str) -> None:
    """Refuse (403) what the logged-in organiser's role does not allow."""
    guards.ensure_can(current_user, capability)


def load_meeting(meeting_id: int, capability: str = guards.VIEW) -> Meeting:
    """The meeting, if the logged-in organiser may use it for ``capability``."""
    return guards.meeting_for(get_session(), current_user, meeting_id, capability)


def flash_error(error: DomainError) -> None:
    flash(str(error.message), "error")
    for problem in error.detail.get("problems", []):
        flash(str(problem), "error")


def attempt(action: Callable[[Session], Any], success: Any = None) -> bool:
    """Run a domain action and commit; on a DomainError roll back and flash why.

    A form carrying a one-time key (``once()`` in the template) runs once: a repeat of
    the same key succeeds without running again. A locked or lost database is waited for
    cooperatively (``db.run_transaction``); if it stays busy, the transient error goes
    up and is answered "busy, try again" (503).
    """
    key = request.form.get("once") if request.method == "POST" else None

    def run(session: Session) -> Any:
        if not once.valid(key):
            return action(session)
        assert key is not None
        if once.done(session, key) is not None:
            return None  # done before: a double click or a re-sent form
        result = action(session)
        once.remember(session, key, request.endpoint or "", current_user._get_current_object())
        return result

    try:
        run_transaction(run, socketio.sleep)
    except DomainError as error:
        get_session().rollback()
        flash_error(error)
        return False
    if success:
        flash(str(success), "success")
    return True


def file_response(
    filename: str,
    mimetype: str,
    data: bytes | None = None,
    path: Path | str | None = None,
    inline: bool = False,
) -> Response:
    """Bytes or a file as a download (or shown in the browser) under a Chinese file name.

    Flask's send_file writes both an ASCII fallback and the RFC 5987 ``filename*``, so
    every browser shows the Chinese name. A file is read whole (letters, batches and
    archives are a few MB at most): no file handle outlives the request.
    """
    content = Path(path).read_bytes() if path is not None else (data or b"")
    return send_file(
        io.BytesIO(content),
        mimetype=mimetype,
        as_attachment=not inline,
        download_name=filename,
        max_age=0,
    )
