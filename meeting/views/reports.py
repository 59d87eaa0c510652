"""Results, publishing, exports, problem and rectification lists, feedback letters."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import batches, exports, feedback, guards, letters, meetings, pushing, reporters, results
from ..db import get_session
from ..errors import DomainError
from ..extensions import socketio
from ..models import Meeting, utcnow
from .common import (
    PDF,
    XLSX,
    attempt,
    file_response,
    flash_error,
    load_meeting,
    render_pool,
    require_login,
)

bp = Blueprint("reports", __name__)
bp.before_request(require_login)


def _pause() -> None:
    socketio.sleep(0)  # let live events through during a long computation


def current_data(meeting: Meeting) -> dict[str, Any]:
    return results.results_data(results.compute_results(get_session(), meeting, _pause), _pause)


# --------------------------------------------------------------------------- results


@bp.route("/meetings/<int:meeting_id>/results")
def results_page(meeting_id: int):
    meeting = load_meeting(meeting_id, guards.RESULTS)
    data = current_data(meeting)
    header, rows = exports.summary_rows(data)
    return render_template(
        "reports/results.html",
        meeting=meeting,
        data=data,
        header=header,
        rows=rows,
        kinds=exports.summary_kinds(data),
        published=meeting.published or {},
        levels=PUBLISH_LABELS,
        records=exports.list_records(get_session(), meeting),
        notes=exports.notes,
    )


PUBLISH_LABELS = {
    "none": _l("Nothing"),
    "turnout": _l("Turnout only"),
    "distribution": _l("Each reporter's grade distribution"),
    "ranking": _l("Full ranking"),
}


@bp.route("/meetings/<int:meeting_id>/results/publish", methods=["POST"])
def publish(meeting_id: int):
    meeting = load_meeting(meeting_id, guards.RESULTS)
    level = request.form.get("level", "none")
    data = current_data(meeting) if level != "none" else {}
    now = utcnow().isoformat(timespec="seconds")
    if attempt(
        lambda s: results.publish(s, meeting, level, data, now),
        _l("The projector shows: %(level)s.", level=PUBLISH_LABELS.get(level, level)),
    ):
        pushing.mark_changed(meeting.id)
    return redirect(url_for("reports.results_page", meeting_id=meeting.id))


def _download(
    meeting: Meeting, kind: str, filename: str, data: bytes, mimetype: str, inline: bool = False
) -> Response:
    """An export, recorded with its SHA-256 (also sent as X-Content-SHA256)."""
    session = get_session()
    entry = exports.record(session, meeting, current_user, kind, filename, data)
    session.commit()
    response = file_response(filename, mimetype, data, inline=inline)
    response.headers["X-Content-SHA256"] = entry.sha256
    return response


@bp.route("/meetings/<int:meeting_id>/results/summary.xlsx")
def summary_xlsx(meeting_id: int):
    meeting = load_meeting(meeting_id, guards.RESULTS)
    data = exports.summary_xlsx(current_data(meeting))
    return _download(meeting, "summary.xlsx", f"测评结果汇总表-{meeting.id}.xlsx", data, XLSX)


@bp.route("/meetings/<int:meeting_id>/results/summary.pdf")
def summary_pdf(meeting_id: int):
    meeting = load_meeting(meeting_id, guards.RESULTS)
    rendered = render_pool().render("summary.html", exports.summary_context(current_data(meeting)))
    return _download(
        meeting,
        "summary.pdf",
        f"测评结果汇总表-{meeting.id}.pdf",
        rendered.pdf or b"",
        PDF,
        inline=True,
    )


@bp.route("/meetings/<int:meeting_id>/results/ballots.csv")
def ballots_csv(meeting_id: int):
    meeting = load_meeting(meeting_id, guards.RESULTS)
    data = exports.raw_csv(get_session(), meeting)
    return _download(meeting, "ballots.csv", f"原始测评数据-{meeting.id}.csv", data, "text/csv")


@bp.route("/meetings/<int:meeting_id>/results/ballots.xlsx")
def ballots_xlsx(meeting_id: int):
    meeting = load_meeting(meeting_id, guards.RESULTS)
    data = exports.raw_xlsx(get_session(), meeting)
    return _download(meeting, "ballots.xlsx", f"原始测评数据-{meeting.id}.xlsx", data, XLSX)


# --------------------------------------------------------------------------- feedback lists


@bp.route("/meetings/<int:meeting_id>/feedback/<int:reporter_id>")
def feedback_page(meeting_id: int, reporter_id: int):
    meeting = load_meeting(meeting_id, guards.FEEDBACK)
    session = get_session()
    reporter = reporters.get_reporter(session, meeting, reporter_id)
    data = current_data(meeting)
    return render_template(
        "reports/feedback.html",
        meeting=meeting,
        reporter=reporter,
        result=results.reporter_data(data, reporter.id),
        problems=feedback.list_problems(session, meeting, reporter.id),
        rectifications=feedback.list_rectifications(session, meeting, reporter.id),
        suggestions=feedback.suggestions(session, meeting, reporter.id),
        previous=feedback.previous_rectifications(session, meeting, reporter),
        notes=exports.notes,
        neighbours=[r.id for r in meeting.reporters],
    )


FEEDBACK_ACTIONS = {
    "problem_add": lambda s, m, rid, f: feedback.add_problem(
        s, m, rid, f.get("text"), f.get("source", "manual")
    ),
    "problem_update": lambda s, m, rid, f: feedback.update_problem(
        s, m, f.get("id", type=int), f.get("text")
    ),
    "problem_delete": lambda s, m, rid, f: feedback.delete_problem(s, m, f.get("id", type=int)),
    "rect_add": lambda s, m, rid, f: feedback.add_rectification(
        s, m, rid, f.get("item"), f.get("measure"), f.get("responsible"), f.get("deadline")
    ),
    "rect_update": lambda s, m, rid, f: feedback.update_rectification(
        s,
        m,
        f.get("id", type=int),
        f.get("item"),
        f.get("measure"),
        f.get("responsible"),
        f.get("deadline"),
    ),
    "rect_delete": lambda s, m, rid, f: feedback.delete_rectification(s, m, f.get("id", type=int)),
}


@bp.route("/meetings/<int:meeting_id>/feedback/<int:reporter_id>", methods=["POST"])
def feedback_action(meeting_id: int, reporter_id: int):
    meeting = load_meeting(meeting_id, guards.FEEDBACK)
    reporter = reporters.get_reporter(get_session(), meeting, reporter_id)
    action = FEEDBACK_ACTIONS.get(request.form.get("action", ""))
    if action is None:
        abort(400)
    attempt(lambda s: action(s, meeting, reporter.id, request.form), _l("Saved."))
    return redirect(
        url_for("reports.feedback_page", meeting_id=meeting.id, reporter_id=reporter.id)
    )


# --------------------------------------------------------------------------- letters

LETTERS = "letters"


@bp.route("/meetings/<int:meeting_id>/letters", methods=["GET", "POST"])
def letters_page(meeting_id: int):
    meeting = load_meeting(meeting_id, guards.FEEDBACK)
    session = get_session()
    if request.method == "POST":
        try:
            feedback.save_letter_settings(session, meeting, request.form)
            session.commit()
            flash(str(_l("Letter settings saved.")), "success")
        except DomainError as error:
            session.rollback()
            flash_error(error)
        return redirect(url_for("reports.letters_page", meeting_id=meeting.id))
    job = None
    if request.args.get("job"):
        if batches.reap(session, current_app.instance_path):
            session.commit()
        try:
            job = batches.view(batches.get_job(session, meeting, request.args["job"]))
        except DomainError as error:
            flash_error(error)
    return render_template(
        "reports/letters.html",
        meeting=meeting,
        settings=feedback.letter_settings(meeting),
        placeholders=feedback.PLACEHOLDERS,
        job=job,
    )


@bp.route("/meetings/<int:meeting_id>/letters/<int:reporter_id>.pdf")
def letter_pdf(meeting_id: int, reporter_id: int):
    """One letter, rendered now (the preview before printing)."""
    meeting = load_meeting(meeting_id, guards.FEEDBACK)
    session = get_session()
    reporter = reporters.get_reporter(session, meeting, reporter_id)
    data = current_data(meeting)
    context = letters.letter_context(session, meeting, data, reporter, date.today())
    rendered = render_pool().render("letter.html", context)
    filename = f"反馈意见书-{letters.safe_filename(reporter.name)}.pdf"
    response = file_response(filename, PDF, rendered.pdf, inline=True)
    response.headers["X-Pages"] = str(rendered.pages)
    return response


@bp.route("/meetings/<int:meeting_id>/letters/batch", methods=["POST"])
def letters_batch(meeting_id: int):
    """Start rendering every letter; the page polls the job for progress."""
    meeting = load_meeting(meeting_id, guards.FEEDBACK)
    session = get_session()
    batches.reap(session, current_app.instance_path)
    job = batches.create_job(session, meeting, LETTERS, current_user)
    session.commit()
    today = date.today()
    batches.start(
        current_app._get_current_object(),  # type: ignore[attr-defined]
        job.id,
        lambda s: letters.letter_items(s, meetings.get_meeting(s, meeting_id), today, _pause),
        render_pool(),
        socketio.start_background_task,
        merge_as="batch.pdf",
        pad_odd=feedback.letter_settings(meeting)["duplex"],
    )
    return redirect(url_for("reports.letters_page", meeting_id=meeting.id, job=job.id))


@bp.route("/meetings/<int:meeting_id>/letters/jobs/<job_id>")
def letters_job(meeting_id: int, job_id: str):
    meeting = load_meeting(meeting_id, guards.FEEDBACK)
    session = get_session()
    if batches.reap(session, current_app.instance_path):
        session.commit()
    try:
        job = batches.get_job(session, meeting, job_id)
    except DomainError as error:
        return jsonify(status="missing", error=str(error.message)), 404
    return jsonify(batches.view(job))


@bp.route("/meetings/<int:meeting_id>/letters/jobs/<job_id>/batch.pdf")
def letters_job_pdf(meeting_id: int, job_id: str):
    meeting = load_meeting(meeting_id, guards.FEEDBACK)
    job = batches.get_job(get_session(), meeting, job_id)
    path = batches.output_path(current_app.instance_path, job)
    if path is None:
        abort(404)
    return file_response(f"反馈意见书-{meeting.id}.pdf", PDF, path=path)
