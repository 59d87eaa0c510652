"""One blueprint per screen: organiser, delegate, screen (projector), reports."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask import Flask, current_app, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_login import logout_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc

from .. import accounts, once
from ..db import database, get_session, is_transient
from ..errors import DomainError
from ..extensions import login_manager
from ..pdf import RenderError
from . import auth, delegate, organiser, probes, reports, screen


def register_views(app: Flask) -> None:
    app.register_blueprint(auth.bp)
    app.register_blueprint(organiser.bp)
    app.register_blueprint(delegate.bp)
    app.register_blueprint(screen.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(probes.bp)

    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the login page says it already
    login_manager.user_loader(_load_organiser)
    app.before_request(_check_login)
    app.after_request(_security_headers)

    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(RenderError, _render_error)
    app.register_error_handler(RateLimitExceeded, _rate_limited)
    app.register_error_handler(sa_exc.SQLAlchemyError, _database_error)
    for code in (400, 403, 404, 405, 413, 500):
        app.register_error_handler(code, _http_error)

    @app.context_processor
    def _page_globals() -> dict[str, Any]:
        return {
            "html_lang": str(get_locale() or "zh_CN").replace("_", "-"),
        }

    app.add_template_global(once.new_key, "once_key")  # also seen inside imported macros

    app.add_template_filter(local_time)

    @app.route("/favicon.ico")
    def favicon():  # browsers ask for it; there is none
        return "", 204

    @app.route("/")
    def index():
        return redirect(url_for("organiser.meetings"))


def local_time(value: datetime | str | None, pattern: str = "yyyy-MM-dd HH:mm") -> str:
    """A stored time (UTC) in the organ's time zone (ORGAN_TIMEZONE), as people read it."""
    if value in (None, ""):
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return str(format_datetime(moment, pattern))


def _check_login() -> ResponseReturnValue | None:
    """Before each request: is the session's organiser login still live on the server?

    A login ends at logout (anywhere), password reset or after ORGANISER_IDLE_MINUTES
    without activity; the login is checked in a session of its own, so recording its
    activity never commits anything of the request's own work.
    """
    if request.endpoint == "static" or "login" not in session:
        return None
    with database().sessionmaker() as check:
        organiser = accounts.live_login(
            check, session.get("login"), current_app.config["ORGANISER_IDLE_MINUTES"]
        )
        check.commit()
    if organiser is not None:
        g.organiser_id = organiser.id
        return None
    logout_user()
    session.clear()
    flash(_("You were logged out after a long pause. Please log in again."), "info")
    return redirect(url_for("auth.login", next=request.path))


def _load_organiser(organiser_id: str):
    """Flask-Login's loader: only for a login _check_login found live in this request."""
    if str(g.get("organiser_id", "")) != organiser_id:
        return None
    return accounts.get_organiser(get_session(), int(organiser_id))


# Only the app's own files: no inline script or style, no other origin (the venue is
# offline anyway). Socket.IO connects back to the page's own host; older WebViews do not
# count ws: as 'self', so it is named explicitly.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self' ws://{host} wss://{host}; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
)
_HOST = re.compile(r"^[A-Za-z0-9.\-\[\]:]+$")


def _security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    host = request.host if _HOST.match(request.host or "") else "localhost"
    response.headers.setdefault("Content-Security-Policy", CSP.format(host=host))
    return response


def _domain_error(error: DomainError):
    return render_template("error.html", message=str(error.message)), error.status


def _csrf_error(_error: CSRFError):
    message = _(
        "The form has expired or did not come from this site. Reload the page and try again."
    )
    return render_template("error.html", message=message), 400


def _render_error(error: RenderError):
    current_app.logger.error("PDF rendering failed: %s", error)
    message = _("The PDF could not be made. Nothing was changed; please try again.")
    return render_template("error.html", message=message), 500


def _rate_limited(error: RateLimitExceeded):
    message = error.description or _("Too many tries. Please wait a few minutes.")
    if request.endpoint == "auth.login":
        flash(str(message), "error")
        return render_template("auth/login.html"), 429
    if request.endpoint == "delegate.join":
        return render_template("delegate/join.html", message=message), 429
    return render_template("error.html", message=message), 429


def _database_error(error: Exception):
    """A locked or lost database: "busy, try again" (503), never a traceback."""
    get_session().rollback()
    if is_transient(error):
        current_app.logger.warning("database busy: %s", error)
        response = (
            render_template(
                "error.html", message=_("The server is busy; please try again in a moment.")
            ),
            503,
        )
        return response[0], 503, {"Retry-After": "2"}
    current_app.logger.error("database error", exc_info=error)
    return render_template("error.html", message=str(MESSAGES[500])), 500


MESSAGES = {
    400: _l("The request could not be understood."),
    403: _l("You are not allowed to do this."),
    404: _l("This page does not exist."),
    405: _l("This action is not possible here."),
    413: _l("The file is too large."),
    500: _l("Something went wrong on the server. Nothing was changed; please try again."),
}


def _http_error(error):
    code = getattr(error, "code", 500) or 500
    message = str(MESSAGES.get(code, MESSAGES[500]))
    return render_template("error.html", message=message), code
