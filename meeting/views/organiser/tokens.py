"""Ballot slips: generate per category, revoke and replace, print as PDF."""

from __future__ import annotations

import time

from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ... import guards, pushing, tokens
from ...db import get_session
from ...errors import Invalid, NotFound
from ...models import ACTIVE, DRAFT, BallotToken, Meeting
from ...network import public_base_url
from ..common import PDF, attempt, file_response, load_meeting, render_pool
from . import bp


def base_url() -> str:
    return public_base_url(current_app.config.get("PUBLIC_URL"), request.host_url)


# A replacement slip issued during the meeting can be printed for this long, in the
# session that issued it; after that its code is never shown again.
FRESH_SECONDS = 15 * 60


def _fresh() -> dict[str, float]:
    """Replacement slips this session may still print: token id -> until (epoch s)."""
    now = time.time()
    fresh = {k: v for k, v in (session.get("fresh_slips") or {}).items() if v > now}
    session["fresh_slips"] = fresh
    return fresh


def _printable(meeting: Meeting, token: BallotToken) -> bool:
    """Codes are printed before the meeting; during it, only a replacement just issued."""
    return meeting.status == DRAFT or str(token.id) in _fresh()


@bp.route("/meetings/<int:meeting_id>/tokens")
def token_list(meeting_id: int):
    meeting = load_meeting(meeting_id, guards.SETUP)
    db = get_session()
    items = tokens.list_tokens(db, meeting)
    by_category = {c.id: [t for t in items if t.category_id == c.id] for c in meeting.categories}
    replaced = set(tokens.successors(db, meeting.id, {t.id for t in items if t.status != ACTIVE}))
    return render_template(
        "organiser/tokens.html",
        meeting=meeting,
        by_category=by_category,
        replaced=replaced,
        base_url=base_url(),
        shown_code=lambda t: (
            tokens.format_code(t.code) if _printable(meeting, t) else tokens.masked_code(t.code)
        ),
        printable=lambda t: _printable(meeting, t),
    )


@bp.route("/meetings/<int:meeting_id>/tokens/generate", methods=["POST"])
def token_generate(meeting_id: int):
    meeting = load_meeting(meeting_id, guards.SETUP)
    category = next(
        (c for c in meeting.categories if str(c.id) == request.form.get("category_id")), None
    )

    def run(session):
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
def token_revoke(meeting_id: int, token_id: int):
    meeting = load_meeting(meeting_id, guards.SETUP)
    token = tokens.get_token(get_session(), meeting, token_id)
    replace = request.form.get("replace") == "1"
    result: dict[str, BallotToken | None] = {}

    def run(session):
        result["new"] = tokens.revoke_token(session, token, replace=replace, organiser=current_user)

    if attempt(run, _l("Slip revoked.")):
        pushing.notify_token_revoked(
            token.id, str(_l("This slip has been revoked. Please ask the staff for a new slip."))
        )
        pushing.mark_changed(meeting.id)
    issued = result.get("new")
    if issued is not None:
        session["fresh_slips"] = dict(_fresh(), **{str(issued.id): time.time() + FRESH_SECONDS})
        return redirect(
            url_for("organiser.token_list", meeting_id=meeting.id, issued=issued.id)
            + f"#t{issued.id}"
        )
    return redirect(url_for("organiser.token_list", meeting_id=meeting.id))


@bp.route("/meetings/<int:meeting_id>/tokens/slips.pdf")
def token_slips(meeting_id: int):
    meeting = load_meeting(meeting_id, guards.SETUP)
    items = [t for t in tokens.list_tokens(get_session(), meeting) if t.status == ACTIVE]
    items = [t for t in items if _printable(meeting, t)]
    if meeting.status != DRAFT and not items:
        raise NotFound(
            _l(
                "The meeting has started: slips are no longer shown or printed. A replacement slip can be printed right after it is issued."
            )
        )
    category = request.args.get("category", type=int)
    if category:
        items = [t for t in items if t.category_id == category]
    only = request.args.get("token", type=int)
    if only:
        items = [t for t in items if t.id == only]
    if not items:
        raise NotFound(_l("There are no slips to print yet; generate them first."))
    rendered = render_pool().render("slips.html", tokens.slips_context(meeting, items, base_url()))
    return file_response(f"测评码-{meeting.id}.pdf", PDF, rendered.pdf, inline=True)


@bp.route("/meetings/<int:meeting_id>/tokens/join.pdf")
def token_join_page(meeting_id: int):
    """One A4 page with the join QR and address, to post at the door or beside the screen."""
    meeting = load_meeting(meeting_id)
    rendered = render_pool().render("join.html", tokens.join_context(meeting, base_url()))
    return file_response(f"扫码入口-{meeting.id}.pdf", PDF, rendered.pdf, inline=True)
