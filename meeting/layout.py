"""Computed sizes for printed tables: pure, standard library only, no fonts needed.

The results summary (reports/summary.html) is a wide table on landscape A4 whose columns
depend on the meeting (categories, components) and whose cells depend on the people
(a 2-character name, a 16-character unit). Left to the automatic table layout, narrow
columns come out one character per line. :func:`summary_layout` measures the text instead,
with the advance widths of WenQuanYi Zen Hei in em (CJK 1, digits 0.6, "." 0.3), and
returns a font size and one width per column, so that

* every cell of a number column and every short text cell (names, grades) fits on one line;
* every header fits in at most three lines of at least two CJK characters (a bracketed
  "（30%）" or a Latin word is never broken, and no line holds a lone character);
* the long text columns (unit, position, notes) fit on one line too where the type width
  allows it at a legible size (down to 7.5 pt), and only otherwise wrap, as few cells as
  may be (the font goes down to 7 pt only when four lines a cell are not enough);
* the widths add up to the type width (273 mm: landscape A4 less 12 mm margins).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Collection, Sequence
from typing import Any

PT_MM = 25.4 / 72  # one point in millimetres

# advance widths in em of WenQuanYi Zen Hei (the summary's face), by character class
NARROW = frozenset(" .,:;!'|()[]-/·`")
DIGIT_EM = 0.6
NARROW_EM = 0.3
PERCENT_EM = 0.7
LATIN_EM = 0.6
UPPER_EM = 0.7
WIDE_EM = 1.0

# a cell that is a number or a placeholder: right-aligned and never wrapped
NUMBER = re.compile(r"^\s*(?:[-+]?\d[\d,]*(?:\.\d+)?\s*%?|[—–-]+)?\s*$")
# no line may start with these (they stick to the token before) ...
CLOSING = frozenset("）)]】」』〉》，、。．：；！？%％”’")
# ... nor end with these (they stick to the token after)
OPENING = frozenset("（([【「『〈《“‘")
BRACKETS = {"（": "）", "(": ")", "【": "】", "[": "]"}

SHORT_TEXT_EM = 6.0  # a text column whose widest cell is at most this never wraps,
NAME_EM = 4.5  # nor one whose cells are mostly (90 %) this short and never over
NAME_MAX_EM = 10.0  # this (names: 2 to 4 characters, now and then a longer one)
MIN_HEADER_EM = 2.0  # at least two CJK characters per header line
MAX_HEADER_LINES = 3
MAX_TEXT_LINES = 4  # a long text cell (unit, notes) wraps to at most this many lines
SAFETY_EM = 0.15  # beside the widest body cell: a computed fit must really fit
EDGE_EM = 0.05  # a header line this close to the column width may or may not fit


def char_em(char: str) -> float:
    """Advance width of one character in em (CJK and full-width forms count as 1)."""
    if char.isdigit() and char.isascii():
        return DIGIT_EM
    if char in NARROW:
        return NARROW_EM
    if char == "%":
        return PERCENT_EM
    if char.isascii():
        return UPPER_EM if char.isupper() else LATIN_EM
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return WIDE_EM
    return WIDE_EM if unicodedata.category(char).startswith(("L", "S")) else LATIN_EM


def text_em(text: str) -> float:
    """Width of a text on one line, in em."""
    return sum(char_em(c) for c in text)


def tokens(text: str) -> list[str]:
    """Split a text into the pieces a line may break between.

    Each CJK character is a piece; a run of Latin letters or digits (with a trailing "%")
    is one piece; a short bracketed group such as "（30%）" is one piece; opening
    punctuation sticks to the piece after it and closing punctuation to the piece before.
    """
    pieces: list[str] = []
    i = 0
    pending = ""  # opening punctuation waiting for its piece
    while i < len(text):
        char = text[i]
        close = BRACKETS.get(char)
        end = text.find(close, i + 1) if close else -1
        if close and end != -1 and text_em(text[i : end + 1]) <= 5:
            piece, i = text[i : end + 1], end + 1
        elif char in OPENING:
            pending += char
            i += 1
            continue
        elif char in CLOSING and pieces and not pending:
            pieces[-1] += char
            i += 1
            continue
        elif char.isascii() and char.isalnum():
            j = i
            while j < len(text) and text[j].isascii() and (text[j].isalnum() or text[j] in ".%"):
                j += 1
            piece, i = text[i:j], j
        elif char.isspace():
            i += 1
            continue
        else:
            piece, i = char, i + 1
        pieces.append(pending + piece)
        pending = ""
    if pending:
        pieces.append(pending)
    return pieces


def wrap(text: str, width_em: float) -> list[str]:
    """Greedy line breaking of ``text`` at ``width_em`` (as the renderer does, roughly)."""
    lines: list[str] = []
    line = ""
    for piece in tokens(text):
        if line and text_em(line + piece) > width_em + 1e-9:
            lines.append(line)
            line = piece
        else:
            line += piece
    if line or not lines:
        lines.append(line)
    return lines


def _orphan(lines: list[str]) -> bool:
    """A wrapped text with a line of one lone CJK character (有效 / 票, 党组成 / 员 / …)."""
    return len(lines) > 1 and any(len(x) == 1 and char_em(x) == WIDE_EM for x in lines)


def header_ok(text: str, width_em: float, max_lines: int = MAX_HEADER_LINES) -> bool:
    """True when ``text`` wraps sensibly at ``width_em``: no piece broken (see
    :func:`tokens`), at most ``max_lines`` lines, no line holding a lone CJK character.

    Checked a little narrower too (``EDGE_EM``), so that a line exactly as wide as the
    column is sensible whether the renderer's rounding lets it fit or not.
    """
    if not text:
        return True
    pieces = tokens(text)
    for width in (width_em, width_em - EDGE_EM):
        if text_em(text) <= width:
            continue
        if max(text_em(p) for p in pieces) > width:
            return False
        lines = wrap(text, width)
        if len(lines) > max_lines or _orphan(lines):
            return False
    return True


def header_em(text: str, at_least: float = 0.0, max_lines: int = MAX_HEADER_LINES) -> float:
    """The narrowest width (em), not below ``at_least``, at which a header wraps sensibly.

    At least two CJK characters a line (or the whole header if shorter) and
    :func:`header_ok`; at most the header on one line (plus ``EDGE_EM``) or ``at_least``.
    """
    full = text_em(text)
    width = max(at_least, min(MIN_HEADER_EM, full))
    while width < full + EDGE_EM and not header_ok(text, width, max_lines):
        width += 0.1
    return round(width, 2)


def is_number_column(cells: Sequence[str]) -> bool:
    """True when every cell is a number, a percentage, a dash or empty (and one is a number)."""
    filled = [c for c in cells if c.strip()]
    return bool(filled) and all(NUMBER.match(c) for c in filled)


def _short(cells: Sequence[str]) -> bool:
    """A column of short text that should never wrap: grades, names (even 阿依古丽·买买提)."""
    sizes = sorted(text_em(c) for c in cells if c.strip())
    if not sizes or sizes[-1] <= SHORT_TEXT_EM:
        return True
    return sizes[-1] <= NAME_MAX_EM and sizes[int(0.9 * (len(sizes) - 1))] <= NAME_EM


def _wrap_em(cells: Sequence[str], lines: int, widest: float) -> float:
    """Width (em) at which every cell wraps to at most ``lines`` lines, none of them a lone
    character (秘书长、党支部书 / 记): whole characters, so whole em from widest / lines."""
    width = float(math.ceil(widest / lines))
    while width < widest:
        if all(
            len(found := wrap(c, width)) <= lines and not _orphan(found)
            for c in cells
            if text_em(c) > width
        ):
            return width
        width += 0.5
    return widest


def _widths_em(
    header: Sequence[str], columns: list[list[str]], wrapped: dict[int, int]
) -> list[float]:
    """Width in em of each column: its widest cell (on ``wrapped[i]`` lines) or its header."""
    widths = []
    for i, title in enumerate(header):
        cells = columns[i] if i < len(columns) else []
        widest = max((text_em(c) for c in cells), default=0.0)
        lines = wrapped.get(i, 1)
        if lines > 1:
            widest = _wrap_em(cells, lines, widest)
        widths.append(header_em(title, at_least=widest + SAFETY_EM))
    return widths


def summary_layout(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    width_mm: float = 273.0,
    padding_mm: float = 1.8,
    max_pt: float = 10.0,
    min_pt: float = 7.5,
    floor_pt: float = 7.0,
    step_pt: float = 0.25,
    keep: Collection[int] = (),
) -> dict[str, Any]:
    """Font size and column widths for the results summary table.

    ``header`` is the list of column titles and ``rows`` the table body (cells as text or
    numbers). ``width_mm`` is the type width; ``padding_mm`` the horizontal padding plus
    border of one cell, as in reports/summary.css. Columns whose index is in ``keep``
    never wrap; neither does a column of short text (see :func:`_short`), such as names.

    The largest font between ``max_pt`` and ``min_pt`` (in ``step_pt`` steps) at which
    every column fits its widest cell on one line is chosen. If even ``min_pt`` is too
    large, the long text columns wrap to two, three, four lines, each step the column that
    saves the most width per cell it makes wrap, at the largest font that then fits; if
    none does, the font goes down to ``floor_pt``.
    Number columns and short text (names, grades) never wrap. Width left over goes first
    to the wrapped columns, then to the text columns (see :func:`_share`).

    Returns ``{"font_pt", "fits", "columns": [...]}`` with one entry per header:
    ``width_mm`` and ``width_pct`` (of ``width_mm``, adding up to 100), ``number`` (a
    number column), ``nowrap`` (numbers and short text: safe to set white-space: nowrap)
    and ``lines`` (1, or the lines its widest cell was planned to wrap to). ``fits`` is
    False when the table could only be squeezed in (at ``floor_pt``, every long column on
    four lines, and still every column narrowed alike: headers may then wrap badly).
    """
    count = len(header)
    if not count:
        return {"font_pt": max_pt, "columns": [], "fits": True}
    texts = [["" if c is None else str(c) for c in row] for row in rows]
    columns = [[row[i] for row in texts if i < len(row)] for i in range(count)]
    numbers = [is_number_column(cells) for cells in columns]
    widest = [max((text_em(c) for c in cells), default=0.0) for cells in columns]
    long_text = [
        i for i in range(count) if not numbers[i] and i not in keep and not _short(columns[i])
    ]
    room = width_mm - count * padding_mm

    def fitting_font(
        wrapped: dict[int, int], smallest: float = min_pt
    ) -> tuple[float, list[float]] | None:
        ems = _widths_em(header, columns, wrapped)
        total = sum(ems)
        size = max_pt
        while size >= smallest - 1e-9:
            if total * size * PT_MM <= room:
                return size, ems
            size -= step_pt
        return None

    wrapped: dict[int, int] = {}
    found = fitting_font(wrapped)
    # wrap the long text columns one line more at a time: each step the column that
    # saves the most width per cell it makes wrap (a long note in one row goes first)
    while found is None:
        candidates = [i for i in long_text if wrapped.get(i, 1) < MAX_TEXT_LINES]
        if not candidates:
            break
        now = _widths_em(header, columns, wrapped)
        gains = {}
        for i in candidates:
            trial = _widths_em(header, columns, {**wrapped, i: wrapped.get(i, 1) + 1})
            cells = sum(1 for c in columns[i] if text_em(c) > trial[i] - SAFETY_EM)
            gains[i] = (now[i] - trial[i]) / max(cells, 1)
        column = max(candidates, key=gains.__getitem__)
        wrapped[column] = wrapped.get(column, 1) + 1
        found = fitting_font(wrapped)
    if found is None:  # the last resort before squeezing: a smaller font still
        found = fitting_font(wrapped, floor_pt)
    fits = found is not None
    if found is None:
        font_pt, ems = floor_pt, _widths_em(header, columns, wrapped)
    else:
        font_pt, ems = found
        # the last step may have freed more than needed: unwrap what still fits
        for i in sorted(wrapped, key=lambda i: wrapped[i]):
            while wrapped.get(i, 1) > 1:
                fewer = {**wrapped, i: wrapped[i] - 1}
                fewer_ems = _widths_em(header, columns, fewer)
                if sum(fewer_ems) * font_pt * PT_MM > room:
                    break
                wrapped, ems = fewer, fewer_ems
        wrapped = {i: lines for i, lines in wrapped.items() if lines > 1}
    em_mm = font_pt * PT_MM
    widths = [e * em_mm + padding_mm for e in ems]
    slack = width_mm - sum(widths)
    if slack < 0:  # squeezed: every column shrinks alike
        widths = [w * width_mm / sum(widths) for w in widths]
    elif wrapped:  # wrapped columns first, towards their one-line width
        one_line = {
            i: header_em(header[i], widest[i] + SAFETY_EM) * em_mm + padding_mm for i in wrapped
        }
        short = {i: one_line[i] - widths[i] for i in wrapped}
        given = min(slack, sum(short.values()))
        for i in wrapped:
            widths[i] += given * short[i] / sum(short.values()) if given > 0 else 0.0
        if slack > given:
            widths = _share(slack - given, widths, header, numbers, em_mm, padding_mm)
    else:
        widths = _share(slack, widths, header, numbers, em_mm, padding_mm)
    return {
        "font_pt": font_pt,
        "fits": fits,
        "columns": [
            {
                "width_mm": round(widths[i], 2),
                "width_pct": round(100 * widths[i] / width_mm, 3),
                "number": numbers[i],
                "nowrap": i not in long_text,
                "lines": wrapped.get(i, 1),
            }
            for i in range(count)
        ],
    }


def _share(
    slack: float,
    widths: list[float],
    header: Sequence[str],
    numbers: list[bool],
    em_mm: float,
    padding_mm: float,
) -> list[float]:
    """Spread the width left over (mm) over the text columns, in proportion to their width.

    Number columns stay tight. A column whose header would wrap badly at its wider width
    (a lone character on a line) takes only as much as keeps it sensible; the rest goes to
    the widest column whose header fits on one line. Without text columns all share.
    """
    widths = list(widths)
    takers = [i for i, number in enumerate(numbers) if not number] or list(range(len(widths)))
    base = sum(widths[i] for i in takers)
    rest = 0.0
    for i in takers:
        target = widths[i] + slack * widths[i] / base
        width = target
        while width > widths[i] and not header_ok(header[i], (width - padding_mm) / em_mm):
            width -= 0.1 * em_mm
        width = max(width, widths[i])
        rest += target - width
        widths[i] = width
    if rest > 0:
        one_line = [
            i for i in range(len(widths)) if text_em(header[i]) * em_mm + padding_mm <= widths[i]
        ]
        pool = [i for i in one_line if i in takers] or one_line or takers
        widths[max(pool, key=lambda i: widths[i])] += rest
    return widths
