"""Ballot slips: generate per category, revoke and replace, print as PDF."""

from __future__ import annotations

from flask import Response, current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ... import pdf, tokens
from ...db import get_session
from ...errors import Invalid, NotFound
from ...models import ACTIVE, BallotToken, Meeting
from ...network import public_base_url
from . import admin_required, attempt, bp, load_meeting


def base_url() -> str:
    return public_base_url(current_app.config.get("PUBLIC_URL"), request.host_url)


@bp.route("/meetings/<int:meeting_id>/tokens")
@admin_required
def token_list(meeting_id: int):  # type: ignore[no-untyped-def]
    meeting = load_meeting(meeting_id)
    items = tokens.list_tokens(get_session(), meeting)
    by_category = {c.id: [t for t in items if t.category_id == c.id] for c in meeting.categories}
    return render_template(
        "organiser/tokens.html",
        meeting=meeting,
        by_category=by_category,
        base_url=base_url(),
        format_code=tokens.format_code,
    )


@bp.route("/meetings/<int:meeting_id>/tokens/generate", methods=["POST"])
@admin_required
def token_generate(meeting_id: int):  # type: ignore[no-untyped-def]
    meeting = load_meeting(meeting_id)
    category = next(
        (c for c in meeting.categories if str(c.id) == request.form.get("category_id")), None
    )

    def run(session):  # type: ignore[no-untyped-def]
        if category is None:
            raise NotFound(_l("This category does not exist."))
        try:
            count = int(request.form.get("count", ""))
        except ValueError as exc:
            raise Invalid(_l("Enter how many slips to generate.")) from exc
        tokens.generate_tokens(session, meeting, category, count, current_user)

    attempt(run, _l("Slips generated."))
    return redirect(url_for("organiser.token_list", meeting_id=meeting.id))


@bp.route("/meetings/<int:meeting_id>/tokens/<int:token_id>/revoke", methods=["POST"])
@admin_required
def token_revoke(meeting_id: int, token_id: int):  # type: ignore[no-untyped-def]
    meeting = load_meeting(meeting_id)
    token = tokens.get_token(get_session(), meeting, token_id)
    replace = request.form.get("replace") == "1"
    result = {}

    def run(session):  # type: ignore[no-untyped-def]
        result["new"] = tokens.revoke_token(session, token, replace=replace, organiser=current_user)

    if attempt(run, _l("Slip revoked.")):
        from ... import live

        live.notify_token_revoked(
            token.id, str(_l("This slip has been revoked. Please ask the staff for a new slip."))
        )
        live.mark_changed(meeting.id)
    if result.get("new") is not None:
        return redirect(
            url_for("organiser.token_list", meeting_id=meeting.id, issued=result["new"].id)
            + f"#t{result['new'].id}"
        )
    return redirect(url_for("organiser.token_list", meeting_id=meeting.id))


def slips_context(meeting: Meeting, items: list[BallotToken]) -> dict:
    """Plain data for reports/slips.html."""
    base = base_url()
    names = {c.id: c.name for c in meeting.categories}
    return {
        "title": meeting.title,
        "organ": meeting.organ_name,
        "join_url": base + "/j",
        "slips": [
            {
                "url": f"{base}/b/{t.secret}",
                "code": tokens.format_code(t.code),
                "category": names.get(t.category_id, ""),
                "serial": t.serial,
            }
            for t in items
        ],
        "stylesheets": ["slips.css"],
    }


def pdf_response(rendered: pdf.Rendered, filename: str) -> Response:
    response = Response(rendered.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"inline; filename={filename}"
    return response


@bp.route("/meetings/<int:meeting_id>/tokens/slips.pdf")
@admin_required
def token_slips(meeting_id: int):  # type: ignore[no-untyped-def]
    meeting = load_meeting(meeting_id)
    items = [t for t in tokens.list_tokens(get_session(), meeting) if t.status == ACTIVE]
    category = request.args.get("category", type=int)
    if category:
        items = [t for t in items if t.category_id == category]
    only = request.args.get("token", type=int)
    if only:
        items = [t for t in items if t.id == only]
    if not items:
        raise NotFound(_l("There are no slips to print yet; generate them first."))
    rendered = pdf.pool(current_app.config["RENDER_WORKERS"]).render(
        "slips.html", slips_context(meeting, items)
    )
    return pdf_response(rendered, f"slips-{meeting.id}.pdf")


@bp.route("/meetings/<int:meeting_id>/tokens/join.pdf")
def token_join_page(meeting_id: int):  # type: ignore[no-untyped-def]
    """One A4 page with the join QR and address, to post at the door or beside the screen."""
    meeting = load_meeting(meeting_id)
    context = {
        "title": meeting.title,
        "organ": meeting.organ_name,
        "join_url": base_url() + "/j",
        "stylesheets": ["slips.css"],
    }
    rendered = pdf.pool(current_app.config["RENDER_WORKERS"]).render("join.html", context)
    return pdf_response(rendered, f"join-{meeting.id}.pdf")
