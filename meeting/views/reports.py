"""Results, publishing, exports, problem and rectification lists, feedback letters."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

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
    send_file,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from .. import exports, feedback, letters, live, meetings, pdf, reporters, results
from ..db import get_session
from ..errors import DomainError
from ..extensions import socketio
from ..models import utcnow
from .organiser import attempt, ensure_admin, flash_error

bp = Blueprint("reports", __name__)


@bp.before_request
@login_required
def _require_login() -> None:
    return None


def load(meeting_id: int):  # type: ignore[no-untyped-def]
    return meetings.get_meeting(get_session(), meeting_id)


def render_pool() -> pdf.RenderPool:
    return pdf.pool(current_app.config["RENDER_WORKERS"])


def _pause() -> None:
    socketio.sleep(0)  # let live events through during a long computation


def current_data(meeting) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return results.results_data(results.compute_results(get_session(), meeting, _pause), _pause)


# --------------------------------------------------------------------------- results


@bp.route("/meetings/<int:meeting_id>/results")
def results_page(meeting_id: int):  # type: ignore[no-untyped-def]
    meeting = load(meeting_id)
    data = current_data(meeting)
    header, rows = exports.summary_rows(data)
    return render_template(
        "reports/results.html",
        meeting=meeting,
        data=data,
        header=header,
        rows=rows,
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
def publish(meeting_id: int):  # type: ignore[no-untyped-def]
    ensure_admin()
    meeting = load(meeting_id)
    level = request.form.get("level", "none")
    data = current_data(meeting) if level != "none" else {}
    now = utcnow().isoformat(timespec="seconds")
    if attempt(
        lambda s: results.publish(s, meeting, level, data, now),
        _l("The projector shows: %(level)s.", level=PUBLISH_LABELS.get(level, level)),
    ):
        live.mark_changed(meeting.id)
    return redirect(url_for("reports.results_page", meeting_id=meeting.id))


def file_response(data: bytes, filename: str, mimetype: str, inline: bool = False) -> Response:
    """Bytes as a download (or shown in the browser) under a Chinese file name."""
    response = Response(data, mimetype=mimetype)
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
    return response


def _download(  # type: ignore[no-untyped-def]
    meeting, kind: str, filename: str, data: bytes, mimetype: str, inline: bool = False
) -> Response:
    """An export, recorded with its SHA-256 (also sent as X-Content-SHA256)."""
    session = get_session()
    entry = exports.record(session, meeting, current_user, kind, filename, data)
    session.commit()
    response = file_response(data, filename, mimetype, inline)
    response.headers["X-Content-SHA256"] = entry.sha256
    return response


@bp.route("/meetings/<int:meeting_id>/results/summary.xlsx")
def summary_xlsx(meeting_id: int):  # type: ignore[no-untyped-def]
    meeting = load(meeting_id)
    data = exports.summary_xlsx(current_data(meeting))
    return _download(meeting, "summary.xlsx", f"测评结果汇总表-{meeting.id}.xlsx", data, XLSX)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/meetings/<int:meeting_id>/results/summary.pdf")
def summary_pdf(meeting_id: int):  # type: ignore[no-untyped-def]
    meeting = load(meeting_id)
    data = current_data(meeting)
    header, rows = exports.summary_rows(data)
    numeric_columns = [i for i, h in enumerate(header) if i == 0 or 4 <= i < len(header) - 2]
    context = {
        "stylesheets": ["summary.css"],
        "title": meeting.title,
        "organ": meeting.organ_name,
        "held_on": data["meeting"]["held_on"],
        "header": header,
        "rows": [[str(c) for c in row] for row in rows],
        "numeric_columns": numeric_columns,
        "footnotes": data["footnotes"],
    }
    rendered = render_pool().render("summary.html", context)
    return _download(
        meeting,
        "summary.pdf",
        f"测评结果汇总表-{meeting.id}.pdf",
        rendered.pdf or b"",
        "application/pdf",
        inline=True,
    )


@bp.route("/meetings/<int:meeting_id>/results/ballots.csv")
def ballots_csv(meeting_id: int):  # type: ignore[no-untyped-def]
    meeting = load(meeting_id)
    data = exports.raw_csv(get_session(), meeting)
    return _download(meeting, "ballots.csv", f"原始测评数据-{meeting.id}.csv", data, "text/csv")


@bp.route("/meetings/<int:meeting_id>/results/ballots.xlsx")
def ballots_xlsx(meeting_id: int):  # type: ignore[no-untyped-def]
    meeting = load(meeting_id)
    data = exports.raw_xlsx(get_session(), meeting)
    return _download(meeting, "ballots.xlsx", f"原始测评数据-{meeting.id}.xlsx", data, XLSX)


# --------------------------------------------------------------------------- feedback lists


@bp.route("/meetings/<int:meeting_id>/feedback/<int:reporter_id>")
def feedback_page(meeting_id: int, reporter_id: int):  # type: ignore[no-untyped-def]
    meeting = load(meeting_id)
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
def feedback_action(meeting_id: int, reporter_id: int):  # type: ignore[no-untyped-def]
    meeting = load(meeting_id)
    reporter = reporters.get_reporter(get_session(), meeting, reporter_id)
    action = FEEDBACK_ACTIONS.get(request.form.get("action", ""))
    if action is None:
        abort(400)
    attempt(lambda s: action(s, meeting, reporter.id, request.form), _l("Saved."))
    return redirect(
        url_for("reports.feedback_page", meeting_id=meeting.id, reporter_id=reporter.id)
    )


# --------------------------------------------------------------------------- letters


@bp.route("/meetings/<int:meeting_id>/letters", methods=["GET", "POST"])
def letters_page(meeting_id: int):  # type: ignore[no-untyped-def]
    meeting = load(meeting_id)
    session = get_session()
    if request.method == "POST":
        ensure_admin()
        try:
            feedback.save_letter_settings(session, meeting, request.form)
            session.commit()
            flash(str(_l("Letter settings saved.")), "success")
        except DomainError as error:
            session.rollback()
            flash_error(error)
        return redirect(url_for("reports.letters_page", meeting_id=meeting.id))
    job = letters.get_job(request.args.get("job", ""))
    return render_template(
        "reports/letters.html",
        meeting=meeting,
        settings=feedback.letter_settings(meeting),
        placeholders=feedback.PLACEHOLDERS,
        job=job if job and job.meeting_id == meeting.id else None,
    )


@bp.route("/meetings/<int:meeting_id>/letters/<int:reporter_id>.pdf")
def letter_pdf(meeting_id: int, reporter_id: int):  # type: ignore[no-untyped-def]
    """One letter, rendered now (the preview before printing)."""
    meeting = load(meeting_id)
    session = get_session()
    reporter = reporters.get_reporter(session, meeting, reporter_id)
    data = current_data(meeting)
    context = letters.letter_context(session, meeting, data, reporter, date.today())
    rendered = render_pool().render("letter.html", context)
    filename = f"反馈意见书-{letters.safe_filename(reporter.name)}.pdf"
    response = file_response(rendered.pdf or b"", filename, "application/pdf", inline=True)
    response.headers["X-Pages"] = str(rendered.pages)
    return response


@bp.route("/meetings/<int:meeting_id>/letters/batch", methods=["POST"])
def letters_batch(meeting_id: int):  # type: ignore[no-untyped-def]
    """Start rendering every letter; the page polls the job for progress."""
    meeting = load(meeting_id)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    job = letters.new_job(meeting.id, Path(app.instance_path) / "letters")
    duplex = feedback.letter_settings(meeting)["duplex"]
    pool = render_pool()

    def run() -> None:
        with app.app_context():
            try:
                session = get_session()
                contexts = letters.letter_contexts(
                    session, meetings.get_meeting(session, meeting.id), date.today(), _pause
                )
                session.rollback()
                letters.run_batch(job, contexts, pool, socketio.start_background_task, duplex)
            except Exception as exc:  # shown to the organiser on the progress line
                app.logger.exception("letter batch failed")
                job.status, job.error = "failed", str(exc)

    socketio.start_background_task(run)
    return redirect(url_for("reports.letters_page", meeting_id=meeting.id, job=job.id))


@bp.route("/meetings/<int:meeting_id>/letters/jobs/<job_id>")
def letters_job(meeting_id: int, job_id: str):  # type: ignore[no-untyped-def]
    job = letters.get_job(job_id)
    if job is None or job.meeting_id != meeting_id:
        return jsonify(
            status="missing", error=str(_l("This batch is no longer known; start it again."))
        ), 404
    return jsonify(job.as_dict())


@bp.route("/meetings/<int:meeting_id>/letters/jobs/<job_id>/batch.pdf")
def letters_job_pdf(meeting_id: int, job_id: str):  # type: ignore[no-untyped-def]
    job = letters.get_job(job_id)
    if job is None or job.meeting_id != meeting_id or job.status != "done":
        abort(404)
    return send_file(
        job.folder / "batch.pdf",
        mimetype="application/pdf",
        download_name=f"反馈意见书-{meeting_id}.pdf",
    )
