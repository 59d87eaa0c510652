"""Delegate categories and the scoring scheme."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ... import guards, meetings, schemes
from ...db import get_session
from ...errors import DomainError
from ...scoring import SMALL_GROUP_MIN
from ..common import attempt, ensure, flash_error, load_meeting
from ..forms import attempt_form, field_of
from . import bp


def _category_field(error: DomainError) -> str | None:
    """The categories form's field an error is about: ``c<id>_<field>`` or ``total``."""
    field = field_of(error)
    category_id = error.detail.get("category_id")
    if field in ("name", "weight") and category_id is not None:
        return f"c{category_id}_{field}"
    return field if field == "total" else None


def _categories_page(meeting, problems=None, add_problems=None):
    """The categories page; after a refused save, with the values as typed."""
    typed = request.form if problems is not None else {}
    added = request.form if add_problems is not None else {}
    text = {
        "total": str(_l("Sum")),
        "unsaved": str(_l("Not saved")),
        "fractions": str(_l("Read as fractions: the save turns them into percentages.")),
        "leave": str(_l("The changes are not saved yet. Leave the page anyway?")),
    }
    return render_template(
        "organiser/categories.html",
        meeting=meeting,
        typed=typed,
        problems=problems or {},
        added=added,
        add_problems=add_problems or {},
        text=text,
    )


@bp.route("/meetings/<int:meeting_id>/categories", methods=["GET", "POST"])
def categories(meeting_id: int):
    meeting = load_meeting(meeting_id)
    if request.method == "POST":
        ensure(guards.SETUP)
        rows = []
        for category in meeting.categories:
            prefix = f"c{category.id}_"
            rows.append(
                (
                    category.id,
                    request.form.get(prefix + "name", ""),
                    request.form.get(prefix + "weight", ""),
                    request.form.get(prefix + "may_inquire") == "1",
                )
            )
        problems = attempt_form(
            lambda s: meetings.update_categories(s, meeting, rows),
            _l("Categories saved."),
            _category_field,
        )
        if problems is None:
            return redirect(url_for("organiser.categories", meeting_id=meeting.id))
        return _categories_page(meeting, problems=problems)
    return _categories_page(meeting)


@bp.route("/meetings/<int:meeting_id>/categories/add", methods=["POST"])
def category_add(meeting_id: int):
    meeting = load_meeting(meeting_id, guards.SETUP)
    problems = attempt_form(
        lambda s: meetings.add_category(
            s,
            meeting,
            request.form.get("name", ""),
            request.form.get("weight", "0"),
            request.form.get("may_inquire") == "1",
        ),
        _l("Category added. Check that the weights add up to 100%."),
    )
    if problems is None:
        return redirect(url_for("organiser.categories", meeting_id=meeting.id))
    return _categories_page(meeting, add_problems=problems)


@bp.route("/meetings/<int:meeting_id>/categories/<int:category_id>/delete", methods=["POST"])
def category_delete(meeting_id: int, category_id: int):
    meeting = load_meeting(meeting_id, guards.SETUP)
    attempt(lambda s: meetings.delete_category(s, meeting, category_id), _l("Category deleted."))
    return redirect(url_for("organiser.categories", meeting_id=meeting.id))


@bp.route("/meetings/<int:meeting_id>/categories/preset", methods=["POST"])
def category_preset(meeting_id: int):
    meeting = load_meeting(meeting_id, guards.SETUP)
    attempt(
        lambda s: meetings.apply_category_preset(s, meeting),
        _l("The five usual categories are set."),
    )
    return redirect(url_for("organiser.categories", meeting_id=meeting.id))


# the scheme form's fields that show their own problems beside them
SCHEME_FIELD_ERRORS = (
    "scale",
    "dimensions",
    "overall",
    "abstain",
    "top_quota_pct",
    "small_group_min",
    "quorum_pct",
    "components",
    "thresholds",
)


def scheme_form_values(data: dict) -> dict:
    """The scheme document as the text fields of the edit form."""
    return {
        "name": data.get("name", ""),
        "preset": data.get("preset") or "",
        "mode": data.get("mode", "grade"),
        "scale": schemes.format_scale(data.get("scale")),
        "dimensions": schemes.format_dimensions(data.get("dimensions") or []),
        "overall": data.get("overall", ""),
        "abstain": data.get("abstain") or "",
        "top_quota_pct": "" if data.get("top_quota_pct") is None else data["top_quota_pct"],
        "same_grade_invalid": data.get("same_grade_invalid"),
        "trim_extremes": data.get("trim_extremes"),
        "quorum_pct": data.get("quorum_pct", 50),
        "top_quota_scope": data.get("top_quota_scope") or "ballot",
        "small_group_min": data.get("small_group_min") or SMALL_GROUP_MIN,
        "assessment_name": data.get("assessment_name", ""),
        "components": schemes.format_components(data.get("components") or []),
        "thresholds": schemes.format_thresholds(data.get("thresholds") or []),
    }


@bp.route("/meetings/<int:meeting_id>/scheme", methods=["GET", "POST"])
def scheme(meeting_id: int):
    meeting = load_meeting(meeting_id)
    session = get_session()
    values = scheme_form_values(meeting.scheme)
    problems: dict[str, Any] = {}
    loaded = False  # a preset loaded into the form, not yet saved
    if request.method == "POST":
        ensure(guards.SETUP)
        values = dict(request.form)
        try:
            data = schemes.scheme_from_form(request.form)
            meetings.save_scheme(session, meeting, data, current_user)
            session.commit()
        except DomainError as error:
            session.rollback()
            field = field_of(error)
            by_field = error.detail.get("fields") or {}
            if field:  # beside the field that cannot be read
                problems[field] = str(error.message)
            elif error.status == 400:
                # every problem at once: beside its field where the form shows one, the
                # rest listed beside the save button
                shown = [key for key in by_field if key in SCHEME_FIELD_ERRORS]
                for key in shown:
                    problems[key] = " ".join(str(p) for p in by_field[key])
                rest = [
                    str(p) for key, items in by_field.items() if key not in shown for p in items
                ]
                if not by_field:
                    rest = [str(p) for p in error.detail.get("problems", [])]
                if rest:
                    problems["scheme"] = [str(error.message), *rest]
                else:
                    count = sum(len(by_field[key]) for key in shown)
                    problems["scheme"] = [
                        str(
                            _l(
                                "The scheme is not saved: %(n)d problems are marked at their fields.",
                                n=count,
                            )
                        )
                    ]
            else:
                flash_error(error)
        else:
            flash(str(_l("Scheme saved.")), "success")
            return redirect(url_for("organiser.scheme", meeting_id=meeting.id))
    elif request.args.get("preset") in schemes.PRESETS:
        values = scheme_form_values(schemes.preset(request.args["preset"]))
        loaded = True
    locked = None
    try:
        meetings.ensure_scheme_editable(session, meeting)
    except DomainError as error:
        locked = str(error.message)
    weights_problem = None
    try:
        schemes.validate_weights([(c.name, c.weight) for c in meeting.categories])
    except DomainError as error:
        weights_problem = str(error.message)
    return render_template(
        "organiser/scheme.html",
        meeting=meeting,
        values=values,
        presets=schemes.PRESETS,
        locked=locked,
        weights_problem=weights_problem,
        problems=problems,
        dirty=loaded or bool(problems),
        loaded=values.get("name") if loaded else None,
        text={
            "unsaved": str(_l("Not saved")),
            "leave": str(_l("The changes are not saved yet. Leave the page anyway?")),
        },
    )
