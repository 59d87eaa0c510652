"""Results: the one aggregation path for the results page, projector, exports and letters.

``compute_results`` reads the meeting (plain SQL rows for the ballots) and hands them to
the pure ``scoring.tally_meeting``; ``results_data`` turns the outcome into plain JSON-safe
data with every number already formatted, so every surface prints the same digits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from . import errors
from .models import (
    CLOSED_ROUND,
    OPEN,
    Ballot,
    Meeting,
    RoundReporter,
    ScoringRound,
)
from .scoring import (
    GRADE,
    NUMERIC,
    TRIM_MIN_SCORES,
    BallotInfo,
    CategoryInfo,
    Grade,
    ReporterInput,
    ReporterTally,
    Scheme,
    exact,
    required_returns,
    round_half_up,
    scheme_from_dict,
    suppressed,
    tally_meeting,
    top_quota_limit,
)

SCORED = "scored"
SCORING = "scoring"  # its round is still open
UNSCORED = "unscored"


@dataclass
class ReporterResult:
    reporter_id: int
    status: str
    round_id: int | None
    round_title: str
    tally: ReporterTally | None


@dataclass
class MeetingResults:
    meeting: Meeting
    scheme: Scheme
    categories: list[CategoryInfo]
    reporters: list[ReporterResult]


def _scoring_rounds(
    session: Session, meeting: Meeting
) -> tuple[dict[int, ScoringRound], dict[int, int], set[int]]:
    """Rounds by id, the closed round that scored each reporter, reporters in an open round.

    A reporter counts from the latest closed round that is not void and contains them.
    """
    rows = session.execute(
        select(RoundReporter.reporter_id, ScoringRound)
        .join(ScoringRound, ScoringRound.id == RoundReporter.round_id)
        .where(
            ScoringRound.meeting_id == meeting.id,
            ScoringRound.status.in_([CLOSED_ROUND, OPEN]),
            ScoringRound.rehearsal.is_(False),  # a rehearsal counts nothing
        )
        .order_by(ScoringRound.id)
    ).all()
    rounds: dict[int, ScoringRound] = {}
    scored_by: dict[int, int] = {}
    in_open: set[int] = set()
    for reporter_id, scoring_round in rows:
        rounds[scoring_round.id] = scoring_round
        if scoring_round.status == OPEN:
            in_open.add(reporter_id)
        else:
            scored_by[reporter_id] = scoring_round.id
    return rounds, scored_by, in_open


def compute_results(
    session: Session, meeting: Meeting, pause: Callable[[], None] | None = None
) -> MeetingResults:
    """Tally every reporter of the meeting from the closed rounds that scored them.

    ``pause`` is called between rounds, so a caller on an event loop can let others run.
    """
    scheme = scheme_from_dict(meeting.scheme)
    categories = [CategoryInfo(c.id, c.name, exact(c.weight)) for c in meeting.categories]
    rounds, scored_by, in_open = _scoring_rounds(session, meeting)
    needed = sorted(set(scored_by.values()))
    ballots_by_round: dict[int, list[BallotInfo]] = {rid: [] for rid in needed}
    if needed:
        # fetch everything first, as text (cheap), so no cursor stays open across the
        # pauses; decoding the answers, the costly part, is done in small steps
        rows = session.execute(
            select(Ballot.round_id, Ballot.category_id, Ballot.valid, cast(Ballot.answers, Text))
            .where(Ballot.round_id.in_(needed))
            .order_by(Ballot.round_id, Ballot.number)
        ).all()
        for count, (round_id, category_id, valid, answers) in enumerate(rows, start=1):
            parsed = {int(rid): lines for rid, lines in json.loads(answers).items()}
            ballots_by_round[round_id].append(BallotInfo(category_id, valid, parsed))
            if pause is not None and count % 25 == 0:
                pause()
    inputs = []
    for reporter in meeting.reporters:
        scored_in = scored_by.get(reporter.id)
        if scored_in is None:
            continue
        summary = rounds[scored_in].summary or {}
        issued = {int(k): v for k, v in (summary.get("eligible") or {}).items()}
        inputs.append(
            ReporterInput(
                reporter.id, issued, ballots_by_round[scored_in], reporter.component_scores or {}
            )
        )
    tallies = {t.reporter_id: t for t in tally_meeting(scheme, categories, inputs, pause)}
    results = []
    for reporter in meeting.reporters:
        scored_round = scored_by.get(reporter.id)
        status = SCORED if scored_round else (SCORING if reporter.id in in_open else UNSCORED)
        results.append(
            ReporterResult(
                reporter_id=reporter.id,
                status=status,
                round_id=scored_round,
                round_title=rounds[scored_round].title if scored_round else "",
                tally=tallies.get(reporter.id),
            )
        )
    return MeetingResults(meeting=meeting, scheme=scheme, categories=categories, reporters=results)


# --------------------------------------------------------------------------- verification


def _round_facts(session: Session, scoring_round: ScoringRound) -> dict[str, Any]:
    ballots = session.execute(
        select(Ballot.number, Ballot.category_id, Ballot.valid, cast(Ballot.answers, Text))
        .where(Ballot.round_id == scoring_round.id)
        .order_by(Ballot.number)
    ).all()
    return {
        "round": scoring_round.id,
        "title": scoring_round.title,
        "status": scoring_round.status,
        "reporters": scoring_round.reporter_ids,
        "summary": scoring_round.summary,
        "ballots": [
            [number, category, bool(valid), json.loads(answers)]
            for number, category, valid, answers in ballots
        ],
    }


def _short(digest: str) -> str:
    code = digest[:16].upper()
    return "-".join(code[i : i + 4] for i in range(0, 16, 4))


def round_code(session: Session, scoring_round: ScoringRound) -> str:
    """A short digest of one closed round's frozen data: counts and every ballot."""
    facts = json.dumps(_round_facts(session, scoring_round), sort_keys=True, ensure_ascii=False)
    return _short(hashlib.sha256(facts.encode()).hexdigest())


def verification_code(session: Session, meeting: Meeting) -> str:
    """A short digest of everything the results are computed from: the scheme, the
    categories and weights, the imported scores, and every closed round's frozen data.

    Printed on every page of every result document: two documents with the same code were
    made from the same data; any change to a ballot, a weight or a rule changes it.
    """
    rounds = session.scalars(
        select(ScoringRound)
        .where(ScoringRound.meeting_id == meeting.id, ScoringRound.status == CLOSED_ROUND)
        .order_by(ScoringRound.id)
    ).all()
    facts = {
        "meeting": meeting.id,
        "year": meeting.year,
        "scheme": meeting.scheme,
        "categories": [[c.id, c.name, c.weight] for c in meeting.categories],
        "imported": [[r.id, r.name, r.component_scores] for r in meeting.reporters],
        "rounds": [_round_facts(session, r) for r in rounds],
    }
    text = json.dumps(facts, sort_keys=True, ensure_ascii=False, default=str)
    return _short(hashlib.sha256(text.encode()).hexdigest())


# --------------------------------------------------------------------------- plain data


def score_text(value: Fraction | None) -> str | None:
    """Scores print with two decimals, rounded half up."""
    return None if value is None else str(round_half_up(value, 2))


def percent_text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.1f}"


def weight_text(value: Fraction) -> str:
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    return text


def scale_text(grades: tuple[Grade, ...]) -> str:
    """好 100、较好 80、一般 60、差 40"""
    return "、".join(f"{g.label} {weight_text(g.points)}" for g in grades)


def footnotes(scheme: Scheme, categories: list[CategoryInfo]) -> list[str]:
    """The scoring rules applied, as sentences for the results page and the letters."""
    notes = []
    weights = "、".join(f"{c.name} {weight_text(c.weight)}%" for c in categories if c.weight)
    if scheme.mode == GRADE:
        scales = scheme.scales
        if len(scales) == 1:
            points = scale_text(scales[0][0])
        else:  # every scale in use, with the lines that use it
            points = "；".join(
                f"{scale_text(grades)}（{'、'.join(line.name for line in lines)}）"
                for grades, lines in scales
            )
        notes.append(
            str(_l("Each line scores sum(votes x points) / votes, with %(points)s.", points=points))
        )
    else:
        notes.append(str(_l("Each line scores the mean of the 0-100 scores given.")))
        if scheme.trim_extremes:
            notes.append(
                str(
                    _l(
                        "In a category with more than %(n)d scores the highest and the lowest are dropped first.",
                        n=TRIM_MIN_SCORES - 1,
                    )
                )
            )
    if scheme.abstain:
        notes.append(
            str(_l("%(abstain)s counts as no vote for that line.", abstain=scheme.abstain))
        )
    notes.append(
        str(
            _l(
                "The assessment score is the weighted mean of the category means of the overall line (%(weights)s); a category without votes is left out and the other weights are scaled up.",
                weights=weights,
            )
        )
    )
    if scheme.mode == GRADE:
        top = scheme.overall.grades[0].label
        second = scheme.overall.grades[1].label
        notes.append(
            str(
                _l(
                    "Top-grade rate: share of %(top)s; approval rate: share of %(top)s and %(second)s, among all valid overall votes. Percentages are rounded to one decimal by the largest remainder, so each row adds up to 100.0%%.",
                    top=top,
                    second=second,
                )
            )
        )
    if scheme.imported:
        parts = "、".join(
            f"{c.name or _l('assessment')} {weight_text(c.weight)}%" for c in scheme.components
        )
        notes.append(
            str(
                _l(
                    "Final score: %(parts)s; a missing component is left out and the other weights are scaled up.",
                    parts=parts,
                )
            )
        )
    grades = "，".join(
        f"{t.grade} ≥ {weight_text(t.minimum)}" if t.minimum is not None else str(t.grade)
        for t in scheme.thresholds
    )
    notes.append(
        str(
            _l(
                "Scores are rounded half up to two decimals; the final grade is read from the rounded final score: %(grades)s.",
                grades=grades,
            )
        )
    )
    notes.append(
        str(
            _l(
                "Ranks follow the final score, highest first; equal scores share a rank and the next rank is skipped. Results whose quorum is not met are not ranked."
            )
        )
    )
    notes.append(
        str(
            _l(
                "A result is valid when the ballots returned are more than %(quorum)s%% of the slips issued. Invalid ballots count as returned but not in the scores.",
                quorum=weight_text(scheme.quorum_pct),
            )
        )
    )
    if scheme.top_quota_pct is not None and scheme.mode == GRADE:
        notes.append(
            str(
                _l(
                    "A ballot may give %(top)s to at most %(pct)s%% of the reporters on it (at least one); otherwise it is invalid.",
                    top=scheme.overall.grades[0].label,
                    pct=weight_text(scheme.top_quota_pct),
                )
            )
        )
    if scheme.same_grade_invalid:
        notes.append(
            str(
                _l(
                    "A ballot giving every reporter (three or more) the same overall grade is invalid."
                )
            )
        )
    if scheme.small_group_min > 1:
        notes.append(
            str(
                _l(
                    "A category with fewer than %(n)d voters for a reporter counts in the score, but its own breakdown is not shown, so that no one's ballot can be read from it; where that would leave a single category hidden, the next smallest one is hidden too.",
                    n=scheme.small_group_min,
                )
            )
        )
    return notes


def void_text(issued: int, returned: int, quorum_pct: Fraction) -> str:
    """结果无效（回收 x 张 / 发放 y 张，未达 z 张）"""
    return str(
        _l(
            "Result not valid (%(returned)d returned / %(issued)d issued, fewer than %(required)d)",
            returned=returned,
            issued=issued,
            required=required_returns(issued, quorum_pct),
        )
    )


def _line_groups(lines: list[dict[str, Any]], width: int) -> list[dict[str, Any]]:
    """Consecutive lines on the same grade scale, each group with its own header.

    ``pad`` empty cells after the grades keep the columns after them aligned when the
    scales have different numbers of grades.
    """
    groups: list[dict[str, Any]] = []
    for line in lines:
        if groups and groups[-1]["labels"] == line["labels"]:
            groups[-1]["lines"].append(line)
        else:
            groups.append(
                {
                    "labels": line["labels"],
                    "points": line["points"],
                    "pad": width - len(line["labels"]),
                    "lines": [line],
                }
            )
    return groups


def _reporter_entry(
    results: MeetingResults, item: ReporterResult, entry: dict[str, Any]
) -> dict[str, Any]:
    """The numbers of one scored reporter (see results_data for the rules)."""
    scheme = results.scheme
    tally = item.tally
    assert tally is not None
    total = tally.total
    overall = tally.overall
    weights = {c.id: c.weight for c in results.categories}
    names = {c.id: c.name for c in results.categories}
    component_names = {c.key: c.name for c in scheme.components}
    hidden = suppressed(
        {cid: p.returned for cid, p in tally.participation.items()}, scheme.small_group_min
    )
    void = not tally.quorum_met
    # the pooled distribution of a handful of ballots (or of a void result) is those
    # ballots: shown only from the small-group minimum of valid ballots on
    pooled_hidden = void or total.valid < scheme.small_group_min
    width = max((len(line.labels) for line in tally.lines), default=0)

    def mean(line: Any, cid: int) -> str | None:
        return None if cid in hidden else score_text(line.by_category[cid].mean)

    lines = [
        {
            "key": line.key,
            "name": line.name,
            "labels": list(line.labels),
            "points": [weight_text(g.points) for g in scheme_line.grades]
            if scheme.mode == GRADE and (scheme_line := scheme.line(line.key)) is not None
            else [],
            "counts": [None] * len(line.counts) if pooled_hidden else line.counts,
            "percents": [None] * len(line.percents)
            if pooled_hidden
            else [percent_text(p) for p in line.percents],
            "abstain": None if pooled_hidden else line.abstain,
            "score": None if void else score_text(line.score),
            "means": [None if void else mean(line, c.id) for c in results.categories],
        }
        for line in tally.lines
    ]
    entry.update(
        {
            "participation": {
                "issued": total.issued,
                "returned": total.returned,
                "valid": total.valid,
                "invalid": total.invalid,
            },
            "void": void,
            "void_text": void_text(total.issued, total.returned, scheme.quorum_pct) if void else "",
            "by_category": [
                {
                    "category": names[cid],
                    "weight": weight_text(weights[cid]),
                    "issued": p.issued,
                    "returned": p.returned,
                    "hidden": cid in hidden,
                    "valid": None if cid in hidden else p.valid,
                    "invalid": None if cid in hidden else p.invalid,
                    "mean": None if void else mean(overall, cid),
                    "line_means": [None if void else mean(line, cid) for line in tally.lines],
                }
                for cid, p in tally.participation.items()
            ],
            "hidden_categories": [names[cid] for cid in names if cid in hidden],
            "distribution_hidden": pooled_hidden,
            "lines": lines,
            "line_groups": _line_groups(lines, width),
            "assessment": None if void else score_text(tally.assessment),
            "top_rate": None if void else percent_text(tally.top_rate),
            "approval_rate": None if void else percent_text(tally.approval_rate),
            "components": [
                {"key": key, "name": component_names.get(key, ""), "value": score_text(value)}
                for key, value in tally.components.items()
                if key != "assessment"
            ],
            "missing_components": [component_names.get(k, k) for k in tally.missing_components],
            "final": None if void or tally.final_rounded is None else str(tally.final_rounded),
            "grade": None if void else tally.grade,
            "rank": None if void else tally.rank,
            "warning": not void and tally.warning,
            "quorum_met": tally.quorum_met,
            "renormalised": tally.renormalised,
            "left_out": [
                names[cid]
                for cid in names
                if cid not in overall.used_categories and weights[cid] > 0
            ]
            if tally.renormalised and not void
            else [],
        }
    )
    return entry


def results_data(
    results: MeetingResults, pause: Callable[[], None] | None = None
) -> dict[str, Any]:
    """Everything the surfaces print, as plain data with formatted numbers.

    Rules of presentation (the arithmetic is scoring's): a result whose quorum is not met
    is void: no score, grade or rank anywhere, ``void_text`` instead. A category with
    fewer voters than the scheme's small-group minimum (see scoring.suppressed) keeps its
    turnout but loses its means and its valid/invalid split. Each line carries its own
    grades and points; ``line_groups`` groups lines that share a scale, so a table can
    give every group its own header row. ``pause`` is called after each reporter.
    """
    meeting = results.meeting
    scheme = results.scheme
    reporters = []
    by_id = {r.id: r for r in meeting.reporters}
    for item in results.reporters:
        reporter = by_id[item.reporter_id]
        entry: dict[str, Any] = {
            "id": reporter.id,
            "name": reporter.name,
            "title": reporter.title,
            "unit": reporter.unit,
            "on_site": reporter.on_site,
            "status": item.status,
            "round": item.round_title,
            "void": False,
        }
        if item.tally is not None:
            _reporter_entry(results, item, entry)
        reporters.append(entry)
        if pause is not None:
            pause()
    ranked = sorted((r for r in reporters if r.get("rank")), key=lambda r: (r["rank"], r["name"]))
    return {
        "meeting": {
            "id": meeting.id,
            "title": meeting.title,
            "organ": meeting.organ_name,
            "year": meeting.year,
            "held_on": meeting.held_on.isoformat() if meeting.held_on else "",
        },
        "mode": scheme.mode,
        "numeric": scheme.mode == NUMERIC,
        "categories": [
            {"id": c.id, "name": c.name, "weight": weight_text(c.weight)}
            for c in results.categories
        ],
        "lines": [
            {"key": line.key, "name": line.name, "labels": list(line.labels())}
            for line in scheme.lines
        ],
        "scales": [
            {
                "labels": [g.label for g in grades],
                "points": [weight_text(g.points) for g in grades],
                "lines": [line.name for line in lines],
            }
            for grades, lines in scheme.scales
        ]
        if scheme.mode == GRADE
        else [],
        "max_grades": max((len(line.grades) for line in scheme.lines), default=0),
        "labels": list(scheme.overall.labels()),
        "assessment_name": scheme.components[0].name,
        "component_names": [c.name for c in scheme.imported],
        "reporters": reporters,
        "ranking": [r["id"] for r in ranked],
        "void_count": sum(1 for r in reporters if r.get("void")),
        "footnotes": footnotes(scheme, results.categories),
        "quota": top_quota_limit(scheme, len(meeting.reporters)),
    }


def reporter_data(data: dict[str, Any], reporter_id: int) -> dict[str, Any]:
    """One reporter's entry of ``results_data``."""
    return next(r for r in data["reporters"] if r["id"] == reporter_id)


# --------------------------------------------------------------------------- publishing

PUBLISH_LEVELS = ("none", "turnout", "distribution", "ranking")


def publish(
    session: Session, meeting: Meeting, level: str, data: dict[str, Any], now: str
) -> dict[str, Any]:
    """Choose what the projector shows of the results, frozen at this moment.

    none: nothing; turnout: returned / issued per reporter; distribution: each reporter's
    overall grade shares; ranking: the full table with final scores, grades and ranks.
    Refused while a round is open for any reporter (nothing half-counted reaches the
    room). A void result (quorum not met) is published as void: no shares, no score.
    """
    if level not in PUBLISH_LEVELS:
        raise errors.Invalid(_l("Unknown publishing level."))
    if level == "none":
        meeting.published = {}
        session.flush()
        return {}
    scoring = [r["name"] for r in data["reporters"] if r["status"] == SCORING]
    if scoring:
        raise errors.Conflict(
            _l(
                "Scoring is still open for %(names)s; close that round before publishing.",
                names="、".join(scoring[:5]) + ("……" if len(scoring) > 5 else ""),
            )
        )
    scored = [r for r in data["reporters"] if r["status"] == SCORED]
    if not scored:
        raise errors.Conflict(_l("No reporter has been scored in a closed round yet."))
    rows = []
    for r in scored:
        row: dict[str, Any] = {
            "name": r["name"],
            "unit": r["unit"],
            "returned": r["participation"]["returned"],
            "issued": r["participation"]["issued"],
            "valid": r["participation"]["valid"],
            "void": r["void"],
            "void_text": r["void_text"],
        }
        if level in ("distribution", "ranking") and not r["distribution_hidden"]:
            overall = r["lines"][-1]
            row["percents"] = overall["percents"]
            row["counts"] = overall["counts"]
        if level == "ranking" and not r["void"]:
            row.update(
                {
                    "final": r["final"],
                    "grade": r["grade"],
                    "rank": r["rank"],
                    "quorum_met": r["quorum_met"],
                }
            )
        rows.append(row)
    if level == "ranking":
        # stable: ties and unranked results keep the summary's order (述职 order), as on
        # the results page, the PDF and the Excel summary
        rows.sort(key=lambda row: (row.get("rank") is None, row.get("rank") or 0))
    meeting.published = {
        "level": level,
        "at": now,
        "labels": data["labels"],
        "numeric": data["numeric"],
        "rows": rows,
    }
    session.flush()
    return meeting.published
