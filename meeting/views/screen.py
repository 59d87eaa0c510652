"""The projector: /screen/<meeting>/<screen key>, no login, read-only."""

from __future__ import annotations

import hmac

from flask import Blueprint, abort, render_template
from flask_babel import lazy_gettext as _l

from ..db import get_session
from ..models import Meeting
from ..network import base_url_for
from ..qr import qr_data_uri

bp = Blueprint("screen", __name__)

SCREEN_TEXT = {
    "join": _l("Scan the QR code on your slip, or open"),
    "join_code": _l("and type the code on your slip"),
    "waiting": _l("Please wait"),
    "scoring_open": _l("Scoring in progress"),
    "scoring_closed": _l("Scoring has closed"),
    "turnout": _l("Turnout"),
    "total": _l("Total"),
    "reconnecting": _l("Reconnecting…"),
    "commenting": _l("Commenting"),
    "next_questions": _l("Next questions"),
    "results": _l("Results"),
    "answer_timer": _l("Answer time"),
    "phase_left": _l("Phase time left"),
    "scoring_left": _l("Scoring time left"),
    "rehearsal": _l("Rehearsal"),
    "rehearsal_open": _l("Practise scanning and sending; nothing counts"),
    "meeting_over": _l("The meeting is over"),
    "meeting_over_hint": _l("Thank you. Scoring has closed and the slips can no longer be used."),
}


@bp.route("/screen/<int:meeting_id>/<key>")
def projector(meeting_id: int, key: str):
    meeting = get_session().get(Meeting, meeting_id)
    if meeting is None or not hmac.compare_digest(key.encode(), meeting.screen_key.encode()):
        abort(404)
    join_url = base_url_for(meeting) + "/j"
    return render_template(
        "screen/projector.html",
        meeting=meeting,
        screen_key=key,
        join_url=join_url,
        join_qr=qr_data_uri(join_url, border=1),
        text={k: str(v) for k, v in SCREEN_TEXT.items()},
    )
