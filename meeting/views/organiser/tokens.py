"""Ballot slips: the address phones use, generate per category, spare slips, revoke and
replace, print as PDF."""

from __future__ import annotations

import time
from typing import Any

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ... import guards, network, pushing, tokens
from ...db import get_session, run_transaction
from ...errors import DomainError, Invalid, NotFound
from ...extensions import socketio
from ...models import ACTIVE, DRAFT, BallotToken, Meeting
from ...models.tokens import SPARE
from ..common import PDF, attempt, file_response, load_meeting, render_pool
from . import bp


def address_context(meeting: Meeting) -> dict[str, Any]:
    """What the slips and pre-flight pages show about the address phones use."""
    configured = current_app.config.get("PUBLIC_URL")
    current = network.base_url_for(meeting)
    automatic = network.phone_base_url("", configured, request.host_url)
    # an address the "automatic" choice gives already is not offered twice
    choices = [
        url
        for url in network.suggestions(request.host_url)
        if url != automatic or url == meeting.public_url
    ]
    return {
        "base_url": current,
        "address_source": network.address_source(meeting.public_url, configured),
        "configured_url": (configured or "").rstrip("/"),
        "automatic_url": automatic,
        "address_choices": choices,
        "slips_out_of_date": network.slips_out_of_date(meeting, current),
    }


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
    return _slips_page(meeting)


def _slips_page(
    meeting: Meeting, problems: dict[str, str] | None = None, typed: dict[str, str] | None = None
) -> tuple[str, int]:
    """The slips page; ``problems`` (form -> message) are shown next to their form, which
    keeps what was typed (``typed``)."""
    db = get_session()
    items = tokens.list_tokens(db, meeting)
    by_category = {c.id: [t for t in items if t.category_id == c.id] for c in meeting.categories}
    replaced = set(tokens.successors(db, meeting.id, {t.id for t in items if t.status != ACTIVE}))
    spares = [t for t in items if t.status == SPARE]
    names = {c.id: c.name for c in meeting.categories}
    page = render_template(
        "organiser/tokens.html",
        meeting=meeting,
        by_category=by_category,
        replaced=replaced,
        spares=spares,
        spares_printable=any(_printable(meeting, t) for t in spares),
        in_use=[(t, names.get(t.category_id or 0, "")) for t in items if t.status == ACTIVE],
        problems=problems or {},
        typed=typed or {},
        shown_code=lambda t: (
            tokens.format_code(t.code) if _printable(meeting, t) else tokens.masked_code(t.code)
        ),
        printable=lambda t: _printable(meeting, t),
        **address_context(meeting),
    )
    return page, 400 if problems else 200


def _run_here(action, success, problem_key: str, meeting: Meeting, typed: dict[str, str]):
    """Run a domain action and commit; a refusal is shown next to the form that sent it."""
    try:
        result = run_transaction(action, socketio.sleep)
    except DomainError as error:
        get_session().rollback()
        return None, _slips_page(meeting, {problem_key: str(error.message)}, typed)
    if success:
        flash(str(success), "success")
    return result, None


@bp.route("/meetings/<int:meeting_id>/tokens/address", methods=["POST"])
def token_address(meeting_id: int):
    """Choose the address phones use (a detected one, or typed; empty = detect)."""
    meeting = load_meeting(meeting_id, guards.SETUP)
    chosen = request.form.get("choice", "")
    typed = request.form.get("typed", "") if chosen == "typed" else chosen
    if chosen == "detect":
        typed = ""

    def run(db):
        return network.set_public_url(db, meeting, typed, current_user)

    _, page = _run_here(
        run,
        _l("The address for phones is saved."),
        "address",
        meeting,
        {"address": request.form.get("typed", ""), "choice": chosen},
    )
    if page is not None:
        return page
    back = request.form.get("next")
    if back == "preflight":
        return redirect(url_for("organiser.preflight", meeting_id=meeting.id))
    return redirect(url_for("organiser.token_list", meeting_id=meeting.id) + "#address")


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


@bp.route("/meetings/<int:meeting_id>/tokens/spares", methods=["POST"])
def token_spares(meeting_id: int):
    """Generate spare slips (备用票); during the meeting they may be printed for a while."""
    meeting = load_meeting(meeting_id, guards.SETUP)
    typed = request.form.get("count", "")

    def run(db):
        try:
            count = int(typed)
        except ValueError as exc:
            raise Invalid(_l("Enter how many slips to generate.")) from exc
        return [t.id for t in tokens.generate_spares(db, meeting, count, current_user)]

    made, page = _run_here(run, _l("Spare slips generated."), "spares", meeting, {"spares": typed})
    if page is not None:
        return page
    if meeting.status != DRAFT:
        until = time.time() + FRESH_SECONDS
        session["fresh_slips"] = dict(_fresh(), **{str(i): until for i in made})
    return redirect(url_for("organiser.token_list", meeting_id=meeting.id))


@bp.route("/meetings/<int:meeting_id>/tokens/hand-out", methods=["POST"])
def token_hand_out(meeting_id: int):
    """Hand out a spare slip: in place of a lost slip, or for a category."""
    meeting = load_meeting(meeting_id, guards.SETUP)
    form = request.form
    typed = {k: form.get(k, "") for k in ("spare", "mode", "lost", "category")}
    lost_before: dict[str, Any] = {}

    def run(db):
        spare = _token_of(db, meeting, form.get("spare"))
        if spare is None or spare.status != SPARE:
            raise Invalid(_l("Choose the spare slip you hand out."))
        if form.get("mode") == "lost":
            lost = _token_of(db, meeting, form.get("lost"))
            if lost is None:
                raise Invalid(_l("Choose the lost slip it replaces."))
            lost_before["id"] = lost.id
            lost_before["active"] = lost.status == ACTIVE
            tokens.hand_out_spare(db, spare, lost=lost, organiser=current_user)
        else:
            category = next(
                (c for c in meeting.categories if str(c.id) == form.get("category")), None
            )
            if category is None:
                raise Invalid(_l("Choose the category of the delegate."))
            tokens.hand_out_spare(db, spare, category=category, organiser=current_user)
        return spare.serial

    serial, page = _run_here(run, None, "hand_out", meeting, typed)
    if page is not None:
        return page
    flash(str(_l("Spare slip No. %(serial)s is now in use.", serial=serial)), "success")
    if lost_before.get("active"):
        pushing.notify_token_revoked(
            lost_before["id"],
            str(_l("This slip has been revoked. Please ask the staff for a new slip.")),
        )
    pushing.mark_changed(meeting.id)
    return redirect(url_for("organiser.token_list", meeting_id=meeting.id))


def _token_of(db: Any, meeting: Meeting, value: object) -> BallotToken | None:
    try:
        return tokens.get_token(db, meeting, int(str(value)))
    except (ValueError, NotFound):
        return None


@bp.route("/meetings/<int:meeting_id>/tokens/slips.pdf")
def token_slips(meeting_id: int):
    meeting = load_meeting(meeting_id, guards.SETUP)
    items = [t for t in tokens.list_tokens(get_session(), meeting) if t.status in (ACTIVE, SPARE)]
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
    if request.args.get("spare"):
        items = [t for t in items if t.status == SPARE]
    only = request.args.get("token", type=int)
    if only:
        items = [t for t in items if t.id == only]
    if not items:
        raise NotFound(_l("There are no slips to print yet; generate them first."))
    address = network.base_url_for(meeting)
    rendered = render_pool().render("slips.html", tokens.slips_context(meeting, items, address))
    _remember_slips_address(meeting, address)
    return file_response(f"测评码-{meeting.id}.pdf", PDF, rendered.pdf, inline=True)


def _remember_slips_address(meeting: Meeting, address: str) -> None:
    """The address printed on the slips, to warn when phones are later sent elsewhere."""
    if meeting.slips_url == address:
        return

    def run(db):
        meeting.slips_url = address
        guards.record(db, meeting, current_user, "slips_url", {"url": address})

    run_transaction(run, socketio.sleep)


@bp.route("/meetings/<int:meeting_id>/tokens/join.pdf")
def token_join_page(meeting_id: int):
    """One A4 page with the join QR and address, to post at the door or beside the screen."""
    meeting = load_meeting(meeting_id)
    address = network.base_url_for(meeting)
    rendered = render_pool().render("join.html", tokens.join_context(meeting, address))
    return file_response(f"扫码入口-{meeting.id}.pdf", PDF, rendered.pdf, inline=True)
