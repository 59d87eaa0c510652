"""The pre-flight check (会前检查): is the venue ready, in words a staffer understands.

One page, one row per thing that can fail on the day: the address phones use (a phone
scans a test QR), the server's clock, free disk, the PDF workers, the database, the
slips printed per category, the projector, and a test print page. Rows that can change
while the page is open (the phone's scan, the projector, the clocks) are polled from a
small JSON endpoint; the PDF workers are checked by a request of their own, so a slow
worker start never holds the page.
"""

from __future__ import annotations

import shutil
import time
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, jsonify, render_template, url_for
from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l
from sqlalchemy import desc, func, select, text

from ... import network
from ...db import get_session
from ...models import ACTIVE, AuditEntry, BallotToken, Meeting, utcnow
from ...models.tokens import SPARE
from ...pushing import connections
from ...qr import qr_data_uri
from ..common import PDF, file_response, load_meeting, render_pool
from . import bp
from .tokens import address_context

MIN_FREE_BYTES = 1024**3  # below 1 GB free, uploads, letters and the database may fail
MAX_SKEW_SECONDS = 5  # the countdowns on phones and projector follow the server's clock
POLL_MS = 3000
RECENT_SCREEN = timedelta(minutes=2)

TEXT = {
    "ok": _l("OK"),
    "bad": _l("Needs attention"),
    "wait": _l("Waiting"),
    "info": _l("Check by hand"),
    "reach_ok": _l("A phone opened the test page at {at}: phones reach this address."),
    "clock": _l("Server {server}, this computer {browser}."),
    "clock_off": _l("They differ by {seconds} s: set the server's clock (countdowns follow it)."),
    "workers_failed": _l("The PDF workers did not answer: slips and letters cannot be printed."),
    "summary_ok": _l("Every check is green: the venue is ready."),
    "summary_bad": _l("{n} checks need attention (red rows below)."),
    "summary_wait": _l("Checking… Rows in yellow are waiting (a phone scan, the projector)."),
}


def _local(moment: datetime | None) -> str:
    from .. import local_time  # the organ's time zone, as everywhere (imported late: a cycle)

    return local_time(moment, "HH:mm:ss") if moment else ""


def _organ_offset_ms() -> int:
    """The organ's time zone's offset from UTC now, in milliseconds."""
    offset = datetime.now(get_timezone()).utcoffset()
    return int(offset.total_seconds() * 1000) if offset else 0


def _address_changed_at(meeting: Meeting) -> datetime | None:
    """When the address phones use was last chosen (a scan before it tested another)."""
    return get_session().scalar(
        select(AuditEntry.created_at)
        .where(AuditEntry.meeting_id == meeting.id, AuditEntry.action == "public_url")
        .order_by(desc(AuditEntry.id))
        .limit(1)
    )


def _reached(meeting: Meeting) -> datetime | None:
    changed = _address_changed_at(meeting)
    if meeting.reachable_at is None or (changed is not None and meeting.reachable_at < changed):
        return None
    return meeting.reachable_at


def _screen_state(meeting: Meeting) -> tuple[str, str]:
    connected = any(
        ident.role == "screen" and ident.meeting_id == meeting.id
        for ident in list(connections.values())
    )
    seen = meeting.screen_seen_at
    if connected or (seen is not None and utcnow() - seen < RECENT_SCREEN):
        return "ok", str(_l("A projector is connected (since %(at)s).", at=_local(seen)))
    if seen is not None:
        return "bad", str(
            _l(
                "The projector connected at %(at)s but is not connected now. Open the projector page (the link below) on it again.",
                at=_local(seen),
            )
        )
    return "bad", str(
        _l(
            "No projector has connected yet. Open the projector page (the link below) in the projector computer's browser."
        )
    )


def _status(meeting: Meeting) -> dict[str, Any]:
    reached = _reached(meeting)
    screen, screen_text = _screen_state(meeting)
    return {
        "reachable": _local(reached) if reached else None,
        "screen": screen,
        "screen_text": screen_text,
        "server_ms": int(time.time() * 1000),
    }


def _disk() -> dict[str, Any]:
    folder = current_app.instance_path
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return {"state": "bad", "text": str(_l("The data folder cannot be read."))}
    amount = f"{free / 1024**3:.1f}"
    if free < MIN_FREE_BYTES:
        return {
            "state": "bad",
            "text": str(
                _l(
                    "Only %(gb)s GB free in the data folder: free some space before the meeting.",
                    gb=amount,
                )
            ),
        }
    return {"state": "ok", "text": str(_l("%(gb)s GB free in the data folder.", gb=amount))}


def _database() -> dict[str, Any]:
    db = get_session()
    kind = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(
        db.get_bind().dialect.name, db.get_bind().dialect.name
    )
    try:
        db.execute(text("SELECT 1"))
    except Exception:
        db.rollback()
        return {
            "state": "bad",
            "text": str(_l("The database (%(kind)s) does not answer.", kind=kind)),
        }
    return {"state": "ok", "text": str(_l("The database (%(kind)s) answers.", kind=kind))}


def _slips(meeting: Meeting, out_of_date: bool) -> dict[str, Any]:
    counts = dict(
        get_session()
        .execute(
            select(BallotToken.category_id, func.count())
            .where(BallotToken.meeting_id == meeting.id, BallotToken.status == ACTIVE)
            .group_by(BallotToken.category_id)
        )
        .all()
    )
    spare = get_session().scalar(
        select(func.count())
        .select_from(BallotToken)
        .where(BallotToken.meeting_id == meeting.id, BallotToken.status == SPARE)
    )
    per_category = [(c.name, counts.get(c.id, 0)) for c in meeting.categories]
    empty = [name for name, n in per_category if n == 0]
    if not per_category:
        summary, state = str(_l("There are no delegate categories yet.")), "bad"
    elif empty:
        summary = str(_l("No slips yet for: %(names)s.", names="、".join(empty)))
        state = "bad"
    elif out_of_date:
        summary = str(_l("The slips were printed with another address; print them again."))
        state = "bad"
    elif not meeting.slips_url:
        summary = str(_l("The slips have not been printed yet: print them on the slips page."))
        state = "bad"
    else:
        summary = str(_l("Every category has slips."))
        state = "ok"
    return {
        "state": state,
        "text": summary,
        "per_category": per_category,
        "spare": spare or 0,
    }


@bp.route("/meetings/<int:meeting_id>/preflight")
def preflight(meeting_id: int):
    meeting = load_meeting(meeting_id)
    address = address_context(meeting)
    reach_url = (
        address["base_url"]
        + url_for("probes.reach", meeting_id=meeting.id, signature="x")[:-1]
        + network.reach_signature(current_app.config["SECRET_KEY"], meeting.id)
    )
    status = _status(meeting)
    boot = {
        "status_url": url_for("organiser.preflight_status", meeting_id=meeting.id),
        "workers_url": url_for("organiser.preflight_workers", meeting_id=meeting.id),
        "poll_ms": POLL_MS,
        "max_skew": MAX_SKEW_SECONDS,
        # both clocks are shown in the organ's time zone, like every other time on the page
        "tz_offset_ms": _organ_offset_ms(),
        "text": {k: str(v) for k, v in TEXT.items()},
    }
    return render_template(
        "organiser/preflight.html",
        meeting=meeting,
        status=status,
        reach_url=reach_url,
        reach_qr=qr_data_uri(reach_url, border=2),
        disk=_disk(),
        database=_database(),
        slips=_slips(meeting, address["slips_out_of_date"]),
        server_time=_local(utcnow()),
        boot=boot,
        text=boot["text"],
        problems={},
        typed={},
        address_next="preflight",
        **address,
    )


@bp.route("/meetings/<int:meeting_id>/preflight/status")
def preflight_status(meeting_id: int):
    """What can change while the page is open: the phone's scan, the projector, the clock."""
    meeting = load_meeting(meeting_id)
    response = jsonify(_status(meeting))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/meetings/<int:meeting_id>/preflight/workers")
def preflight_workers(meeting_id: int):
    """Whether the PDF workers start and answer (busy workers are working: fine)."""
    load_meeting(meeting_id)
    answer = render_pool().workers.ping(wait=1.0, timeout=30.0)
    if answer is None:
        state, said = "ok", _l("The PDF workers are busy printing: they work.")
    elif answer:
        state, said = "ok", _l("The PDF workers answer: slips and letters can be printed.")
    else:
        state, said = "bad", TEXT["workers_failed"]
    response = jsonify({"state": state, "text": str(said)})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/meetings/<int:meeting_id>/preflight/test-print.pdf")
def preflight_test_print(meeting_id: int):
    """An A4 page with rulers and boxes: does the printer print at 100 %?"""
    meeting = load_meeting(meeting_id)
    context = {
        "title": meeting.title,
        "stylesheets": ["testprint.css"],
        "ticks": list(range(0, 151)),
    }
    rendered = render_pool().render("testprint.html", context)
    return file_response(f"打印测试页-{meeting.id}.pdf", PDF, rendered.pdf, inline=True)
