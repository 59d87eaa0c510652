"""Reporters: list, add, edit, reorder, report uploads, import with preview."""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from flask import (
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

from ... import guards, reporters
from ...db import get_session
from ...errors import DomainError, Invalid
from ..common import XLSX, attempt, file_response, flash_error, load_meeting
from ..forms import attempt_form
from . import bp


def report_folder() -> Path:
    return Path(current_app.instance_path) / "reports"


IMPORT_KEEP_SECONDS = 24 * 3600


def import_folder() -> Path:
    """Uploads waiting for the organiser's confirmation; those older than a day are removed."""
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - IMPORT_KEEP_SECONDS
    for old in folder.glob("*.upload"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    return folder


def _reporter_form(meeting) -> reporters.ReporterData:
    scores = {}
    for component in meeting.scheme.get("components") or []:
        text = request.form.get("component_" + component["key"], "").strip()
        if text:
            try:
                value = float(text)
            except ValueError as exc:
                raise Invalid(
                    _l(
                        "%(label)s must be a number, not %(value)s.",
                        label=component["name"],
                        value=text,
                    ),
                    field="component_" + component["key"],
                ) from exc
            if not 0 <= value <= 100:
                raise Invalid(
                    _l("%(label)s must be between 0 and 100.", label=component["name"]),
                    field="component_" + component["key"],
                )
            scores[component["key"]] = value
    return reporters.ReporterData(
        name=request.form.get("name", ""),
        title=request.form.get("title", ""),
        unit=request.form.get("unit", ""),
        on_site=request.form.get("on_site") == "1",
        component_scores=scores,
        report_text=request.form.get("report_text", ""),
    )


def _form_text() -> dict[str, str]:
    """Words forms.js shows (leaving a form with unsaved changes)."""
    return {"leave": str(_l("The changes are not saved yet. Leave the page anyway?"))}


@bp.route("/meetings/<int:meeting_id>/reporters")
def reporter_list(meeting_id: int):
    meeting = load_meeting(meeting_id)
    return render_template(
        "organiser/reporters.html", meeting=meeting, typed={}, problems={}, text=_form_text()
    )


@bp.route("/meetings/<int:meeting_id>/reporters/add", methods=["POST"])
def reporter_add(meeting_id: int):
    meeting = load_meeting(meeting_id, guards.SETUP)
    problems = attempt_form(
        lambda s: reporters.add_reporter(s, meeting, _reporter_form(meeting)),
        _l("Reporter added."),
    )
    if problems is None:
        return redirect(url_for("organiser.reporter_list", meeting_id=meeting.id))
    # refused: the list again, with the add form as typed and the reason beside the field
    return render_template(
        "organiser/reporters.html",
        meeting=meeting,
        typed=request.form,
        problems=problems,
        text=_form_text(),
    )


@bp.route("/meetings/<int:meeting_id>/reporters/<int:reporter_id>", methods=["GET", "POST"])
def reporter_edit(meeting_id: int, reporter_id: int):
    meeting = load_meeting(meeting_id, guards.SETUP)
    reporter = reporters.get_reporter(get_session(), meeting, reporter_id)
    problems: dict[str, str] = {}
    if request.method == "POST":

        def save(session):
            reporters.update_reporter(session, reporter, _reporter_form(meeting))
            upload = request.files.get("report_pdf")
            if upload and upload.filename:
                try:
                    reporters.store_report_pdf(
                        session, reporter, upload.read(), upload.filename, report_folder()
                    )
                except DomainError as error:
                    error.detail.setdefault("field", "report_pdf")
                    raise
            if request.form.get("remove_pdf") == "1":
                reporters.remove_report_pdf(session, reporter, report_folder())

        refused = attempt_form(save, _l("Saved."))
        if refused is None:
            return redirect(url_for("organiser.reporter_list", meeting_id=meeting.id))
        problems = refused
        get_session().refresh(reporter)  # the form shows what was typed, not a half-edit
    return render_template(
        "organiser/reporter_form.html",
        meeting=meeting,
        reporter=reporter,
        typed=request.form if request.method == "POST" else {},
        problems=problems,
        text=_form_text(),
    )


@bp.route("/meetings/<int:meeting_id>/reporters/<int:reporter_id>/report.pdf")
def reporter_pdf(meeting_id: int, reporter_id: int):
    meeting = load_meeting(meeting_id)
    reporter = reporters.get_reporter(get_session(), meeting, reporter_id)
    if not reporter.report_file:
        abort(404)
    return file_response(
        reporter.report_filename or f"{reporter.name}.pdf",
        "application/pdf",
        path=report_folder() / reporter.report_file,
        inline=True,
    )


@bp.route("/meetings/<int:meeting_id>/reporters/<int:reporter_id>/delete", methods=["POST"])
def reporter_delete(meeting_id: int, reporter_id: int):
    meeting = load_meeting(meeting_id, guards.SETUP)
    reporter = reporters.get_reporter(get_session(), meeting, reporter_id)
    attempt(lambda s: reporters.delete_reporter(s, reporter), _l("Reporter removed."))
    return redirect(url_for("organiser.reporter_list", meeting_id=meeting.id))


@bp.route("/meetings/<int:meeting_id>/reporters/<int:reporter_id>/move", methods=["POST"])
def reporter_move(meeting_id: int, reporter_id: int):
    meeting = load_meeting(meeting_id, guards.SETUP)
    reporter = reporters.get_reporter(get_session(), meeting, reporter_id)
    offset = -1 if request.form.get("direction") == "up" else 1
    attempt(lambda s: reporters.move_reporter(s, reporter, offset))
    return redirect(url_for("organiser.reporter_list", meeting_id=meeting.id) + f"#r{reporter.id}")


@bp.route("/meetings/<int:meeting_id>/reporters/order", methods=["POST"])
def reporter_order(meeting_id: int):
    """Drag-and-drop order from the list page (form field ``order``: ids, comma-separated)."""
    meeting = load_meeting(meeting_id, guards.SETUP)
    try:
        ids = [int(x) for x in request.form.get("order", "").split(",") if x.strip()]
    except ValueError:
        ids = []
    session = get_session()
    try:
        reporters.reorder_reporters(session, meeting, ids)
        session.commit()
    except DomainError as error:
        session.rollback()
        return jsonify(ok=False, message=str(error.message)), error.status
    return jsonify(ok=True)


_KEY = re.compile(r"^[0-9a-f]{32}$")


def _import_path(meeting_id: int, key: str) -> Path:
    if not _KEY.match(key or ""):
        raise Invalid(_l("The upload has expired; please upload the file again."))
    return import_folder() / f"{meeting_id}-{key}.upload"


@bp.route("/meetings/<int:meeting_id>/reporters/import", methods=["GET", "POST"])
def reporter_import(meeting_id: int):
    meeting = load_meeting(meeting_id, guards.SETUP)
    if request.method == "GET":
        return render_template(
            "organiser/reporter_import.html",
            meeting=meeting,
            preview=None,
            columns=reporters.template_columns(meeting),
        )
    upload = request.files.get("file")
    replace = request.form.get("replace") == "1"
    if upload is None or not upload.filename:
        flash(str(_l("Choose a file to import.")), "error")
        return redirect(url_for("organiser.reporter_import", meeting_id=meeting.id))
    data = upload.read()
    try:
        preview = reporters.preview_import(meeting, data, replace=replace)
    except DomainError as error:
        flash_error(error)
        return redirect(url_for("organiser.reporter_import", meeting_id=meeting.id))
    key = secrets.token_hex(16)
    _import_path(meeting.id, key).write_bytes(data)
    return render_template(
        "organiser/reporter_import.html",
        meeting=meeting,
        preview=preview,
        key=key,
        filename=Path(upload.filename).name,
        columns=reporters.template_columns(meeting),
    )


@bp.route("/meetings/<int:meeting_id>/reporters/import/template.xlsx")
def reporter_import_template(meeting_id: int):
    """An .xlsx to fill in, with the columns the importer reads and an example row."""
    meeting = load_meeting(meeting_id)
    return file_response(
        str(_l("Reporter list template")) + ".xlsx",
        XLSX,
        data=reporters.template_xlsx(meeting),
    )


@bp.route("/meetings/<int:meeting_id>/reporters/import/confirm", methods=["POST"])
def reporter_import_confirm(meeting_id: int):
    meeting = load_meeting(meeting_id, guards.SETUP)
    replace = request.form.get("replace") == "1"
    try:
        path = _import_path(meeting.id, request.form.get("key", ""))
        if not path.exists():
            raise Invalid(_l("The upload has expired; please upload the file again."))
        data = path.read_bytes()
    except DomainError as error:
        flash_error(error)
        return redirect(url_for("organiser.reporter_import", meeting_id=meeting.id))

    def run(session):
        preview = reporters.preview_import(meeting, data, replace=replace)
        added = reporters.import_reporters(session, meeting, preview)
        flash(str(_l("%(n)d reporters imported.", n=len(added))), "success")

    imported = attempt(run)
    path.unlink(missing_ok=True)  # confirmed or refused: the upload is not kept
    if imported:
        return redirect(url_for("organiser.reporter_list", meeting_id=meeting.id))
    return redirect(url_for("organiser.reporter_import", meeting_id=meeting.id))
