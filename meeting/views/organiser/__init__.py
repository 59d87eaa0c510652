"""The organiser's screens: meetings, setup, slips, console. Login required."""

from __future__ import annotations

from flask import Blueprint

from ..common import require_login

bp = Blueprint("organiser", __name__)
bp.before_request(require_login)

# the route modules register on bp when imported
from . import console as _console  # noqa: E402,F401
from . import overview as _overview  # noqa: E402,F401
from . import preflight as _preflight  # noqa: E402,F401
from . import reporters as _reporters  # noqa: E402,F401
from . import setup as _setup  # noqa: E402,F401
from . import tokens as _tokens  # noqa: E402,F401
