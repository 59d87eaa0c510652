"""The live console: rounds now, the agenda and the question queue build on it."""

from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l

from . import bp, load_meeting

CONSOLE_TEXT = {
    "online": _l("Live"),
    "offline": _l("Reconnecting…"),
    "open_title": _l("Open a scoring round"),
    "pick": _l("Choose the reporters to score in this round"),
    "pick_written": _l("All written reports not yet scored"),
    "pick_all": _l("Everyone not yet scored"),
    "pick_none": _l("Clear"),
    "round_title": _l("Title (optional)"),
    "open": _l("Open the round"),
    "no_round": _l("No round is open."),
    "scored": _l("scored"),
    "on_site": _l("on site"),
    "open_round": _l("Open round"),
    "category": _l("Category"),
    "voted": _l("Voted"),
    "eligible": _l("Slips"),
    "total": _l("Total"),
    "valid": _l("valid"),
    "invalid": _l("invalid"),
    "not_voted": _l("Codes that have not voted ({n})"),
    "close": _l("Close the round"),
    "close_confirm": _l("Close the round? Ballots can no longer be sent or changed."),
    "history": _l("Rounds"),
    "status_open": _l("open"),
    "status_closed": _l("closed"),
    "status_void": _l("void"),
    "void": _l("Void"),
    "void_reason": _l("Why is this round voided? (kept on record)"),
    "rerun": _l("Run again"),
    "needs_live": _l("Start the meeting (Overview) before opening rounds."),
    "projector": _l("Open the projector page"),
    "reporters_n": _l("{n} reporters"),
}


@bp.route("/meetings/<int:meeting_id>/console")
def console(meeting_id: int):  # type: ignore[no-untyped-def]
    meeting = load_meeting(meeting_id)
    return render_template(
        "organiser/console.html",
        meeting=meeting,
        text={k: str(v) for k, v in CONSOLE_TEXT.items()},
    )
