"""Scoring schemes (测评方案): presets, the organiser's form, validation.

A scheme is stored on the meeting as a JSON document (see ``PRESETS`` for its shape) and
turned into ``scoring.Scheme`` for counting. Category weights live on the categories but
are validated together with the scheme.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from flask_babel import lazy_gettext as _l

from . import errors
from .scoring import GRADE, NUMERIC, QUOTA_PER_BALLOT, QUOTA_PER_MEETING, SMALL_GROUP_MIN, exact

FOUR_GRADES = [["好", 100], ["较好", 80], ["一般", 60], ["差", 40]]
FOUR_THRESHOLDS = [["好", 90], ["较好", 80], ["一般", 60], ["差", None]]

PRESETS: dict[str, dict[str, Any]] = {
    "party_building": {
        "name": "党组织书记抓基层党建述职评议",
        "mode": GRADE,
        "scale": FOUR_GRADES,
        "dimensions": [
            {"name": "抓基层党建工作", "scale": None},
            {"name": "履行管党治党政治责任", "scale": None},
            {"name": "执行廉洁自律", "scale": None},
        ],
        "overall": "综合评价",
        "overall_scale": None,
        "abstain": "不了解",
        "top_quota_pct": 30,
        "same_grade_invalid": True,
        "trim_extremes": False,
        "quorum_pct": 50,
        "top_quota_scope": QUOTA_PER_BALLOT,
        "small_group_min": SMALL_GROUP_MIN,
        "assessment_name": "述职评议测评",
        "components": [{"key": "c1", "name": "日常考核", "weight": 30}],
        "thresholds": FOUR_THRESHOLDS,
    },
    "duty_integrity": {
        "name": "述责述廉",
        "mode": GRADE,
        "scale": FOUR_GRADES,
        "dimensions": [
            {"name": "履行管党治党政治责任", "scale": None},
            {"name": "执行廉洁自律", "scale": None},
        ],
        "overall": "总体评价",
        "overall_scale": None,
        "abstain": "不了解",
        "top_quota_pct": 30,
        "same_grade_invalid": False,
        "trim_extremes": False,
        "quorum_pct": 50,
        "top_quota_scope": QUOTA_PER_BALLOT,
        "small_group_min": SMALL_GROUP_MIN,
        "assessment_name": "述责述廉测评",
        "components": [],
        "thresholds": FOUR_THRESHOLDS,
    },
    "democratic": {
        "name": "民主测评",
        "mode": GRADE,
        "scale": [["优秀", 95], ["称职", 85], ["基本称职", 75], ["不称职", 65]],
        "dimensions": [
            {"name": "德", "scale": None},
            {"name": "能", "scale": None},
            {"name": "勤", "scale": None},
            {"name": "绩", "scale": None},
            {"name": "廉", "scale": None},
        ],
        "overall": "总体评价",
        "overall_scale": None,
        "abstain": "不了解",
        "top_quota_pct": None,
        "same_grade_invalid": False,
        "trim_extremes": False,
        "quorum_pct": 50,
        "top_quota_scope": QUOTA_PER_BALLOT,
        "small_group_min": SMALL_GROUP_MIN,
        "assessment_name": "民主测评",
        "components": [],
        "thresholds": [["优秀", 90], ["称职", 80], ["基本称职", 70], ["不称职", None]],
    },
    "numeric": {
        "name": "百分制测评",
        "mode": NUMERIC,
        "scale": [],
        "dimensions": [
            {"name": "抓基层党建工作", "scale": None},
            {"name": "履行管党治党政治责任", "scale": None},
            {"name": "执行廉洁自律", "scale": None},
        ],
        "overall": "综合得分",
        "overall_scale": None,
        "abstain": None,
        "top_quota_pct": None,
        "same_grade_invalid": False,
        "trim_extremes": True,
        "quorum_pct": 50,
        "top_quota_scope": QUOTA_PER_BALLOT,
        "small_group_min": SMALL_GROUP_MIN,
        "assessment_name": "测评得分",
        "components": [{"key": "c1", "name": "日常考核", "weight": 20}],
        "thresholds": FOUR_THRESHOLDS,
    },
}
DEFAULT_PRESET = "party_building"

# Delegate categories as used in seed 002: (name, weight %, may submit inquiries)
CATEGORY_PRESET: list[tuple[str, float, bool]] = [
    ("党组成员", 30, True),
    ("党委委员", 20, False),
    ("纪委委员", 10, True),
    ("党支部书记及支委", 20, False),
    ("党员代表", 20, False),
]

MAX_DIMENSIONS = 10
MAX_GRADES = 8
MAX_COMPONENTS = 5


def preset(key: str) -> dict[str, Any]:
    """A fresh copy of a preset scheme."""
    if key not in PRESETS:
        raise errors.Invalid(_l("Unknown preset."))
    data = copy.deepcopy(PRESETS[key])
    data["preset"] = key
    return data


# --------------------------------------------------------------------------- validation


def _number(value: Any) -> Fraction | None:
    try:
        return exact(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None


def _check_scale(scale: Any, where: Any, problems: list[Any]) -> None:
    if not isinstance(scale, list) or not 2 <= len(scale) <= MAX_GRADES:
        problems.append(_l("%(where)s: give between 2 and 8 grades.", where=where))
        return
    labels: list[str] = []
    previous: Fraction | None = None
    for entry in scale:
        if not isinstance(entry, list | tuple) or len(entry) != 2:
            problems.append(_l("%(where)s: each grade needs a name and points.", where=where))
            return
        label, points = str(entry[0]).strip(), _number(entry[1])
        if not label:
            problems.append(_l("%(where)s: a grade has no name.", where=where))
        if label in labels:
            problems.append(
                _l("%(where)s: grade %(label)s appears twice.", where=where, label=label)
            )
        labels.append(label)
        if points is None or not 0 <= points <= 100:
            problems.append(
                _l("%(where)s: points of %(label)s must be 0-100.", where=where, label=label)
            )
        elif previous is not None and points >= previous:
            problems.append(
                _l(
                    "%(where)s: list grades from best to worst with falling points.",
                    where=where,
                )
            )
        previous = points if points is not None else previous


def validate_scheme(data: dict[str, Any]) -> dict[str, Any]:
    """Check a scheme document; raise Invalid listing every problem, else return it.

    Rules: a known mode; 2-8 grades per scale, best first, points falling within 0-100;
    unique dimension names (at most 10) and an overall line; an abstain label that is not
    a grade; quota 1-100%; quorum 0-99%; imported components with positive weights that
    leave the assessment a positive share; thresholds best first with falling minimums and
    a last catch-all grade without a minimum.
    """
    problems: list[Any] = []
    fields: dict[str, list[Any]] = {}  # the same problems by the form field they are about
    start = 0

    def about(field: str) -> None:
        # the problems added since the last call are about this field
        nonlocal start
        if len(problems) > start:
            fields.setdefault(field, []).extend(problems[start:])
        start = len(problems)

    mode = data.get("mode")
    if mode not in (GRADE, NUMERIC):
        problems.append(_l("Choose grade ballots or numeric (0-100) ballots."))
    about("mode")
    grade_mode = mode == GRADE
    if grade_mode:
        _check_scale(data.get("scale"), _l("Grade scale"), problems)
    about("scale")
    dimensions = data.get("dimensions") or []
    if len(dimensions) > MAX_DIMENSIONS:
        problems.append(_l("At most %(n)d dimensions.", n=MAX_DIMENSIONS))
    names = [str(d.get("name", "")).strip() for d in dimensions]
    if any(not n for n in names):
        problems.append(_l("A dimension has no name."))
    about("dimensions")
    overall = str(data.get("overall") or "").strip()
    if not overall:
        problems.append(_l("Name the overall line (e.g. 综合评价)."))
    about("overall")
    seen: set[str] = set()
    for name in [*names, overall]:
        if name and name in seen:
            problems.append(_l("The line %(name)s appears twice.", name=name))
        seen.add(name)
    if grade_mode:
        for dim in dimensions:
            if dim.get("scale"):
                _check_scale(dim["scale"], dim.get("name"), problems)
    about("dimensions")
    if grade_mode and data.get("overall_scale"):
        _check_scale(data["overall_scale"], overall, problems)
    about("overall")
    abstain = str(data.get("abstain") or "").strip()
    scales = [data.get("scale") or [], data.get("overall_scale") or []] + [
        d.get("scale") or [] for d in dimensions if isinstance(d, dict)
    ]
    all_labels = {str(g[0]) for scale in scales for g in scale if isinstance(g, list | tuple) and g}
    if abstain and abstain in all_labels:
        problems.append(_l("The abstain option must differ from every grade."))
    about("abstain")
    quota = data.get("top_quota_pct")
    if quota not in (None, ""):
        value = _number(quota)
        if value is None or not 0 < value <= 100:
            problems.append(_l("The top-grade quota must be between 1 and 100 percent."))
    about("top_quota_pct")
    quorum = _number(data.get("quorum_pct", 50))
    if quorum is None or not 0 <= quorum < 100:
        problems.append(_l("The quorum must be between 0 and 99 percent."))
    about("quorum_pct")
    if data.get("top_quota_scope", QUOTA_PER_BALLOT) not in (QUOTA_PER_BALLOT, QUOTA_PER_MEETING):
        problems.append(_l("Choose whether the quota counts per ballot or per meeting."))
    about("top_quota_scope")
    small = data.get("small_group_min", SMALL_GROUP_MIN)
    if not isinstance(small, int) or isinstance(small, bool) or not 1 <= small <= 20:
        problems.append(_l("The small-group minimum must be a whole number from 1 to 20."))
    about("small_group_min")
    _check_components(data.get("components") or [], problems)
    about("components")
    _check_thresholds(data.get("thresholds") or [], problems)
    about("thresholds")
    if problems:
        raise errors.Invalid(
            _l("The scheme cannot be saved yet."), problems=problems, fields=fields
        )
    data["overall"] = overall
    data["abstain"] = abstain or None
    return data


def _check_components(components: list[dict[str, Any]], problems: list[Any]) -> None:
    if len(components) > MAX_COMPONENTS:
        problems.append(_l("At most %(n)d imported components.", n=MAX_COMPONENTS))
    total = Fraction(0)
    names: set[str] = set()
    for component in components:
        name = str(component.get("name", "")).strip()
        weight = _number(component.get("weight"))
        if not name or name in names:
            problems.append(_l("Each imported component needs its own name."))
        names.add(name)
        if weight is None or weight <= 0:
            problems.append(_l("The weight of %(name)s must be above 0.", name=name))
        else:
            total += weight
    if total >= 100:
        problems.append(_l("Imported components must leave the assessment a share above 0%."))


def _check_thresholds(thresholds: list[Any], problems: list[Any]) -> None:
    if len(thresholds) < 2:
        problems.append(_l("Give at least two final grades."))
        return
    previous: Fraction | None = None
    grades: set[str] = set()
    for i, entry in enumerate(thresholds):
        grade, minimum = str(entry[0]).strip(), entry[1]
        if not grade or grade in grades:
            problems.append(_l("Each final grade needs its own name."))
        grades.add(grade)
        last = i == len(thresholds) - 1
        if last:
            if minimum is not None:
                problems.append(_l("The last final grade takes every lower score: no minimum."))
            continue
        value = _number(minimum)
        if value is None or not 0 <= value <= 100:
            problems.append(_l("The minimum for %(grade)s must be 0-100.", grade=grade))
        elif previous is not None and value >= previous:
            problems.append(_l("List final grades best first, with falling minimums."))
        previous = value if value is not None else previous


def validate_weights(weights: Sequence[tuple[str, Any]]) -> None:
    """Category weights: at least one category, none negative, summing to exactly 100."""
    if not weights:
        raise errors.Invalid(_l("Add at least one delegate category."))
    total = Fraction(0)
    for name, weight in weights:
        value = _number(weight)
        if value is None or value < 0:
            raise errors.Invalid(_l("The weight of %(name)s must not be negative.", name=name))
        total += value
    if total != 100:
        raise errors.Invalid(
            _l(
                "Category weights add up to %(total)s%%, they must add up to 100%%.",
                total=_plain(total),
            )
        )


def _plain(value: Fraction) -> str:
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    return text


# --------------------------------------------------------------------------- form text

_PAIR_SPLIT = re.compile(r"[,，、;；\n]+")
_PAIR = re.compile(r"^\s*(.+?)\s*(?:=|:|：|\s)\s*(-?\d+(?:\.\d+)?)\s*$")
_THRESHOLD = re.compile(r"^\s*(.+?)\s*(?:>=|≥|＞=|=|:|：|\s)\s*(\d+(?:\.\d+)?)\s*$")


def parse_scale(text: str) -> list[list[Any]]:
    """``好=100, 较好=80`` (or one per line, ``:`` also works) -> [["好", 100], ...]."""
    scale: list[list[Any]] = []
    for chunk in _PAIR_SPLIT.split(text.strip()):
        if not chunk.strip():
            continue
        match = _PAIR.match(chunk)
        if not match:
            raise errors.Invalid(
                _l("Cannot read grade %(text)s; write it as 好=100.", text=chunk.strip())
            )
        scale.append([match.group(1), _as_number(match.group(2))])
    return scale


def parse_dimensions(text: str) -> list[dict[str, Any]]:
    """One dimension per line; ``名称 | 满意=100, 不满意=60`` gives it its own scale."""
    dimensions = []
    for raw in text.splitlines():
        if not raw.strip():
            continue
        name, _, scale = raw.replace("｜", "|").partition("|")
        scale = scale.strip()
        dimensions.append({"name": name.strip(), "scale": parse_scale(scale) if scale else None})
    return dimensions


def parse_thresholds(text: str) -> list[list[Any]]:
    """``好 >= 90`` per line, best first; the last line is only a grade name."""
    thresholds: list[list[Any]] = []
    lines = [line.strip() for line in _PAIR_SPLIT.split(text.strip()) if line.strip()]
    for i, line in enumerate(lines):
        if i == len(lines) - 1 and not _THRESHOLD.match(line):
            thresholds.append([line, None])
            continue
        match = _THRESHOLD.match(line)
        if not match:
            raise errors.Invalid(
                _l("Cannot read final grade %(text)s; write it as 好 >= 90.", text=line)
            )
        thresholds.append([match.group(1), _as_number(match.group(2))])
    return thresholds


def parse_components(text: str) -> list[dict[str, Any]]:
    """``日常考核 = 30`` per line: imported components and their weight in percent."""
    components = []
    for i, pair in enumerate(parse_scale(text) if text.strip() else [], start=1):
        components.append({"key": f"c{i}", "name": pair[0], "weight": pair[1]})
    return components


def _as_number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() else value


def format_scale(scale: list[list[Any]] | None) -> str:
    """The inverse of parse_scale, for the edit form."""
    return ", ".join(f"{label}={_fmt(points)}" for label, points in scale or [])


def format_dimensions(dimensions: list[dict[str, Any]]) -> str:
    lines = []
    for dim in dimensions:
        scale = format_scale(dim.get("scale"))
        lines.append(f"{dim['name']} | {scale}" if scale else dim["name"])
    return "\n".join(lines)


def format_thresholds(thresholds: list[list[Any]]) -> str:
    return "\n".join(
        grade if minimum is None else f"{grade} >= {_fmt(minimum)}" for grade, minimum in thresholds
    )


def format_components(components: list[dict[str, Any]]) -> str:
    return "\n".join(f"{c['name']}={_fmt(c['weight'])}" for c in components)


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# the form fields that only mean something for one kind of ballot; the other kind's are
# hidden on the page and ignored here, so a value left in a hidden field does no harm
GRADE_ONLY = ("scale", "top_quota_pct", "top_quota_scope", "same_grade_invalid")
NUMERIC_ONLY = ("trim_extremes",)


def scheme_from_form(form: Any) -> dict[str, Any]:
    """Build and validate a scheme document from the organiser's form fields.

    Every problem is reported at once: Invalid's ``fields`` maps each form field to its
    problems (a field that cannot be read, then the scheme's rules), ``problems`` lists
    them all.
    """
    mode = form.get("mode", GRADE)
    grade_mode = mode == GRADE
    unreadable: dict[str, list[Any]] = {}

    def read(name: str, parse: Any, fallback: Any) -> Any:
        try:
            return parse(form.get(name, ""))
        except errors.Invalid as error:
            unreadable[name] = [error.message]
            return fallback

    data: dict[str, Any] = {
        "name": form.get("name", "").strip(),
        "preset": form.get("preset") or None,
        "mode": mode,
        "scale": read("scale", parse_scale, []) if grade_mode else [],
        "dimensions": read("dimensions", parse_dimensions, []),
        "overall": form.get("overall", "").strip(),
        "overall_scale": None,
        "abstain": form.get("abstain", "").strip() or None,
        "top_quota_pct": read("top_quota_pct", _optional_number, None) if grade_mode else None,
        "same_grade_invalid": grade_mode and bool(form.get("same_grade_invalid")),
        "trim_extremes": not grade_mode and bool(form.get("trim_extremes")),
        "quorum_pct": read("quorum_pct", _optional_number, None) or 0,
        "top_quota_scope": (form.get("top_quota_scope") if grade_mode else None)
        or QUOTA_PER_BALLOT,
        "small_group_min": read("small_group_min", _optional_number, None) or SMALL_GROUP_MIN,
        "assessment_name": form.get("assessment_name", "").strip() or "测评得分",
        "components": read("components", parse_components, []),
        "thresholds": read("thresholds", parse_thresholds, []),
    }
    try:
        checked = validate_scheme(data)
    except errors.Invalid as error:
        if not unreadable:
            raise
        # a field that could not be read: its reason, not the rules its stand-in breaks
        ruled = {k: v for k, v in error.detail.get("fields", {}).items() if k not in unreadable}
    else:
        if not unreadable:
            return checked
        ruled = {}
    fields = {**unreadable, **ruled}
    problems = [p for field_problems in fields.values() for p in field_problems]
    raise errors.Invalid(_l("The scheme cannot be saved yet."), problems=problems, fields=fields)


def _optional_number(text: str) -> int | float | None:
    text = (text or "").strip().rstrip("%")
    if not text:
        return None
    try:
        return _as_number(text)
    except ValueError as exc:
        raise errors.Invalid(_l("%(text)s is not a number.", text=text)) from exc
