"""Pure scoring rules: scheme, ballot validity, tallies, ranking.

Standard library only: no Flask, no SQLAlchemy, no clock. Everything the results page,
the projector, the letters and the exports show comes out of :func:`tally_meeting`, so
their numbers cannot disagree.

Arithmetic is exact (``fractions.Fraction``) until a number is shown; then it is rounded
half up (2 decimals for scores, 1 decimal for percentages). Category weights, component
weights and imported scores enter through ``Fraction(str(x))`` so that 33.3 means 33.3.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

OVERALL = "overall"
GRADE = "grade"
NUMERIC = "numeric"
ASSESSMENT = "assessment"

NUMERIC_MIN = 0
NUMERIC_MAX = 100
TRIM_MIN_SCORES = 6  # "more than 5 scores" before the highest and lowest are dropped
SAME_GRADE_MIN_REPORTERS = 3
SMALL_GROUP_MIN = 3  # default: a category with fewer voters has no breakdown of its own
QUOTA_PER_BALLOT = "ballot"
QUOTA_PER_MEETING = "meeting"


# --------------------------------------------------------------------------- scheme


@dataclass(frozen=True)
class Grade:
    label: str
    points: Fraction


@dataclass(frozen=True)
class Line:
    """One row of the ballot for every reporter: a dimension or the overall grade."""

    key: str
    name: str
    grades: tuple[Grade, ...] = ()  # empty in numeric mode

    def labels(self) -> tuple[str, ...]:
        return tuple(g.label for g in self.grades)

    def points(self, label: str) -> Fraction:
        for grade in self.grades:
            if grade.label == label:
                return grade.points
        raise KeyError(label)


@dataclass(frozen=True)
class Component:
    """A part of the final result: the assessment itself or an imported score."""

    key: str
    name: str
    weight: Fraction  # percent


@dataclass(frozen=True)
class Threshold:
    grade: str
    minimum: Fraction | None  # None: the catch-all last grade


@dataclass(frozen=True)
class Scheme:
    mode: str
    lines: tuple[Line, ...]  # dimensions first, the overall line last
    abstain: str | None
    top_quota_pct: Fraction | None
    same_grade_invalid: bool
    trim_extremes: bool
    quorum_pct: Fraction
    components: tuple[Component, ...]  # the assessment first, then imported scores
    thresholds: tuple[Threshold, ...]
    small_group_min: int = SMALL_GROUP_MIN
    top_quota_scope: str = QUOTA_PER_BALLOT

    @property
    def overall(self) -> Line:
        return self.lines[-1]

    def line(self, key: str) -> Line | None:
        for line in self.lines:
            if line.key == key:
                return line
        return None

    @property
    def imported(self) -> tuple[Component, ...]:
        return tuple(c for c in self.components if c.key != ASSESSMENT)

    @property
    def scales(self) -> list[tuple[tuple[Grade, ...], tuple[Line, ...]]]:
        """Each distinct grade scale in use, with the lines that use it (first use first)."""
        found: list[tuple[tuple[Grade, ...], list[Line]]] = []
        for line in self.lines:
            for grades, lines in found:
                if grades == line.grades:
                    lines.append(line)
                    break
            else:
                found.append((line.grades, [line]))
        return [(grades, tuple(lines)) for grades, lines in found]


def exact(value: Any) -> Fraction:
    """A decimal number as written (``33.3`` is 333/10, not the nearest binary float)."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise TypeError("not a number")
    if isinstance(value, int):
        return Fraction(value)
    return Fraction(str(value))


def scheme_from_dict(data: Mapping[str, Any]) -> Scheme:
    """Build a Scheme from its stored JSON form (already validated by ``meeting.schemes``)."""
    mode = data.get("mode", GRADE)
    default_scale = data.get("scale") or []

    def grades(scale: Sequence[Sequence[Any]] | None) -> tuple[Grade, ...]:
        if mode != GRADE:
            return ()
        return tuple(Grade(str(label), exact(points)) for label, points in (scale or default_scale))

    lines = [
        Line(f"d{i}", dim["name"], grades(dim.get("scale")))
        for i, dim in enumerate(data.get("dimensions") or [], start=1)
    ]
    lines.append(Line(OVERALL, data.get("overall") or "", grades(data.get("overall_scale"))))
    imported = [
        Component(c["key"], c["name"], exact(c["weight"])) for c in data.get("components") or []
    ]
    assessment_weight = Fraction(100) - sum((c.weight for c in imported), Fraction(0))
    components = (Component(ASSESSMENT, data.get("assessment_name") or "", assessment_weight),)
    thresholds = tuple(
        Threshold(str(grade), None if minimum is None else exact(minimum))
        for grade, minimum in data.get("thresholds") or []
    )
    quota = data.get("top_quota_pct")
    return Scheme(
        mode=mode,
        lines=tuple(lines),
        abstain=data.get("abstain") or None,
        top_quota_pct=None if quota in (None, "") else exact(quota),
        same_grade_invalid=bool(data.get("same_grade_invalid")),
        trim_extremes=bool(data.get("trim_extremes")),
        quorum_pct=exact(data.get("quorum_pct", 50)),
        components=components + tuple(imported),
        thresholds=thresholds,
        small_group_min=int(data.get("small_group_min") or SMALL_GROUP_MIN),
        top_quota_scope=QUOTA_PER_MEETING
        if data.get("top_quota_scope") == QUOTA_PER_MEETING
        else QUOTA_PER_BALLOT,
    )


# --------------------------------------------------------------------------- rounding


def round_half_up(value: Fraction, places: int) -> Decimal:
    """Round an exact value half up (away from zero for .5) to ``places`` decimals."""
    scale = 10**places
    scaled = abs(value) * scale
    whole = int(scaled)  # floor for non-negative
    if scaled - whole >= Fraction(1, 2):
        whole += 1
    sign = -1 if value < 0 else 1
    return (Decimal(sign * whole) / Decimal(scale)).quantize(Decimal(1).scaleb(-places))


def percentages(counts: Sequence[int], places: int = 1) -> list[Decimal]:
    """Shares of ``counts`` in percent that add up to exactly 100 (largest remainder).

    Each share is first cut down to ``places`` decimals; the units still missing from 100
    go one each to the largest remainders; equal remainders go to the earlier (better)
    grade first. All zero counts give all-zero shares.
    """
    total = sum(counts)
    if total == 0:
        return [Decimal(0).quantize(Decimal(1).scaleb(-places)) for _ in counts]
    units = 100 * 10**places
    floors = [c * units // total for c in counts]
    remainders = [c * units % total for c in counts]
    missing = units - sum(floors)
    order = sorted(range(len(counts)), key=lambda i: (-remainders[i], i))
    for i in order[:missing]:
        floors[i] += 1
    return [(Decimal(f) / Decimal(10**places)).quantize(Decimal(1).scaleb(-places)) for f in floors]


# --------------------------------------------------------------------------- ballots


@dataclass(frozen=True)
class Problem:
    """Why a well-formed ballot is invalid; ``code`` is translated by the caller."""

    code: str  # "incomplete" | "top_quota" | "same_grade"
    params: Mapping[str, Any] = field(default_factory=dict)


class MalformedBallot(ValueError):
    """The ballot does not fit the sheet at all; it is refused, nothing is stored."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


Answers = dict[int, dict[str, Any]]  # reporter id -> line key -> grade label / number / None


def parse_answers(scheme: Scheme, reporter_ids: Sequence[int], raw: Any) -> Answers:
    """Turn the wire form ``[{"r": id, "k": line, "v": value}, ...]`` into Answers.

    Refuses (MalformedBallot) anything that does not fit the sheet: not a list, unknown
    reporters or lines, a value off the scale, a number out of range, a line given twice.
    ``None`` means the abstain option and is only accepted when the scheme has one.
    Missing lines are not refused here; they make the ballot invalid (see check_ballot).
    """
    if not isinstance(raw, list):
        raise MalformedBallot("not_a_list")
    allowed = set(reporter_ids)
    if len(raw) > len(allowed) * len(scheme.lines):
        raise MalformedBallot("too_many_lines")
    answers: Answers = {}
    for item in raw:
        if not isinstance(item, dict) or set(item) != {"r", "k", "v"}:
            raise MalformedBallot("bad_line")
        rid, key, value = item["r"], item["k"], item["v"]
        if not isinstance(rid, int) or isinstance(rid, bool) or rid not in allowed:
            raise MalformedBallot("unknown_reporter")
        line = scheme.line(key) if isinstance(key, str) else None
        if line is None:
            raise MalformedBallot("unknown_line")
        per_reporter = answers.setdefault(rid, {})
        if key in per_reporter:
            raise MalformedBallot("duplicate_line")
        per_reporter[key] = _checked_value(scheme, line, value)
    return answers


def _checked_value(scheme: Scheme, line: Line, value: Any) -> Any:
    if value is None:
        if scheme.abstain is None:
            raise MalformedBallot("abstain_not_allowed")
        return None
    if scheme.mode == NUMERIC:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise MalformedBallot("not_a_number")
        if value != value or not NUMERIC_MIN <= value <= NUMERIC_MAX:  # NaN or out of range
            raise MalformedBallot("out_of_range", low=NUMERIC_MIN, high=NUMERIC_MAX)
        number = exact(value)
        if number * 10 != int(number * 10):
            raise MalformedBallot("too_precise")
        return value
    if not isinstance(value, str) or value not in line.labels():
        raise MalformedBallot("not_on_scale")
    return value


def top_quota_limit(scheme: Scheme, reporters: int) -> int | None:
    """Most top-grade overall answers one ballot may give.

    ``floor(reporters x quota%)`` but never below 1, so a round for a single reporter can
    still give the top grade. None when the scheme sets no quota or is numeric.
    """
    if scheme.top_quota_pct is None or scheme.mode != GRADE:
        return None
    return max(1, int(Fraction(reporters) * scheme.top_quota_pct / 100))


@dataclass(frozen=True)
class Quota:
    """The top-grade quota a ballot is checked against: how many top grades it may give,
    and how many the slip gave before (in the meeting's earlier rounds, per-meeting scope)."""

    limit: int
    used_before: int = 0


def meeting_quota(scheme: Scheme, meeting_reporters: int, used_before: int) -> Quota | None:
    """The per-meeting quota: top_quota_limit over all the meeting's reporters, less what
    the slip used before. None when the scheme has no quota or counts it per ballot."""
    limit = top_quota_limit(scheme, meeting_reporters)
    if limit is None or scheme.top_quota_scope != QUOTA_PER_MEETING:
        return None
    return Quota(limit, used_before)


def top_used(scheme: Scheme, answers: Answers) -> int:
    """How many top grades a ballot gives on the overall line."""
    if scheme.mode != GRADE:
        return 0
    top = scheme.overall.grades[0].label
    return sum(1 for lines in answers.values() if lines.get(OVERALL) == top)


def check_ballot(
    scheme: Scheme, reporter_ids: Sequence[int], answers: Answers, quota: Quota | None = None
) -> list[Problem]:
    """Validity rules for a parsed ballot; an empty list means the ballot is valid.

    * incomplete: a line of a reporter is neither answered nor abstained;
    * top_quota: more top-grade overall answers than :func:`top_quota_limit` allows for
      the reporters on the ballot; or, with a per-meeting ``quota``, more than its limit
      together with the top grades the slip gave in earlier rounds (``params["before"]``);
    * same_grade: (rule optional) the same overall answer for every reporter, only when
      the ballot covers at least three reporters and none of those answers is abstain;
      not when that answer is the top grade over its quota (one fault, fixed together).
    The phone checks the same rules before it sends (static/js/ballot_rules.js).
    """
    problems: list[Problem] = []
    missing = [
        rid
        for rid in reporter_ids
        if any(line.key not in answers.get(rid, {}) for line in scheme.lines)
    ]
    if missing:
        problems.append(Problem("incomplete", {"reporters": missing}))
    overall = [answers.get(rid, {}).get(OVERALL) for rid in reporter_ids]
    limit = top_quota_limit(scheme, len(reporter_ids)) if quota is None else quota.limit
    before = 0 if quota is None else quota.used_before
    if limit is not None:
        top = scheme.overall.grades[0].label
        used = before + sum(1 for v in overall if v == top)
        if used > limit:
            params = {"grade": top, "limit": limit, "used": used, "before": before}
            problems.append(Problem("top_quota", params))
    quota_grades = {p.params["grade"] for p in problems if p.code == "top_quota"}
    if (
        scheme.same_grade_invalid
        and len(reporter_ids) >= SAME_GRADE_MIN_REPORTERS
        and not missing
        and None not in overall
        and len(set(overall)) == 1
        # everyone on the top grade over its quota is one fault: fixing the quota fixes it
        and overall[0] not in quota_grades
    ):
        problems.append(Problem("same_grade", {"grade": overall[0]}))
    return problems


# --------------------------------------------------------------------------- tallies


@dataclass(frozen=True)
class CategoryInfo:
    id: int
    name: str
    weight: Fraction  # percent


@dataclass(frozen=True)
class BallotInfo:
    category_id: int
    valid: bool
    answers: Answers


@dataclass
class LineCategoryTally:
    counts: list[int]  # per grade (grade mode)
    abstain: int
    values: list[Fraction]  # numeric mode: the scores counted after trimming
    dropped: int  # numeric mode: scores dropped by trimming
    mean: Fraction | None

    @property
    def votes(self) -> int:
        return sum(self.counts) if self.counts else len(self.values) + self.dropped


@dataclass
class LineTally:
    key: str
    name: str
    labels: tuple[str, ...]
    by_category: dict[int, LineCategoryTally]
    counts: list[int]  # all categories pooled
    abstain: int
    percents: list[Decimal]  # of the pooled counts, add up to 100.0
    score: Fraction | None  # weighted mean of category means
    used_categories: tuple[int, ...]  # categories with votes (their weights renormalised)


@dataclass
class Participation:
    issued: int
    returned: int
    valid: int
    invalid: int


@dataclass
class ReporterTally:
    reporter_id: int
    participation: dict[int, Participation]
    lines: list[LineTally]
    assessment: Fraction | None
    top_rate: Decimal | None  # 好评率, percent
    approval_rate: Decimal | None  # 满意率, percent
    components: dict[str, Fraction | None]
    missing_components: tuple[str, ...]
    final: Fraction | None
    final_rounded: Decimal | None
    grade: str | None
    warning: bool  # final grade is the lowest one: 约谈提醒
    quorum_met: bool
    renormalised: bool  # a category without votes was left out of the weights
    rank: int | None = None

    @property
    def total(self) -> Participation:
        parts = self.participation.values()
        return Participation(
            sum(p.issued for p in parts),
            sum(p.returned for p in parts),
            sum(p.valid for p in parts),
            sum(p.invalid for p in parts),
        )

    @property
    def overall(self) -> LineTally:
        return self.lines[-1]


def trimmed(values: Sequence[Fraction], trim: bool) -> tuple[list[Fraction], int]:
    """Drop one highest and one lowest score when trimming is on and there are > 5."""
    ordered = sorted(values)
    if trim and len(ordered) >= TRIM_MIN_SCORES:
        return ordered[1:-1], 2
    return ordered, 0


def weighted_mean(
    means: Mapping[int, Fraction | None], weights: Mapping[int, Fraction]
) -> tuple[Fraction | None, tuple[int, ...]]:
    """Weighted mean of category means; categories without a mean are left out.

    The remaining weights are renormalised to 100% (a category without votes is never
    counted as zero). Returns the mean (None when no category has one) and the ids used.
    """
    present = {cid: mean for cid, mean in means.items() if mean is not None and weights.get(cid)}
    used = tuple(present)
    total_weight = sum((weights[cid] for cid in used), Fraction(0))
    if not used or total_weight == 0:
        return None, ()
    value = sum((weights[cid] * mean for cid, mean in present.items()), Fraction(0)) / total_weight
    return value, used


def tally_line(
    scheme: Scheme,
    line: Line,
    categories: Sequence[CategoryInfo],
    ballots: Iterable[BallotInfo],
    reporter_id: int,
) -> LineTally:
    """Counts, category means and the weighted score of one line for one reporter.

    Only valid ballots count. Abstain counts as no vote for the line. A category mean is
    sum(votes x points) / votes in that category (numeric mode: the plain mean, after
    dropping the highest and lowest score when :func:`trimmed` says so).
    """
    labels = line.labels()
    raw: dict[int, list[Any]] = {c.id: [] for c in categories}
    for ballot in ballots:
        if not ballot.valid or ballot.category_id not in raw:
            continue
        per_reporter = ballot.answers.get(reporter_id)
        if per_reporter is not None and line.key in per_reporter:
            raw[ballot.category_id].append(per_reporter[line.key])

    by_category: dict[int, LineCategoryTally] = {}
    for cid, answers in raw.items():
        votes = [a for a in answers if a is not None]
        abstain = len(answers) - len(votes)
        if scheme.mode == GRADE:
            counts = [sum(1 for v in votes if v == label) for label in labels]
            points = sum(
                (n * grade.points for n, grade in zip(counts, line.grades, strict=True)),
                Fraction(0),
            )
            mean = points / len(votes) if votes else None
            by_category[cid] = LineCategoryTally(counts, abstain, [], 0, mean)
        else:
            kept, dropped = trimmed([exact(v) for v in votes], scheme.trim_extremes)
            mean = sum(kept, Fraction(0)) / len(kept) if kept else None
            by_category[cid] = LineCategoryTally([], abstain, kept, dropped, mean)

    pooled = [sum(t.counts[i] for t in by_category.values()) for i in range(len(labels))]
    score, used = weighted_mean(
        {cid: t.mean for cid, t in by_category.items()}, {c.id: c.weight for c in categories}
    )
    return LineTally(
        key=line.key,
        name=line.name,
        labels=labels,
        by_category=by_category,
        counts=pooled,
        abstain=sum(t.abstain for t in by_category.values()),
        percents=percentages(pooled) if labels else [],
        score=score,
        used_categories=used,
    )


def final_grade(scheme: Scheme, score: Decimal | None) -> str | None:
    """The first threshold whose minimum the rounded final score reaches (>=).

    The grade is read from the score as printed (rounded to 2 decimals), so the number
    and the grade on the letter always agree; the last threshold catches the rest.
    """
    if score is None:
        return None
    for threshold in scheme.thresholds:
        if threshold.minimum is None or Fraction(score) >= threshold.minimum:
            return threshold.grade
    return None


def combine(
    scheme: Scheme, assessment: Fraction | None, imported: Mapping[str, Any]
) -> tuple[Fraction | None, dict[str, Fraction | None], tuple[str, ...]]:
    """Final score: components weighted by their percent; missing ones left out.

    A component without a value (no 日常考核 imported for this reporter) is left out and
    the remaining weights renormalised; its key is returned so the letter can say so.
    Without an assessment score there is no final score.
    """
    values: dict[str, Fraction | None] = {ASSESSMENT: assessment}
    for component in scheme.imported:
        raw = imported.get(component.key)
        values[component.key] = None if raw is None else exact(raw)
    missing = tuple(c.key for c in scheme.imported if values[c.key] is None)
    if assessment is None:
        return None, values, missing
    present = [
        (c.weight, value)
        for c in scheme.components
        if (value := values[c.key]) is not None and c.weight > 0
    ]
    total_weight = sum((weight for weight, _ in present), Fraction(0))
    if total_weight == 0:
        return assessment, values, missing
    final = sum((weight * value for weight, value in present), Fraction(0)) / total_weight
    return final, values, missing


def tally_reporter(
    scheme: Scheme,
    categories: Sequence[CategoryInfo],
    reporter_id: int,
    issued: Mapping[int, int],
    ballots: Sequence[BallotInfo],
    imported: Mapping[str, Any],
) -> ReporterTally:
    """Everything the results show for one reporter; see the rules in each helper.

    ``issued`` counts the tokens eligible in the round that scored the reporter, per
    category; ``ballots`` are that round's ballots (valid and invalid). The assessment
    score is the overall line's weighted score. 好评率 / 满意率 are the top one / top two
    percentages of the pooled overall distribution (so they match the table exactly).
    The quorum is met when returned ballots are strictly more than quorum% of issued.
    """
    participation = {
        c.id: Participation(
            issued=issued.get(c.id, 0),
            returned=sum(1 for b in ballots if b.category_id == c.id),
            valid=sum(1 for b in ballots if b.category_id == c.id and b.valid),
            invalid=sum(1 for b in ballots if b.category_id == c.id and not b.valid),
        )
        for c in categories
    }
    lines = [tally_line(scheme, line, categories, ballots, reporter_id) for line in scheme.lines]
    overall = lines[-1]
    assessment = overall.score
    top_rate = approval_rate = None
    if scheme.mode == GRADE and sum(overall.counts) > 0:
        top_rate = overall.percents[0]
        approval_rate = sum(overall.percents[:2], Decimal("0.0"))
    final, components, missing = combine(scheme, assessment, imported)
    final_rounded = None if final is None else round_half_up(final, 2)
    grade = final_grade(scheme, final_rounded)
    total_issued = sum(p.issued for p in participation.values())
    total_returned = sum(p.returned for p in participation.values())
    met = quorum_met(total_issued, total_returned, scheme.quorum_pct)
    weighted = {c.id for c in categories if c.weight > 0}
    return ReporterTally(
        reporter_id=reporter_id,
        participation=participation,
        lines=lines,
        assessment=assessment,
        top_rate=top_rate,
        approval_rate=approval_rate,
        components=components,
        missing_components=missing,
        final=final,
        final_rounded=final_rounded,
        grade=grade,
        warning=grade is not None
        and bool(scheme.thresholds)
        and grade == scheme.thresholds[-1].grade,
        quorum_met=met,
        renormalised=assessment is not None and set(overall.used_categories) != weighted,
    )


def quorum_met(issued: int, returned: int, quorum_pct: Fraction) -> bool:
    """Valid when the ballots returned are strictly more than quorum% of the slips issued.

    Nothing issued is never a quorum. Invalid ballots count as returned.
    """
    return issued > 0 and Fraction(returned, issued) * 100 > quorum_pct


def required_returns(issued: int, quorum_pct: Fraction) -> int:
    """The fewest returned ballots that meet the quorum (strictly more than quorum%)."""
    needed = Fraction(issued) * quorum_pct / 100
    return int(needed) + 1


def suppressed(voters: Mapping[int, int], minimum: int) -> set[int]:
    """Categories whose own breakdown must not be shown, so no small group's vote shows.

    Primary: a category with at least one but fewer than ``minimum`` voters. The score
    is a weighted mean of the category means with published weights, so one hidden mean
    could be solved back from the others: when exactly one category is hidden and other
    categories have voters, the smallest of those (fewest voters, then lowest id) is
    hidden too (complementary suppression). Categories without voters have nothing to hide.
    """
    primary = {cid for cid, n in voters.items() if 0 < n < minimum}
    others = sorted((n, cid) for cid, n in voters.items() if n > 0 and cid not in primary)
    if len(primary) == 1 and others:
        primary.add(others[0][1])
    return primary


def rank(tallies: Sequence[ReporterTally]) -> None:
    """Rank by the rounded final score, highest first; sets ``rank`` in place.

    Equal rounded scores share a rank and the next rank skips (1, 2, 2, 4). Reporters
    without a final score or whose quorum was not met get no rank.
    """
    ranked = [t for t in tallies if t.final_rounded is not None and t.quorum_met]
    for t in tallies:
        t.rank = None
    ranked.sort(key=lambda t: t.final_rounded or Decimal(0), reverse=True)
    previous: Decimal | None = None
    current = 0
    for position, t in enumerate(ranked, start=1):
        if t.final_rounded != previous:
            current = position
            previous = t.final_rounded
        t.rank = current


@dataclass(frozen=True)
class ReporterInput:
    """What one reporter is tallied from: the round that scored them."""

    reporter_id: int
    issued: Mapping[int, int]  # category id -> eligible tokens in that round
    ballots: Sequence[BallotInfo]  # that round's ballots, valid and invalid
    imported: Mapping[str, Any]  # imported component scores (日常考核 ...)


def tally_meeting(
    scheme: Scheme,
    categories: Sequence[CategoryInfo],
    inputs: Sequence[ReporterInput],
    pause: Callable[[], None] | None = None,
) -> list[ReporterTally]:
    """Tally every reporter and rank them: the one function all results come from.

    ``pause`` (optional) is called after each reporter, so a caller running on an event
    loop can let other work through during a long tally.
    """
    tallies = []
    for i in inputs:
        tallies.append(
            tally_reporter(scheme, categories, i.reporter_id, i.issued, i.ballots, i.imported)
        )
        if pause is not None:
            pause()
    rank(tallies)
    return tallies
