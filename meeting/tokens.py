"""Ballot tokens (测评码): one per printed slip, bound to a category, never to a name."""

from __future__ import annotations

import re
import secrets
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import errors
from .guards import ensure_not_sealed, lock, record
from .models import (
    ACTIVE,
    CLOSED,
    REVOKED,
    BallotToken,
    Category,
    Meeting,
    Organiser,
    is_id,
    utcnow,
)
from .models.tokens import SPARE

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud without doubt
CODE_LENGTH = 8
SECRET_BYTES = 16  # 128 bits
MAX_PER_CATEGORY = 500
MAX_PER_MEETING = 3000

OTHER_DEVICE = _l(
    "This slip has just been opened on another device. If that was not you, tell the staff at once and ask for a new slip."
)
SPARE_NOT_IN_USE = _l(
    "This is a spare ballot code and is not in use yet. Please take it to the staff to be registered before using it."
)
OPENED_BEFORE = _l(
    "This slip was opened on another device before. If that was not you, tell the staff at once."
)


def new_secret() -> str:
    """A 128-bit random, URL-safe secret for the QR code."""
    return secrets.token_urlsafe(SECRET_BYTES)


def new_code() -> str:
    """A short code of 8 unambiguous characters (about 40 bits)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """ABCDEFGH -> ABCD-EFGH, as printed."""
    return f"{code[:4]}-{code[4:]}"


def masked_code(code: str) -> str:
    """AB••-•••• : enough to tell slips apart on a list, not enough to use one. From the
    moment a meeting is live no page shows a whole code (the slips are printed before)."""
    return f"{code[:2]}••-••••"


def normalise_code(text: str) -> str:
    """What a delegate typed -> the stored code (case, spaces and dashes ignored)."""
    return re.sub(r"[\s\-_－—]", "", text or "").upper()


def _unique_codes(session: Session, count: int) -> list[str]:
    codes: set[str] = set()
    while len(codes) < count:
        batch = {new_code() for _ in range(count - len(codes))} - codes
        taken = set(session.scalars(select(BallotToken.code).where(BallotToken.code.in_(batch))))
        codes |= batch - taken
    return list(codes)


def _next_serial(session: Session, meeting: Meeting) -> int:
    current = session.scalar(
        select(func.max(BallotToken.serial)).where(BallotToken.meeting_id == meeting.id)
    )
    return (current or 0) + 1


def generate_tokens(
    session: Session,
    meeting: Meeting,
    category: Category,
    count: int,
    organiser: Organiser | None = None,
) -> list[BallotToken]:
    """Add ``count`` new tokens to a category."""
    ensure_not_sealed(meeting)
    if category.meeting_id != meeting.id:
        raise errors.NotFound(_l("This category does not exist."))
    if not 1 <= count <= MAX_PER_CATEGORY:
        raise errors.Invalid(
            _l("Generate between 1 and %(n)d slips at a time.", n=MAX_PER_CATEGORY)
        )
    tokens = _new_tokens(session, meeting, count, category.id, ACTIVE)
    record(session, meeting, organiser, "tokens", {"category": category.name, "count": count})
    session.flush()
    return tokens


def _new_tokens(
    session: Session, meeting: Meeting, count: int, category_id: int | None, status: str
) -> list[BallotToken]:
    existing = session.scalar(
        select(func.count()).select_from(BallotToken).where(BallotToken.meeting_id == meeting.id)
    )
    if (existing or 0) + count > MAX_PER_MEETING:
        raise errors.Invalid(_l("At most %(n)d slips per meeting.", n=MAX_PER_MEETING))
    serial = _next_serial(session, meeting)
    tokens = [
        BallotToken(
            meeting_id=meeting.id,
            category_id=category_id,
            secret=new_secret(),
            code=code,
            serial=serial + i,
            status=status,
        )
        for i, code in enumerate(_unique_codes(session, count))
    ]
    session.add_all(tokens)
    return tokens


def generate_spares(
    session: Session, meeting: Meeting, count: int, organiser: Organiser | None = None
) -> list[BallotToken]:
    """Add ``count`` spare slips (备用票): printed like the others, in no category, unable
    to vote until handed out (:func:`hand_out_spare`). They are not issued: turnout,
    quorum and the not-voted list leave them out (they are never active)."""
    ensure_not_sealed(meeting)
    if not 1 <= count <= MAX_PER_CATEGORY:
        raise errors.Invalid(
            _l("Generate between 1 and %(n)d slips at a time.", n=MAX_PER_CATEGORY)
        )
    tokens = _new_tokens(session, meeting, count, None, SPARE)
    record(session, meeting, organiser, "spare_tokens", {"count": count})
    session.flush()
    return tokens


def hand_out_spare(
    session: Session,
    spare: BallotToken,
    lost: BallotToken | None = None,
    category: Category | None = None,
    organiser: Organiser | None = None,
) -> BallotToken:
    """Put a spare slip into use: in place of a lost slip, or for a category.

    In place of ``lost``: the lost slip is revoked exactly as :func:`revoke_token` does,
    and the spare becomes its replacement (same category, ``replaces_id`` = the lost
    slip), so a ballot the lost slip cast counts once, for the spare, as for any
    replacement. A lost slip revoked before without a replacement may be replaced now.
    For ``category``: a delegate who came without a slip; the spare joins the category.

    Refused: a slip that is not spare, one of another meeting, both or neither of lost
    and category, a lost slip that was replaced already, a sealed meeting.
    """
    meeting = session.get(Meeting, spare.meeting_id)
    assert meeting is not None
    lock(session, meeting)  # two staff handing out the same spare: one wins
    session.refresh(meeting)
    ensure_not_sealed(meeting)
    session.refresh(spare)
    if lost is not None:
        session.refresh(lost)
    if spare.status != SPARE:
        raise errors.Conflict(_l("This slip is not a spare slip, or it was handed out already."))
    if (lost is None) == (category is None):
        raise errors.Invalid(_l("Choose either the lost slip it replaces or a category."))
    if category is not None:
        if category.meeting_id != meeting.id:
            raise errors.NotFound(_l("This category does not exist."))
        spare.category_id = category.id
        detail: dict[str, Any] = {"serial": spare.serial, "category": category.name}
    else:
        assert lost is not None
        if lost.meeting_id != meeting.id or lost.category_id is None:
            raise errors.NotFound(_l("This slip does not exist."))
        if lost.status == REVOKED:
            replaced = session.scalar(
                select(func.count())
                .select_from(BallotToken)
                .where(BallotToken.replaces_id == lost.id)
            )
            if replaced:
                raise errors.Conflict(_l("This slip has been replaced already."))
        elif lost.status == ACTIVE:
            lost.status = REVOKED
            lost.revoked_at = utcnow()
        else:
            raise errors.NotFound(_l("This slip does not exist."))
        spare.category_id = lost.category_id
        spare.replaces_id = lost.id
        detail = {"serial": spare.serial, "replaces": lost.serial}
    spare.status = ACTIVE
    record(session, meeting, organiser, "spare_handed_out", detail)
    session.flush()
    return spare


def list_tokens(session: Session, meeting: Meeting) -> list[BallotToken]:
    """All tokens of the meeting in printing order."""
    return list(
        session.scalars(
            select(BallotToken)
            .where(BallotToken.meeting_id == meeting.id)
            .order_by(BallotToken.serial)
        )
    )


def get_token(session: Session, meeting: Meeting, token_id: int) -> BallotToken:
    """A token of this meeting, or NotFound (also for an id no column can hold)."""
    token = session.get(BallotToken, token_id) if is_id(token_id) else None
    if token is None or token.meeting_id != meeting.id:
        raise errors.NotFound(_l("This slip does not exist."))
    return token


def revoke_token(
    session: Session, token: BallotToken, replace: bool = True, organiser: Organiser | None = None
) -> BallotToken | None:
    """Make a slip unusable (lost, damaged); optionally issue a replacement slip.

    Ballots the slip already cast stay counted. The replacement belongs to the same
    category and gets a new secret, a new code and the next serial number.
    """
    meeting = session.get(Meeting, token.meeting_id)
    assert meeting is not None
    lock(session, meeting)  # two staff revoking the same slip: one replacement, not two
    session.refresh(meeting)
    ensure_not_sealed(meeting)
    session.refresh(token)
    if token.status == REVOKED:
        raise errors.Conflict(_l("This slip has been revoked already."))
    token.status = REVOKED
    token.revoked_at = utcnow()
    replacement = None
    if replace:
        replacement = BallotToken(
            meeting_id=token.meeting_id,
            category_id=token.category_id,
            secret=new_secret(),
            code=_unique_codes(session, 1)[0],
            serial=_next_serial(session, meeting),
            replaces_id=token.id,
        )
        session.add(replacement)
    record(session, meeting, organiser, "revoke", {"serial": token.serial, "replace": replace})
    session.flush()
    return replacement


def _usable(session: Session, token: BallotToken | None) -> BallotToken:
    if token is None:
        raise errors.NotFound(
            _l("This code is not valid. Check the code on your slip, or ask the staff.")
        )
    if token.status == SPARE:
        raise errors.Forbidden(SPARE_NOT_IN_USE)
    if token.status != ACTIVE:
        raise errors.Forbidden(
            _l("This slip has been revoked. Please ask the staff for a new slip.")
        )
    meeting = session.get(Meeting, token.meeting_id)
    if meeting is None or meeting.status == CLOSED:
        raise errors.Forbidden(_l("The meeting has ended; slips can no longer be used."))
    return token


def successors(session: Session, meeting_id: int, token_ids: set[int]) -> dict[int, int]:
    """For each given slip that was revoked and replaced, its active replacement.

    A replacement may itself be replaced (lost twice): the chain is followed to the slip
    in use now. Slips without an active successor are left out. One delegate, one
    lineage of slips, one issued slip.
    """
    if not token_ids:
        return {}
    rows = session.execute(
        select(BallotToken.id, BallotToken.replaces_id, BallotToken.status).where(
            BallotToken.meeting_id == meeting_id, BallotToken.replaces_id.is_not(None)
        )
    ).all()
    next_of = {replaces: tid for tid, replaces, _ in rows}
    status_of = {tid: status for tid, _, status in rows}
    found: dict[int, int] = {}
    for start in token_ids:
        current, seen = start, {start}
        while current in next_of and next_of[current] not in seen:
            current = next_of[current]
            seen.add(current)
        if current != start and status_of.get(current) == ACTIVE:
            found[start] = current
    return found


def lineage_roots(session: Session, meeting_id: int) -> dict[int, int]:
    """Every replacement slip of the meeting -> the first slip of its lineage."""
    previous = dict(
        session.execute(
            select(BallotToken.id, BallotToken.replaces_id).where(
                BallotToken.meeting_id == meeting_id, BallotToken.replaces_id.is_not(None)
            )
        ).all()
    )
    roots: dict[int, int] = {}
    for start in previous:
        current, seen = start, {start}
        while (earlier := previous.get(current)) is not None and earlier not in seen:
            current = earlier
            seen.add(current)
        roots[start] = current
    return roots


def record_join(session: Session, token: BallotToken) -> int:
    """A device opened the slip: count it (the device keeps its number). A device whose
    number is below the slip's count knows another device joined after it."""
    token.joins = (token.joins or 0) + 1
    token.last_join_at = utcnow()
    session.flush()
    return token.joins


def token_by_secret(session: Session, secret: str) -> BallotToken:
    """The usable token behind a QR code, or a clear error."""
    if not secret or len(secret) > 64:
        return _usable(session, None)
    return _usable(session, session.scalar(select(BallotToken).where(BallotToken.secret == secret)))


def token_by_code(session: Session, typed: str) -> BallotToken:
    """The usable token behind a typed short code, or a clear error."""
    code = normalise_code(typed)
    if len(code) != CODE_LENGTH:
        raise errors.Invalid(_l("A code has 8 letters and digits, like ABCD-EFGH."))
    return _usable(session, session.scalar(select(BallotToken).where(BallotToken.code == code)))


def check_token(session: Session, token_id: object) -> BallotToken:
    """The token of a delegate session, still usable (not revoked, meeting not sealed)."""
    return _usable(session, session.get(BallotToken, token_id) if is_id(token_id) else None)


def slips_context(meeting: Meeting, items: list[BallotToken], base_url: str) -> dict[str, Any]:
    """Plain data for reports/slips.html: one QR slip per token."""
    names = {c.id: c.name for c in meeting.categories}
    return {
        "title": meeting.title,
        "organ": meeting.organ_name,
        "join_url": base_url + "/j",
        "slips": [
            {
                "url": f"{base_url}/b/{t.secret}",
                "code": format_code(t.code),
                "category": names.get(t.category_id or 0, ""),
                "spare": t.status == SPARE,
                "serial": t.serial,
            }
            for t in items
        ],
        "stylesheets": ["slips.css"],
    }


def join_context(meeting: Meeting, base_url: str) -> dict[str, Any]:
    """Plain data for reports/join.html: the poster with the join QR and address."""
    return {
        "title": meeting.title,
        "organ": meeting.organ_name,
        "join_url": base_url + "/j",
        "stylesheets": ["slips.css"],
    }
