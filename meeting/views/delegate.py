"""The delegate's phone: join with the slip, then one live page for scoring."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import ballots, pushing, throttle, tokens
from ..db import get_session
from ..errors import DomainError
from ..models import CLOSED, BallotToken, Category, Meeting, Reporter
from .common import PDF, file_response

bp = Blueprint("delegate", __name__)

# Text the phone's script shows, translated here so the script stays language-neutral.
PHONE_TEXT = {
    "connecting": _l("Connecting…"),
    "online": _l("Connected"),
    "offline": _l("Connection lost: your answers are kept on this phone and sent when it is back."),
    # no ballot open: nothing to keep, only the reconnecting is true
    "offline_idle": _l("Connection lost; reconnecting…"),
    "waiting": _l("Scoring has not started. This page changes by itself when it does."),
    "round_closed": _l("This scoring round has closed. Thank you."),
    "meeting_closed": _l("The meeting has ended. Thank you for taking part."),
    "read_report": _l("Read the report"),
    "on_site": _l("On site"),
    "written": _l("Written"),
    "abstain": _l("Abstain"),
    "score_hint": _l("0-100"),
    "progress": _l("Scored {done} of {total}"),
    "quota": _l("{grade}: {used} of at most {limit}"),
    "quota_meeting": _l("{grade}: {used} on this ballot, at most {limit} left for this meeting"),
    "next_open": _l("Next unfinished"),
    "check": _l("Check and submit"),
    "review_title": _l("Check your ballot before submitting"),
    "review_ok": _l("Everything is filled in and follows the rules."),
    "confirm": _l("Submit the ballot"),
    "back": _l("Back to the sheet"),
    "sending": _l("Sending…"),
    "pending": _l("Not confirmed yet: it is sent again as soon as the connection is back."),
    "submitted": _l("Submitted and stored. You can change it until the round closes."),
    "submitted_invalid": _l("Stored, but it counts as an invalid ballot:"),
    "change": _l("Change my ballot"),
    "incomplete": _l("Not finished for {n} reporters: {names}."),
    # one wording per rule, the same the server explains a stored ballot with
    "top_quota": ballots.TOP_QUOTA,
    "same_grade": ballots.SAME_GRADE,
    "error": _l("The ballot was not accepted:"),
    "revoked": _l("This slip has been revoked. Please ask the staff for a new slip."),
    "reporter": _l("Reporter"),
    "overall": _l("Overall"),
    "ask_title": _l("Ask {name} a question"),
    "question_hint": _l("Your question (at most 300 characters)"),
    "name_optional": _l("Your name (optional)"),
    "send_question": _l("Send the question"),
    "question_sent": _l("Sent. The moderator reviews it before it is asked."),
    "my_questions": _l("My questions"),
    "superseded": _l(
        "A newer version of this ballot, sent from another device, is stored; that one counts."
    ),
    "changed_elsewhere": _l("This ballot was changed from another device."),
    "other_device": tokens.OTHER_DEVICE,
    "opened_before": tokens.OPENED_BEFORE,
    "not_received": _l(
        "The round closed before your ballot reached the server; it was not counted."
    ),
    # between rounds: what is happening in the room now
    "offline_short": _l("Offline"),
    "now_report": _l("Now: {name} reports"),
    "now_comment": _l("Now commenting on {name}'s report"),
    "now_inquiry": _l("Now questioning {name}"),
    "now_item": _l("Now: {title}"),
    "now_scoring": _l("Scoring opens shortly; this page changes by itself."),
    "scoring_over": _l("Scoring is over"),
    "scoring_over_next": _l("Scoring is over · next: {title}"),
    "answer_clock": _l("Answering {clock}"),
    "next_report": _l("Next: {name} reports"),
    "next_item": _l("Next: {title}"),
    "speaker": _l("Speaking: {name}"),
    "speaker_role": _l("Speaking: {role} {name}"),
    "rehearsal_over": _l(
        "The rehearsal is over; its ballots were wiped. The sheet appears here by itself when scoring starts."
    ),
    "recent_voted": _l("“{title}” has closed; your ballot was received."),
    "recent_not_voted": _l("“{title}” has closed; no ballot was sent from this phone."),
    "voted_short": _l("Your ballot was received."),
    "not_voted_short": _l("No ballot was sent from this phone."),
    "recent_void": _l(
        "“{title}” was declared void and counts for nothing; "
        "if it is scored again, this page changes by itself."
    ),
    "agenda_done": _l("Every agenda item is done. Thank you for taking part."),
    "meeting_over": _l("This meeting is over. Thank you for taking part."),
    "sealed_refusal": _l("The meeting has ended; slips can no longer be used."),
    "written_reports": _l("Read the written reports ({n})"),
    # rehearsal rounds
    "rehearsal": _l("Rehearsal: this round counts for nothing"),
    "rehearsal_hint": _l(
        "A practice round to try scanning and submitting; it is deleted when it closes."
    ),
    # the sheet: where the problems are
    "jump_list": _l("List"),
    "jump_title": _l("Jump to a reporter"),
    # the jump list's legend: one entry per mark in use
    "mark_done": _l("{mark} all answered"),
    "mark_open": _l("{mark} not finished"),
    "mark_fault": _l("{mark} to fix"),
    "mark_top": _l("{mark} has {grade}"),
    "problem_line": _l("Not answered yet"),
    "problem_reporter": _l("{n} lines not answered for this reporter"),
    # on the cards that share a quota the first one explains: a hint, not an error
    "problem_top_hint": _l("Counts toward the {grade} limit"),
    "problems_left": _l("{more} more to fix after this one"),
}


def _enter(token: BallotToken) -> None:
    """Exchange the slip for a signed session; the secret leaves the address bar.

    Every join is counted: the devices already holding this slip are told at once that
    another device opened it (a slip cannot be taken over silently, not even by staff
    who know its code), and this device is told if the slip was opened before.
    """
    db = get_session()
    number = tokens.record_join(db, token)
    db.commit()
    session["delegate"] = {"t": token.id, "m": token.meeting_id, "j": number}
    session.permanent = True
    if number > 1:
        pushing.notify_token(token.id, "other_device", {"message": str(tokens.OTHER_DEVICE)})


def _notice(message: object, status: int):
    return render_template("delegate/notice.html", message=str(message)), status


def _sealed_meeting(token: BallotToken | None) -> Meeting | None:
    """The slip's meeting if it has been sealed (its phones get a calm final page)."""
    if token is None:
        return None
    meeting = get_session().get(Meeting, token.meeting_id)
    return meeting if meeting is not None and meeting.status == CLOSED else None


def _refused(error: DomainError, token: BallotToken | None):
    """A slip that does not work: after sealing, the meeting is simply over."""
    meeting = _sealed_meeting(token)
    if meeting is not None:
        return render_template("delegate/ended.html", meeting=meeting)
    return _notice(error.message, error.status)


@bp.route("/b/<secret>")
def slip(secret: str):
    try:
        token = tokens.token_by_secret(get_session(), secret)
    except DomainError as error:
        found = get_session().scalar(select(BallotToken).where(BallotToken.secret == secret[:64]))
        return _refused(error, found)
    _enter(token)
    return redirect(url_for("delegate.home"))


def _failed_join(response) -> bool:
    return bool(response.status_code != 302)


@bp.route("/j", methods=["GET", "POST"])
@throttle.limiter.limit(
    lambda: throttle.rate("join_failures"),
    methods=["POST"],
    deduct_when=_failed_join,
    error_message=lambda: str(_l("Too many tries. Please ask the staff for help.")),
)
def join():
    message = None
    status = 200
    if request.method == "POST":
        typed = request.form.get("code", "")
        try:
            token = tokens.token_by_code(get_session(), typed)
        except DomainError as error:
            found = get_session().scalar(
                select(BallotToken).where(BallotToken.code == tokens.normalise_code(typed))
            )
            if _sealed_meeting(found) is not None:
                return _refused(error, found)
            message, status = error.message, error.status
        else:
            _enter(token)
            return redirect(url_for("delegate.home"))
    return render_template("delegate/join.html", message=message), status


def _current_token() -> BallotToken | None:
    held = session.get("delegate") or {}
    if not held.get("t"):
        return None
    return tokens.check_token(get_session(), held["t"])


def _held_token() -> BallotToken | None:
    """The slip this browser holds, usable or not."""
    held = (session.get("delegate") or {}).get("t")
    return get_session().get(BallotToken, held) if isinstance(held, int) else None


@bp.route("/d")
def home():
    try:
        token = _current_token()
    except DomainError as error:
        return _refused(error, _held_token())
    if token is None:
        return redirect(url_for("delegate.join"))
    db = get_session()
    meeting = db.get(Meeting, token.meeting_id)
    category = db.get(Category, token.category_id)
    held = session.get("delegate") or {}
    return render_template(
        "delegate/phone.html",
        meeting=meeting,
        category=category,
        token=token,
        shared=held.get("j", 1) != token.joins,  # another device opened it before or since
        text={key: str(value) for key, value in PHONE_TEXT.items()},
    )


def _reporter_of_my_meeting(reporter_id: int) -> Reporter | Any:
    """The reporter if it belongs to this phone's meeting, else the page to show instead."""
    try:
        token = _current_token()
    except DomainError as error:
        return _refused(error, _held_token())
    if token is None:
        return redirect(url_for("delegate.join"))
    reporter = get_session().get(Reporter, reporter_id)
    if reporter is None or reporter.meeting_id != token.meeting_id:
        abort(404)
    return reporter


@bp.route("/d/report/<int:reporter_id>")
def report(reporter_id: int):
    reporter = _reporter_of_my_meeting(reporter_id)
    if not isinstance(reporter, Reporter):
        return reporter
    return render_template("delegate/report.html", reporter=reporter)


@bp.route("/d/report/<int:reporter_id>.pdf")
def report_pdf(reporter_id: int):
    reporter = _reporter_of_my_meeting(reporter_id)
    if not isinstance(reporter, Reporter):
        return reporter
    if not reporter.report_file:
        abort(404)
    path = Path(current_app.instance_path) / "reports" / reporter.report_file
    return file_response(f"{reporter.name}.pdf", PDF, path=path, inline=True)
