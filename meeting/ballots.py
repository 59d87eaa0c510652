"""Ballots: one per token and round, idempotent re-sends, changeable until the round closes.

The phone sends ``{round, submission, seq, lines}``. ``submission`` is the phone's id
for this version of the ballot (a re-send after a lost acknowledgement carries the same
id and is answered from what is stored); ``seq`` counts the versions on the phone, so an
older version arriving late never overwrites a newer one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from . import errors, tokens, wire
from .models import (
    ACTIVE,
    BALLOTS,
    CLOSED,
    OPEN,
    VOID,
    Ballot,
    BallotToken,
    Meeting,
    RoundToken,
    ScoringRound,
    TopGradeUse,
    is_id,
    utcnow,
)
from .scoring import (
    QUOTA_PER_MEETING,
    MalformedBallot,
    Problem,
    Scheme,
    check_ballot,
    meeting_quota,
    parse_answers,
    scheme_from_dict,
    top_used,
)

MAX_SEQ = 2**31 - 1

MALFORMED = {
    "not_a_list": _l("The ballot could not be read. Reload the page and score again."),
    "too_many_lines": _l("The ballot has more answers than the sheet. Reload the page."),
    "bad_line": _l("The ballot could not be read. Reload the page and score again."),
    "unknown_reporter": _l("The ballot names someone who is not in this round. Reload the page."),
    "unknown_line": _l("The ballot has a line that is not on the sheet. Reload the page."),
    "duplicate_line": _l("The ballot answers the same line twice. Reload the page."),
    "abstain_not_allowed": _l("This sheet has no abstain option; choose a grade."),
    "not_a_number": _l("Scores must be numbers."),
    "out_of_range": _l("Scores must be between 0 and 100."),
    "too_precise": _l("Scores may have at most one decimal."),
    "not_on_scale": _l("A grade is not on this sheet's scale. Reload the page."),
}


# One wording per rule: the phone shows the same sentences (views/delegate.py PHONE_TEXT).
TOP_QUOTA = _l(
    "At most {limit} reporters may get {grade}; {used} have it now. Change {over} of them."
)
TOP_QUOTA_MEETING = _l(
    "At this meeting at most {limit} reporters may get {grade}; {before} got it in earlier "
    "rounds and {now} on this ballot. Change {over} of them."
)
SAME_GRADE = _l(
    "Every reporter has the overall grade {grade}; such a ballot is invalid. Change at least one."
)


def explain(problem: Problem, names: dict[int, str]) -> str:
    """A validity problem as a sentence the delegate can act on."""
    params = problem.params
    if problem.code == "incomplete":
        missing = [names.get(rid, "?") for rid in params["reporters"]]
        return str(
            _l(
                "Not finished for %(n)d reporters: %(names)s.",
                n=len(missing),
                names="、".join(missing[:5]) + ("……" if len(missing) > 5 else ""),
            )
        )
    if problem.code == "top_quota":
        over = params["used"] - params["limit"]
        if params.get("before"):
            return str(TOP_QUOTA_MEETING).format(
                grade=params["grade"],
                limit=params["limit"],
                before=params["before"],
                now=params["used"] - params["before"],
                over=over,
            )
        return str(TOP_QUOTA).format(
            grade=params["grade"], limit=params["limit"], used=params["used"], over=over
        )
    if problem.code == "same_grade":
        return str(SAME_GRADE).format(grade=params["grade"])
    return problem.code


@dataclass
class Receipt:
    """What the phone is told once the ballot is committed."""

    round_id: int
    submission: str
    seq: int
    revision: int
    valid: bool
    problems: list[str] = field(default_factory=list)
    duplicate: bool = False  # the same submission was stored before
    superseded: bool = False  # a newer version from this phone is stored

    top_used: int | None = None  # per-meeting quota: the top grades this ballot gives

    def as_receipt(self) -> dict[str, Any]:
        """What the slip's other devices are told: the same receipt as list_my_ballots."""
        return {"round": self.round_id, "seq": self.seq, "revision": self.revision}

    def as_ack(self) -> dict[str, Any]:
        """The acknowledgement, for the device that sent this submission only.

        A superseded version learns only that a newer one is stored, not whether that one
        (sent from another device) is valid: validity is derived from a ballot's content.
        """
        ack: dict[str, Any] = {
            "ok": True,
            "round": self.round_id,
            "submission": self.submission,
            "seq": self.seq,
            "revision": self.revision,
            "duplicate": self.duplicate,
            "superseded": self.superseded,
        }
        if not self.superseded:
            ack.update(valid=self.valid, problems=self.problems)
            if self.top_used is not None:
                ack["top_used"] = self.top_used
        return ack


def _wire_answers(answers: dict[int, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(rid): dict(lines) for rid, lines in answers.items()}


@dataclass(frozen=True)
class Sheet:
    """What a round's ballots are checked against; fixed for the life of the round.

    A round's reporters never change and the scheme is frozen once a round exists, so the
    sheet is cached per round: the hot path then needs no ORM loading at all.
    """

    meeting_id: int
    reporter_ids: tuple[int, ...]
    names: dict[int, str]
    scheme: Scheme
    meeting_reporters: int  # for the per-meeting top-grade quota
    # a rehearsal checks the whole quota: what a slip gave in real rounds stays unsaid (a
    # practice ballot typed in on another device must not reveal it)
    rehearsal: bool = False


_sheets: dict[tuple[str, int], Sheet] = {}
SHEET_CACHE_SIZE = 64


def sheet_for(session: Session, round_id: int) -> Sheet:
    """The cached sheet of a round (built from the database on first use)."""
    bind = session.get_bind()
    key = (str(bind.engine.url), round_id)
    sheet = _sheets.get(key)
    if sheet is None:
        scoring_round = session.get(ScoringRound, round_id)
        assert scoring_round is not None
        meeting = session.get(Meeting, scoring_round.meeting_id)
        assert meeting is not None
        sheet = Sheet(
            meeting_id=meeting.id,
            reporter_ids=tuple(scoring_round.reporter_ids),
            names={r.id: r.name for r in meeting.reporters},
            scheme=scheme_from_dict(meeting.scheme),
            meeting_reporters=len(meeting.reporters),
            rehearsal=scoring_round.rehearsal,
        )
        if len(_sheets) >= SHEET_CACHE_SIZE:
            _sheets.clear()
        _sheets[key] = sheet
    return sheet


def _new_number() -> int:
    # random, so the number says nothing about when the ballot came in; a collision
    # (unique per round) fails the insert and the caller retries once
    return 10_000_000 + secrets.randbelow(90_000_000)


def _check_payload(payload: Any) -> tuple[Any, str, int]:
    if not isinstance(payload, dict):
        raise errors.Invalid(MALFORMED["not_a_list"])
    submission = payload.get("submission")
    seq = payload.get("seq")
    if not isinstance(submission, str) or not wire.SUBMISSION_ID.match(submission):
        raise errors.Invalid(MALFORMED["bad_line"])
    if not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq <= MAX_SEQ:
        raise errors.Invalid(MALFORMED["bad_line"])
    return payload.get("round"), submission, seq


# The hot path's statements, built once (building them per ballot cost more than running them).
_ballots = BALLOTS
_TOKEN = (
    select(
        BallotToken.meeting_id,
        BallotToken.category_id,
        BallotToken.status,
        Meeting.status,
        BallotToken.replaces_id,
    )
    .join(Meeting, Meeting.id == BallotToken.meeting_id)
    .where(BallotToken.id == bindparam("token_id"))
)
_ROUND = (
    select(ScoringRound.status)
    .where(
        ScoringRound.id == bindparam("round_id"), ScoringRound.meeting_id == bindparam("meeting_id")
    )
    .with_for_update(read=True)
)
_EXISTING_COLUMNS = (
    _ballots.c.id,
    _ballots.c.token_id,
    _ballots.c.submission_id,
    _ballots.c.seq,
    _ballots.c.revision,
    _ballots.c.valid,
    _ballots.c.problems,
)
_EXISTING_OF_LINEAGE = select(*_EXISTING_COLUMNS).where(
    _ballots.c.round_id == bindparam("round_id"),
    _ballots.c.token_id.in_(bindparam("token_ids", expanding=True)),
)
_REPLACES = select(BallotToken.replaces_id).where(BallotToken.id == bindparam("token_id"))
_EXISTING = select(*_EXISTING_COLUMNS).where(
    _ballots.c.round_id == bindparam("round_id"), _ballots.c.token_id == bindparam("token_id")
)
_BY_SUBMISSION = select(*_EXISTING_COLUMNS).where(
    _ballots.c.round_id == bindparam("round_id"),
    _ballots.c.submission_id == bindparam("submission_id"),
)
_TOP_USED = select(TopGradeUse.used).where(
    TopGradeUse.meeting_id == bindparam("meeting_id"),
    TopGradeUse.token_id == bindparam("token_id"),
)
_INSERT = insert(_ballots)
_UPDATE = (
    update(_ballots)
    .where(_ballots.c.id == bindparam("ballot_id"))
    .values(
        token_id=bindparam("token_id"),
        submission_id=bindparam("submission_id"),
        seq=bindparam("seq"),
        revision=bindparam("revision"),
        answers=bindparam("answers"),
        valid=bindparam("valid"),
        problems=bindparam("problems"),
        updated_at=bindparam("updated_at"),
    )
)


def _lineage(connection: Any, token_id: int, replaces_id: int | None) -> list[int]:
    """This slip and the slips it replaced (revoked and reissued), newest first."""
    lineage = [token_id]
    while replaces_id is not None and replaces_id not in lineage and len(lineage) < 50:
        lineage.append(replaces_id)
        replaces_id = connection.execute(_REPLACES, {"token_id": replaces_id}).scalar()
    return lineage


def _existing(connection: Any, round_id: int, lineage: list[int]) -> Any:
    """The stored ballot of this slip, or of the slips it replaced, in an open round."""
    if len(lineage) == 1:
        return connection.execute(_EXISTING, {"round_id": round_id, "token_id": lineage[0]}).first()
    return connection.execute(
        _EXISTING_OF_LINEAGE, {"round_id": round_id, "token_ids": lineage}
    ).first()


def _stored(
    round_id: int, existing: Any, duplicate: bool = False, superseded: bool = False
) -> Receipt:
    return Receipt(
        round_id=round_id,
        submission=existing.submission_id,
        seq=existing.seq,
        revision=existing.revision,
        valid=existing.valid,
        problems=list(existing.problems),
        duplicate=duplicate,
        superseded=superseded,
    )


def submit_ballot(session: Session, token_id: int, payload: Any) -> Receipt:
    """Store (or change) the token's ballot in an open round; flushes, never commits.

    Refused with a clear message: malformed payloads, another meeting's round, a closed
    or void round, a revoked slip or sealed meeting, answers that do not fit the sheet.
    Stored but marked invalid, with the reasons: ballots that break the scheme's validity
    rules (see scoring.check_ballot). This is the hot path of a 300-phone burst, so it
    runs prepared Core statements; the round row is read FOR SHARE so that a concurrent
    close (FOR UPDATE) on PostgreSQL either sees this ballot or refuses it.
    """
    round_id, submission, seq = _check_payload(payload)
    connection = session.connection()
    token = connection.execute(_TOKEN, {"token_id": token_id}).first()
    if token is None or token[2] != ACTIVE or token[3] == CLOSED:
        tokens.check_token(session, token_id)  # raises the precise message
        raise errors.Forbidden(_l("This slip can no longer be used."))  # (not reached)
    meeting_id, category_id, replaces_id = token[0], token[1], token[4]
    current = (
        connection.execute(_ROUND, {"round_id": round_id, "meeting_id": meeting_id}).scalar()
        if is_id(round_id)
        else None
    )
    if current is None:
        raise errors.NotFound(_l("This scoring round does not exist."))
    lineage = _lineage(connection, token_id, replaces_id)
    if current == OPEN:
        existing = _existing(connection, round_id, lineage)
    else:
        # a closed round's ballots no longer name their slip: a re-send whose ack was lost
        # is found by its submission id, which only the phone that sent it knows
        existing = connection.execute(
            _BY_SUBMISSION, {"round_id": round_id, "submission_id": submission}
        ).first()
    if existing is not None and existing.submission_id == submission and current != VOID:
        # a re-send of what is stored (its ack was lost) is answered from the store,
        # also when the round has closed meanwhile
        return _stored(round_id, existing, duplicate=True)
    if current == VOID:
        raise errors.Conflict(_l("This scoring round was cancelled; nothing was stored."))
    if current != OPEN:
        raise errors.Conflict(_l("This scoring round has closed; the ballot was not accepted."))
    # a replacement slip takes over the ballot of the slip it replaces (one person, one
    # ballot); its phone counts versions from 1 again, so the order check is skipped
    inherited = existing is not None and existing.token_id != token_id
    if existing is not None and not inherited and seq < existing.seq:
        return _stored(round_id, existing, superseded=True)

    sheet = sheet_for(session, round_id)
    try:
        answers = parse_answers(sheet.scheme, sheet.reporter_ids, payload.get("lines"))
    except MalformedBallot as exc:
        raise errors.Invalid(MALFORMED.get(exc.code, MALFORMED["bad_line"])) from exc
    quota = None
    top = None
    if sheet.scheme.top_quota_scope == QUOTA_PER_MEETING:
        used_before = (
            0
            if sheet.rehearsal
            else connection.execute(
                _TOP_USED, {"meeting_id": meeting_id, "token_id": lineage[-1]}
            ).scalar()
        )
        quota = meeting_quota(sheet.scheme, sheet.meeting_reporters, used_before or 0)
        top = top_used(sheet.scheme, answers)
    problems = [
        explain(p, sheet.names)
        for p in check_ballot(sheet.scheme, sheet.reporter_ids, answers, quota)
    ]
    values = {
        "submission_id": submission,
        "seq": seq,
        "answers": _wire_answers(answers),
        "valid": not problems,
        "problems": problems,
        "updated_at": utcnow(),
    }
    if existing is None:
        revision = 1
        connection.execute(
            _INSERT,
            {
                "round_id": round_id,
                "token_id": token_id,
                "category_id": category_id,
                "number": _new_number(),
                "revision": revision,
                "created_at": values["updated_at"],
                **values,
            },
        )
    else:
        revision = existing.revision + 1
        connection.execute(
            _UPDATE,
            {"ballot_id": existing.id, "token_id": token_id, "revision": revision, **values},
        )
    return Receipt(
        round_id=round_id,
        submission=submission,
        seq=seq,
        revision=revision,
        valid=not problems,
        problems=problems,
        top_used=top,
    )


def list_my_ballots(session: Session, token: BallotToken) -> dict[str, dict[str, Any]]:
    """What a slip's devices are told of its ballots: receipts, never contents.

    For the open round: that a ballot is stored, its version (revision, seq) and nothing
    derived from what it says (no validity, no reasons, no submission id: a second device
    holding the slip must not be able to fetch the sender's receipt). For closed rounds:
    only that the slip voted (frozen in the round), since the ballots no longer name it.
    The phone that sent a ballot keeps its own answers and acknowledgement.
    """
    found: dict[str, dict[str, Any]] = {}
    for ballot, status in session.execute(
        select(Ballot, ScoringRound.status)
        .join(ScoringRound, ScoringRound.id == Ballot.round_id)
        .where(Ballot.token_id == token.id, ScoringRound.status == OPEN)
    ).all():
        found[str(ballot.round_id)] = {
            "seq": ballot.seq,
            "revision": ballot.revision,
            "round_status": status,
        }
    for round_id, status in session.execute(
        select(RoundToken.round_id, ScoringRound.status)
        .join(ScoringRound, ScoringRound.id == RoundToken.round_id)
        .where(RoundToken.token_id == token.id, RoundToken.voted, ScoringRound.status != VOID)
    ).all():
        found[str(round_id)] = {"round_status": status, "voted": True}
    return found
