"""The live console: rounds now, the agenda and the question queue build on it."""

from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l

from ..common import load_meeting
from . import bp

CONSOLE_TEXT = {
    "online": _l("Connected"),
    "disconnected": _l("Disconnected"),
    "offline": _l("Reconnecting…"),
    "meeting_draft": _l("In preparation"),
    "meeting_live": _l("Live"),
    "meeting_closed": _l("Closed"),
    "rehearsal": _l("Rehearsal"),
    "open_rehearsal": _l("Start a rehearsal round"),
    "rehearsal_hint": _l(
        "A rehearsal lets the room practise scanning and sending on every reporter; it counts nothing and its ballots are wiped when it ends."
    ),
    "close_rehearsal": _l("End the rehearsal"),
    "close_rehearsal_confirm": _l(
        "End the rehearsal? Its ballots will all be wiped; nothing of it counts."
    ),
    "rehearsal_closed": _l("The rehearsal has ended and its ballots were wiped."),
    "goto_scoring_confirm": _l("Scoring of {name} will open on every phone. Continue?"),
    "goto_scoring_many_confirm": _l(
        "{title} will open scoring of {n} reporters on every phone. Continue?"
    ),
    "answer_timer": _l("Answer time"),
    "phase_left": _l("Phase time left"),
    "setup_tools": _l("Agenda editing"),
    "history_fold": _l("Earlier rounds ({n})"),
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
    "not_voted": _l("Slips that have not voted ({n})"),
    "close": _l("Close the round"),
    "close_confirm": _l("Close the round? Ballots can no longer be sent or changed."),
    "history": _l("Rounds"),
    "status_open": _l("open"),
    "status_closed": _l("closed"),
    "status_void": _l("void"),
    "void": _l("Void"),
    "void_reason": _l("Why is this round voided? (kept on record)"),
    "rerun": _l("Run again"),
    "needs_live": _l('Press "Start the meeting" at the top of this page before opening rounds.'),
    "projector": _l("Open the projector page"),
    "reporters_n": _l("{n} reporters"),
    "not_started": _l("The meeting has not started."),
    "start_meeting": _l("Start the meeting"),
    "agenda_not_started": _l("The agenda has not started."),
    "start_agenda": _l("Start the agenda"),
    "open_rehearsal_confirm": _l(
        "Start a rehearsal: every phone will show a practice ballot that counts nothing. Continue?"
    ),
    "questions_open_by": _l("{who} may send questions to {name} from their phones."),
    "questions_nobody": _l(
        "No delegate category may ask questions; allow it under Delegate categories."
    ),
    "goto_skips": _l("This jump skips: {items}."),
    "sealed": _l("The meeting has ended and is sealed"),
    "sealed_hint": _l(
        "Slips no longer work and nothing on the agenda can change. The results and the feedback letters stay open."
    ),
    "results": _l("Results"),
    "letters": _l("Feedback letters"),
    "finished": _l("The agenda is finished."),
    "back": _l("Back"),
    "next": _l("Next"),
    "pause": _l("Pause"),
    "resume": _l("Resume"),
    "reset": _l("Reset"),
    "speaking": _l("Speaking"),
    "agenda": _l("Agenda"),
    "no_agenda": _l("No agenda yet. Build it from the reporter list, then adjust it."),
    "build": _l("Build the agenda"),
    "drag": _l("Drag to move"),
    "durations": _l("Durations (minutes)"),
    "answer_time": _l("Answer"),
    "save": _l("Save"),
    "kind_custom": _l("Other item"),
    "kind_report": _l("On-site report"),
    "kind_written": _l("Written reports"),
    "kind_closing": _l("Closing speech"),
    "item_title": _l("Title (optional)"),
    "add_item": _l("Add to the agenda"),
    "remove_item_confirm": _l("Remove this agenda item?"),
    "speaker_title": _l("Who is commenting now (shown on the projector)"),
    "name": _l("Name"),
    "role": _l("Position"),
    "show_speaker": _l("Show"),
    "clear": _l("Clear"),
    "comments": _l("Comments"),
    "summary": _l("Summary of the comment"),
    "record_comment": _l("Record the comment"),
    "edit": _l("Edit"),
    "remove": _l("Remove"),
    "remove_comment_confirm": _l("Remove this comment?"),
    "questions": _l("Questions"),
    "questions_open": _l("Phones may send questions for {name}."),
    "questions_closed": _l("The question form on the phones is closed."),
    "close_questions": _l("(closed)"),
    "apply": _l("Apply"),
    "pending": _l("Waiting for review"),
    "now_asking": _l("Being asked now"),
    "queue": _l("Queue"),
    "done": _l("Done"),
    "edited": _l("edited"),
    "answer": _l("Answer"),
    "approve": _l("Approve"),
    "reject": _l("Reject"),
    "ask_now": _l("Ask now"),
    "not_reached": _l("Not reached"),
    "answered": _l("Answered"),
    "answer_summary": _l("Summary of the answer (for the letter)"),
    "spoken": _l("A question asked aloud"),
    "asker": _l("Asked by"),
    "question_text": _l("The question"),
    "add_question": _l("Add to the queue"),
    "reject_reason": _l("Why is the question rejected? (the delegate sees this)"),
    "edit_question": _l("Correct the question"),
    "close_and_move": _l("Scoring is still open. Close the round and move on?"),
    "tally": _l("Tally sheet"),
    "tally_ready": _l(
        "The round is closed. Print its tally sheet for the tellers, the scrutineers and the chair to sign."
    ),
    "slip_no": _l("No. {serial} {code}"),
}


@bp.route("/meetings/<int:meeting_id>/console")
def console(meeting_id: int):
    meeting = load_meeting(meeting_id)
    return render_template(
        "organiser/console.html",
        meeting=meeting,
        text={k: str(v) for k, v in CONSOLE_TEXT.items()},
    )
