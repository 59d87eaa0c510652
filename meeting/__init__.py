"""Sanshu: live scoring for 述职述责述廉 meetings."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from babel import Locale
from flask import Flask, has_request_context, request, session

ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": "sqlite:///sanshu.db",  # relative: inside the instance folder
    # The async server is chosen by app.py (the entry point); the app itself stays neutral.
    "ASYNC_MODE": "threading",
    "MESSAGE_QUEUE": None,  # redis://... to run several server processes
    "PUBLIC_URL": None,  # the address phones use; detected from the request when unset
    "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
    "ORGANISER_IDLE_MINUTES": 240,
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=24),
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_HTTPONLY": True,
    "BABEL_DEFAULT_LOCALE": "zh_CN",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
    "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).resolve().parent / "translations"),
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
    "LIVE_PUSH_INTERVAL": 0.25,  # seconds between pushes of changed live state
    "RENDER_WORKERS": 2,
    # How long SQLite may block waiting for a lock; the live server (app.py) sets a few
    # ms on eventlet/gevent and waits cooperatively instead.
    "SQLITE_BUSY_MS": 30_000,
}

ENVIRONMENT = {
    "SECRET_KEY": str,
    "DATABASE_URL": str,
    "MEETING_ASYNC_MODE": str,
    "MEETING_MESSAGE_QUEUE": str,
    "PUBLIC_URL": str,
    "ORGAN_TIMEZONE": str,
    "ORGANISER_IDLE_MINUTES": int,
    "RENDER_WORKERS": int,
}


def config_from_environment() -> dict[str, Any]:
    """Settings read from the environment (see README, Configuration)."""
    config: dict[str, Any] = {}
    for name, kind in ENVIRONMENT.items():
        value = os.environ.get(name)
        if value:
            key = name.removeprefix("MEETING_")
            config[key] = kind(value)
    return config


def load_secret_key(instance_path: str) -> str:
    """The session signing key: generated once, kept in the instance folder."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    path.touch(mode=0o600)
    path.write_text(key)
    return key


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=os.environ.get("INSTANCE_PATH") or str(ROOT / "instance"),
        static_folder=str(ROOT / "static"),
        template_folder=str(ROOT / "templates"),
    )
    app.config.from_mapping(DEFAULTS)
    app.config.update(config_from_environment())
    if test_config:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    if app.config.get("ORGAN_TIMEZONE"):  # every date and time shown or printed
        app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["ORGAN_TIMEZONE"]
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(app.instance_path)

    # Imported here, not at the top: the package must stay light, because the PDF and
    # upload workers run as `python -m meeting.<module>` and import it first.
    from . import cli, db, events, live, pushing, throttle, wsgi
    from .extensions import babel, csrf, login_manager, socketio
    from .views import register_views

    db.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    csrf.init_app(app)
    login_manager.init_app(app)
    throttle.init_app(app)
    socketio.init_app(
        app,
        async_mode=app.config["ASYNC_MODE"],
        message_queue=app.config["MESSAGE_QUEUE"],
        max_http_buffer_size=live.MAX_PAYLOAD_BYTES,
        ping_interval=10,
        ping_timeout=20,
        serializer=events.GuardedPacket,
    )
    app.wsgi_app = wsgi.SafetyNet(app.wsgi_app, app.logger)  # type: ignore[method-assign]
    pushing.init_app(app)
    register_views(app)
    cli.init_app(app)
    return app


# ?lang= picks one of these (kept in the session); anything else falls back to Chinese.
LANGUAGES = {"zh_CN": "zh_CN", "zh": "zh_CN", "en": "en"}
# parsed once: Flask-Babel parses what the selector returns on every request and socket
# event, unless it is a Locale already
_LOCALES = {name: Locale.parse(name) for name in set(LANGUAGES.values())}


def _select_locale() -> Locale:
    """Chinese by default; ``?lang=en`` shows the English source texts."""
    if not has_request_context():
        return _LOCALES["zh_CN"]
    lang = request.args.get("lang")
    if lang is not None:
        session["lang"] = LANGUAGES.get(lang, "zh_CN")
    chosen = session.get("lang")
    return _LOCALES[chosen] if chosen in _LOCALES else _LOCALES["zh_CN"]
