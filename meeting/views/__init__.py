"""One blueprint per screen: organiser, delegate, screen (projector), reports."""

from __future__ import annotations

import time

from flask import Flask, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError

from .. import accounts
from ..db import get_session
from ..errors import DomainError
from ..extensions import login_manager
from ..pdf import RenderError


def register_views(app: Flask) -> None:
    from . import auth, delegate, organiser, reports, screen

    app.register_blueprint(auth.bp)
    app.register_blueprint(organiser.bp)
    app.register_blueprint(delegate.bp)
    app.register_blueprint(screen.bp)
    app.register_blueprint(reports.bp)

    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the login page says it already
    login_manager.user_loader(_load_organiser)
    app.before_request(_expire_idle_organiser)
    app.after_request(_security_headers)

    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(RenderError, _render_error)
    for code in (400, 403, 404, 405, 413, 500):
        app.register_error_handler(code, _http_error)

    @app.context_processor
    def _page_globals() -> dict:
        from flask_babel import get_locale

        return {"html_lang": str(get_locale() or "zh_CN").replace("_", "-")}

    @app.route("/")
    def index():  # type: ignore[no-untyped-def]
        return redirect(url_for("organiser.meetings"))


def _load_organiser(organiser_id: str):  # type: ignore[no-untyped-def]
    try:
        return accounts.get_organiser(get_session(), int(organiser_id))
    except ValueError:
        return None


def _expire_idle_organiser() -> object | None:
    """Log an organiser out after ORGANISER_IDLE_MINUTES without a request."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    from flask import current_app

    now = time.time()
    seen = session.get("seen", now)
    if now - seen > current_app.config["ORGANISER_IDLE_MINUTES"] * 60:
        logout_user()
        session.pop("seen", None)
        flash(_("You were logged out after a long pause. Please log in again."), "info")
        return redirect(url_for("auth.login", next=request.path))
    session["seen"] = now
    return None


def _security_headers(response):  # type: ignore[no-untyped-def]
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    return response


def _domain_error(error: DomainError):  # type: ignore[no-untyped-def]
    return render_template("error.html", message=str(error.message)), error.status


def _csrf_error(_error: CSRFError):  # type: ignore[no-untyped-def]
    message = _(
        "The form has expired or did not come from this site. Reload the page and try again."
    )
    return render_template("error.html", message=message), 400


def _render_error(error: RenderError):  # type: ignore[no-untyped-def]
    from flask import current_app

    current_app.logger.error("PDF rendering failed: %s", error)
    message = _("The PDF could not be made. Nothing was changed; please try again.")
    return render_template("error.html", message=message), 500


MESSAGES = {
    400: _l("The request could not be understood."),
    403: _l("You are not allowed to do this."),
    404: _l("This page does not exist."),
    405: _l("This action is not possible here."),
    413: _l("The file is too large."),
    500: _l("Something went wrong on the server. Nothing was changed; please try again."),
}


def _http_error(error):  # type: ignore[no-untyped-def]
    code = getattr(error, "code", 500) or 500
    message = str(MESSAGES.get(code, MESSAGES[500]))
    return render_template("error.html", message=message), code
