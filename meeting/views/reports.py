"""Results, publishing, tally sheets, exports and the archive, feedback lists, letters."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import Session

from .. import (
    archive,
    batches,
    errors,
    exports,
    feedback,
    guards,
    letters,
    meetings,
    pushing,
    reporters,
    results,
    rounds,
)
from ..db import get_session
from ..errors import DomainError
from ..extensions import socketio
from ..models import CLOSED, CLOSED_ROUND, LIVE, Meeting, utcnow
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


def _app() -> Any:
    return current_app._get_current_object()  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- results


@bp.route("/meetings/<int:meeting_id>/results")
def results_page(meeting_id: int):
    meeting = load_meeting(meeting_id, guards.RESULTS)
    session = get_session()
    data = current_data(meeting)
    header, rows = exports.summary_display_rows(data)
    order = _page_columns(len(header))
    kinds = exports.summary_kinds(data)
    scoring_now = "、".join(r["name"] for r in data["reporters"] if r["status"] == "scoring")
    job = _job_view(meeting, request.args.get("archive"))
    return render_template(
        "reports/results.html",
        meeting=meeting,
        data=data,
        header=[header[i] for i in order],
        rows=[[row[i] for i in order] for row in rows],
        kinds=[kinds[i] for i in order],
        published=meeting.published or {},
        levels=PUBLISH_LABELS,
        records=exports.list_records(session, meeting),
        notes=exports.notes,
        verification=results.verification_code(session, meeting),
        rescore_possible=meeting.status == LIVE
        and rounds.get_open_round(session, meeting.id) is None,
        scoring_now=scoring_now,
        job=job,
    )


def _page_columns(count: int) -> list[int]:
    """The summary's columns in the order the results page shows them.

    The same cells as the exports (one aggregation path), but what a reader looks for
    comes first: rank, name, final grade, final score, then the details, notes last.
    The exports keep the printed order of the 汇总表.
    """
    grade, final, notes = count - 2, count - 3, count - 1
    return [0, 1, grade, final, *range(2, final), notes]


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


@bp.route("/meetings/<int:meeting_id>/results/rescore", methods=["POST"])
def rescore(meeting_id: int):
    """Open a new round for the reporters whose result missed the quorum."""
    meeting = load_meeting(meeting_id, guards.RUN)
    if attempt(
        lambda s: rounds.rescore_void_results(s, meeting, current_user),
        _l("A new scoring round is open for the reporters whose result was not valid."),
    ):
        pushing.mark_changed(meeting.id)
        return redirect(url_for("organiser.console", meeting_id=meeting.id))
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
    code = results.verification_code(get_session(), meeting)
    data = exports.summary_xlsx(current_data(meeting), code)
    return _download(meeting, "summary.xlsx", exports.filename(meeting, "summary.xlsx"), data, XLSX)


@bp.route("/meetings/<int:meeting_id>/results/summary.pdf")
def summary_pdf(meeting_id: int):
    meeting = load_meeting(meeting_id, guards.RESULTS)
    code = results.verification_code(get_session(), meeting)
    context = exports.summary_context(current_data(meeting), code)
    rendered = render_pool().render("summary.html", context)
    filename = exports.filename(meeting, "summary.pdf")
    return _download(meeting, "summary.pdf", filename, rendered.pdf or b"", PDF, inline=True)


@bp.route("/meetings/<int:meeting_id>/results/ballots.csv")
def ballots_csv(meeting_id: int):
    meeting = load_meeting(meeting_id, guards.RESULTS)
    data = exports.raw_csv(get_session(), meeting)
    return _download(
        meeting, "ballots.csv", exports.filename(meeting, "ballots.csv"), data, "text/csv"
    )


@bp.route("/meetings/<int:meeting_id>/results/ballots.xlsx")
def ballots_xlsx(meeting_id: int):
    meeting = load_meeting(meeting_id, guards.RESULTS)
    data = exports.raw_xlsx(get_session(), meeting)
    return _download(meeting, "ballots.xlsx", exports.filename(meeting, "ballots.xlsx"), data, XLSX)


@bp.route("/meetings/<int:meeting_id>/rounds/<int:round_id>/tally.pdf")
def tally_pdf(meeting_id: int, round_id: int):
    """The tally sheet (计票结果报告单) of a closed round, to sign."""
    meeting = load_meeting(meeting_id, guards.RUN)
    session = get_session()
    scoring_round = rounds.get_round(session, meeting, round_id)
    if scoring_round.status != CLOSED_ROUND:
        # it counts valid and invalid ballots: while the round is open that would pair
        # with the console's list of who has voted
        raise errors.Conflict(_l("The tally sheet is made when the round has closed."))
    context = archive.tally_context(session, meeting, scoring_round)
    rendered = render_pool().render("tally.html", context)
    filename = exports.filename(meeting, f"tally-{scoring_round.id}.pdf")
    return _download(meeting, "tally.pdf", filename, rendered.pdf or b"", PDF, inline=True)


@bp.route("/meetings/<int:meeting_id>/results/archive", methods=["POST"])
def archive_start(meeting_id: int):
    """Start making the whole archive (exports, tally sheets, letters) as one zip."""
    meeting = load_meeting(meeting_id, guards.RESULTS)
    job = _start(meeting, archive.ARCHIVE)
    app = _app()
    organiser_id = current_user.id

    def finish(session: Session, job_row: Any, folder: Path) -> None:
        archive.build_zip(session, meetings.get_meeting(session, meeting.id), job_row, folder)
        archive.record_zip(session, meeting.id, organiser_id, job_row, folder)

    _run(app, job, lambda s: archive.archive_items(s, meeting.id, _pause), on_done=finish)
    return redirect(url_for("reports.results_page", meeting_id=meeting.id, archive=job.id))


# --------------------------------------------------------------------------- jobs


def _start(meeting: Meeting, kind: str) -> Any:
    """A new job row for this meeting (jobs of processes that stopped are reaped first)."""
    session = get_session()
    batches.reap(session, current_app.instance_path)
    job = batches.create_job(session, meeting, kind, current_user)
    session.commit()
    return job


def _run(app: Any, job: Any, prepare: Any, **options: Any) -> None:
    batches.start(app, job.id, prepare, render_pool(), socketio.start_background_task, **options)


def _job_view(meeting: Meeting, job_id: str | None) -> dict[str, Any] | None:
    if not job_id:
        return None
    session = get_session()
    if batches.reap(session, current_app.instance_path):
        session.commit()
    try:
        return batches.view(batches.get_job(session, meeting, job_id))
    except DomainError as error:
        flash_error(error)
        return None


@bp.route("/meetings/<int:meeting_id>/jobs/<job_id>")
def job_state(meeting_id: int, job_id: str):
    meeting = load_meeting(meeting_id, guards.VIEW)
    session = get_session()
    if batches.reap(session, current_app.instance_path):
        session.commit()
    try:
        job = batches.get_job(session, meeting, job_id)
    except DomainError as error:
        return jsonify(status="missing", error=str(error.message)), 404
    guards.ensure_can(current_user, JOB_CAPABILITY.get(job.kind, guards.FEEDBACK))
    return jsonify(batches.view(job))


@bp.route("/meetings/<int:meeting_id>/jobs/<job_id>/file")
def job_file(meeting_id: int, job_id: str):
    meeting = load_meeting(meeting_id, guards.VIEW)
    job = batches.get_job(get_session(), meeting, job_id)
    guards.ensure_can(current_user, JOB_CAPABILITY.get(job.kind, guards.FEEDBACK))
    path = batches.output_path(current_app.instance_path, job)
    if path is None:
        abort(404)
    zipped = path.suffix == ".zip"
    name = exports.filename(meeting, "archive.zip" if zipped else f"{job.kind}.pdf")
    return file_response(name, "application/zip" if zipped else PDF, path=path)


JOB_CAPABILITY = {archive.ARCHIVE: guards.RESULTS}


# --------------------------------------------------------------------------- feedback lists


def _feedback_page(meeting: Meeting, reporter_id: int, draft: Any = None, status: int = 200):
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
        locked=meeting.finalised_at is not None,
        draft=draft or {},
    ), status


@bp.route("/meetings/<int:meeting_id>/feedback/<int:reporter_id>")
def feedback_page(meeting_id: int, reporter_id: int):
    return _feedback_page(load_meeting(meeting_id, guards.FEEDBACK), reporter_id)


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
    """One change to a list; a refused change shows the page again with what was typed."""
    meeting = load_meeting(meeting_id, guards.FEEDBACK)
    reporter = reporters.get_reporter(get_session(), meeting, reporter_id)
    action = FEEDBACK_ACTIONS.get(request.form.get("action", ""))
    if action is None:
        abort(400)
    if attempt(lambda s: action(s, meeting, reporter.id, request.form), _l("Saved.")):
        return redirect(
            url_for("reports.feedback_page", meeting_id=meeting.id, reporter_id=reporter.id)
        )
    return _feedback_page(meeting, reporter.id, draft=request.form, status=400)


# --------------------------------------------------------------------------- letters


def _letters_page(meeting: Meeting, draft: Any = None, status: int = 200):
    session = get_session()
    settings = feedback.letter_settings(meeting)
    if draft:  # a refused save: show what was typed, not what is stored
        settings = dict(settings, **{k: draft.get(k, settings[k]) for k in FORM_FIELDS})
        settings["wording"] = {
            grade: draft.get(f"wording_{i}", text)
            for i, (grade, text) in enumerate(settings["wording"].items())
        }
        settings["show_rank"] = draft.get("show_rank") == "1"
        settings["duplex"] = draft.get("duplex") == "1"
    job = _job_view(meeting, request.args.get("job"))
    return render_template(
        "reports/letters.html",
        meeting=meeting,
        settings=settings,
        placeholders=feedback.PLACEHOLDERS,
        job=job,
        issued=letters.issued_letters(session, meeting),
        locked=meeting.finalised_at is not None,
        can_finalise=meeting.status == CLOSED and meeting.finalised_at is None,
    ), status


FORM_FIELDS = ("title", "number", "signoff", "date", "report_due", "void_wording")


@bp.route("/meetings/<int:meeting_id>/letters", methods=["GET", "POST"])
def letters_page(meeting_id: int):
    meeting = load_meeting(meeting_id, guards.FEEDBACK)
    if request.method == "POST":
        if attempt(
            lambda s: feedback.save_letter_settings(s, meeting, request.form),
            _l("Letter settings saved."),
        ):
            return redirect(url_for("reports.letters_page", meeting_id=meeting.id))
        return _letters_page(meeting, draft=request.form, status=400)
    return _letters_page(meeting)


@bp.route("/meetings/<int:meeting_id>/letters/<int:reporter_id>.pdf")
def letter_pdf(meeting_id: int, reporter_id: int):
    """One letter: as finalised (the recorded file), or rendered now (the preview)."""
    meeting = load_meeting(meeting_id, guards.FEEDBACK)
    session = get_session()
    reporter = reporters.get_reporter(session, meeting, reporter_id)
    filename = f"反馈意见书-{letters.safe_filename(reporter.name)}.pdf"
    issued = {row.reporter_id: row for row in letters.issued_letters(session, meeting)}
    if reporter.id in issued:
        row = issued[reporter.id]
        response = file_response(
            filename, PDF, path=Path(current_app.instance_path) / row.file, inline=True
        )
        response.headers["X-Content-SHA256"] = row.sha256
        response.headers["X-Pages"] = str(row.pages)
        return response
    data = current_data(meeting)
    code = results.verification_code(session, meeting)
    context = letters.letter_context(session, meeting, data, reporter, date.today(), code)
    rendered = render_pool().render("letter.html", context)
    response = file_response(filename, PDF, rendered.pdf, inline=True)
    response.headers["X-Pages"] = str(rendered.pages)
    return response


@bp.route("/meetings/<int:meeting_id>/letters/batch", methods=["POST"])
def letters_batch(meeting_id: int):
    """Start rendering every letter; the page polls the job for progress."""
    meeting = load_meeting(meeting_id, guards.FEEDBACK)
    job = _start(meeting, letters.LETTERS)
    today = date.today()
    _run(
        _app(),
        job,
        lambda s: letters.letter_items(s, meetings.get_meeting(s, meeting_id), today, _pause),
        merge_as="batch.pdf",
        pad_odd=feedback.letter_settings(meeting)["duplex"],
    )
    return redirect(url_for("reports.letters_page", meeting_id=meeting.id, job=job.id))


@bp.route("/meetings/<int:meeting_id>/letters/finalise", methods=["POST"])
def letters_finalise(meeting_id: int):
    """定稿: render every letter once more, record each file's SHA-256, lock the feedback."""
    meeting = load_meeting(meeting_id, guards.FEEDBACK)
    try:
        letters.ensure_finalisable(meeting)
    except DomainError as error:
        flash_error(error)
        return redirect(url_for("reports.letters_page", meeting_id=meeting.id))
    job = _start(meeting, letters.FINAL)
    today = date.today()
    instance = current_app.instance_path

    def finish(session: Session, job_row: Any, folder: Path) -> None:
        target = meetings.get_meeting(session, meeting_id)
        letters.record_final(session, target, job_row, folder, instance)

    _run(
        _app(),
        job,
        lambda s: letters.letter_items(s, meetings.get_meeting(s, meeting_id), today, _pause),
        merge_as="batch.pdf",
        pad_odd=feedback.letter_settings(meeting)["duplex"],
        on_done=finish,
    )
    return redirect(url_for("reports.letters_page", meeting_id=meeting.id, job=job.id))


@bp.route("/meetings/<int:meeting_id>/letters/withdraw", methods=["POST"])
def letters_withdraw(meeting_id: int):
    meeting = load_meeting(meeting_id, guards.FEEDBACK)
    attempt(
        lambda s: letters.withdraw_final(s, meeting, request.form.get("reason", ""), current_user),
        _l("The finalisation is withdrawn; the letters can be corrected."),
    )
    return redirect(url_for("reports.letters_page", meeting_id=meeting.id))
