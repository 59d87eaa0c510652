"""Organiser login and logout."""

from __future__ import annotations

import secrets
import time
from collections import defaultdict, deque

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from .. import accounts
from ..db import get_session
from ..errors import DomainError

bp = Blueprint("auth", __name__)

# Failed logins per client address: at most LIMIT in WINDOW seconds.
LIMIT = 10
WINDOW = 600
_failures: dict[str, deque[float]] = defaultdict(deque)


def _too_many(address: str) -> bool:
    recent = _failures[address]
    while recent and recent[0] < time.time() - WINDOW:
        recent.popleft()
    return len(recent) >= LIMIT


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("organiser.meetings")


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    if request.method == "POST":
        address = request.remote_addr or "?"
        if _too_many(address):
            flash(_("Too many failed logins. Please wait ten minutes."), "error")
            return render_template("auth/login.html"), 429
        try:
            organiser = accounts.authenticate(
                get_session(), request.form.get("username", ""), request.form.get("password", "")
            )
        except DomainError as exc:
            _failures[address].append(time.time())
            flash(str(exc.message), "error")
            return render_template("auth/login.html"), 401
        session.clear()  # a fresh session on login (no fixation)
        session.permanent = True
        login_user(organiser)
        session["seen"] = time.time()
        session["login"] = secrets.token_hex(8)  # names this login's consoles
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html")


@bp.route("/logout", methods=["POST"])
def logout():  # type: ignore[no-untyped-def]
    from .. import live

    live.end_login(session.get("login", ""))
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))
