"""Organiser login and logout; logins live on the server (``accounts.start_login``)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from .. import accounts, pushing, throttle
from ..db import get_session
from ..errors import DomainError

bp = Blueprint("auth", __name__)

# Browsers drop tabs and newlines from URLs and read a backslash as a slash, so
# "/\t/evil.example" and "/\\evil.example" both leave the site: normalise as they do.
_DROPPED = re.compile(r"[\t\n\r]")


def safe_next(target: str | None) -> str:
    """Where to go after login: a path on this site, never another site."""
    fallback = url_for("organiser.meetings")
    if not target:
        return fallback
    cleaned = _DROPPED.sub("", target).replace("\\", "/")
    parts = urlsplit(cleaned)
    if parts.scheme or parts.netloc or not cleaned.startswith("/") or cleaned.startswith("//"):
        return fallback
    return cleaned


def _failed_login(response) -> bool:
    return bool(response.status_code == 401)


@bp.route("/login", methods=["GET", "POST"])
@throttle.limiter.limit(
    lambda: throttle.rate("login_failures"),
    methods=["POST"],
    deduct_when=_failed_login,
    error_message=lambda: _("Too many failed logins. Please wait ten minutes."),
)
def login():
    if request.method == "POST":
        db = get_session()
        try:
            organiser = accounts.authenticate(
                db, request.form.get("username", ""), request.form.get("password", "")
            )
        except DomainError as exc:
            flash(str(exc.message), "error")
            return render_template("auth/login.html"), 401
        login_id = accounts.start_login(db, organiser)
        db.commit()
        session.clear()  # a fresh session on login (no fixation)
        session.permanent = True
        login_user(organiser)
        session["login"] = login_id
        return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html")


@bp.route("/logout", methods=["POST"])
def logout():
    login_id = session.get("login", "")
    if login_id:
        db = get_session()
        accounts.end_login(db, login_id)
        db.commit()
        pushing.end_login(login_id, _("You are logged out."))
    logout_user()
    session.clear()
    current_app.logger.info("organiser logged out")
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))
