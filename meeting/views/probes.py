"""The venue's network: answers to the phones' connectivity probes, and the pre-flight
test page a phone opens by scanning the check QR.

On a Wi-Fi without internet, phones ask fixed addresses (Android ``/generate_204``,
Apple ``/hotspot-detect.html``, Windows ``/connecttest.txt``) whether they are online;
without an answer they switch to mobile data or mark the Wi-Fi "no internet" and drop
the page. When the venue's DNS points those names at this server (README, "Venue
network"), these routes give the expected answers: for any Host header, without login,
session cookie, throttle or redirect.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, abort, current_app, render_template
from sqlalchemy import update

from .. import network
from ..db import get_session
from ..models import Meeting, utcnow

bp = Blueprint("probes", __name__)

APPLE_SUCCESS = "<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success</BODY></HTML>"


def _plain(body: str, mimetype: str = "text/plain") -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = "no-cache, no-store"  # asked again at every join
    return response


@bp.route("/generate_204")
@bp.route("/gen_204")
def android() -> Response:
    """Android (and the Chinese vendors' ROMs that ask the same path): 204, empty."""
    response = Response(status=204)
    response.headers["Cache-Control"] = "no-cache, no-store"
    return response


@bp.route("/hotspot-detect.html")
@bp.route("/library/test/success.html")
def apple() -> Response:
    """iOS and macOS: exactly this page, or the phone shows a login sheet."""
    return _plain(APPLE_SUCCESS, "text/html")


@bp.route("/connecttest.txt")
def windows() -> Response:
    """Windows 10 and later."""
    return _plain("Microsoft Connect Test")


@bp.route("/ncsi.txt")
def windows_ncsi() -> Response:
    """Older Windows."""
    return _plain("Microsoft NCSI")


@bp.route("/reach/<int:meeting_id>/<signature>")
def reach(meeting_id: int, signature: str):
    """A phone scanned the pre-flight test QR: the address works from the Wi-Fi."""
    expected = network.reach_signature(current_app.config["SECRET_KEY"], meeting_id)
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        abort(404)
    db = get_session()
    meeting = db.get(Meeting, meeting_id)
    if meeting is None:
        abort(404)
    # only this column: the meeting's own updated_at stays as the organiser left it
    db.execute(
        update(Meeting)
        .where(Meeting.id == meeting_id)
        .values(reachable_at=utcnow(), updated_at=Meeting.updated_at)
    )
    db.commit()
    db.expire(meeting)
    return render_template("venue/reach.html")
