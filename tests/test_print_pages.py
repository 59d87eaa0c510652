"""Printed documents looked at as pages: rendered with pdftoppm, measured, word boxes read.

A 21- and a 50-reporter summary fit their landscape pages and never wrap a name; letters
come out without a near-empty page.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageOps

from meeting import ballots, exports, letters, pdf, results, rounds
from meeting.models import Meeting
from tests.builders import build_meeting

LONG_NAMES = ["欧阳司马青云", "阿依古丽·买买提", "张三", "李四"]


@pytest.fixture(scope="module")
def pool():
    render = pdf.RenderPool(2)
    yield render
    render.close()


def pages_as_images(data: bytes, folder: Path) -> list[Image.Image]:
    source = folder / "doc.pdf"
    source.write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(source), str(folder / "page")], check=True)
    return [Image.open(p).convert("L") for p in sorted(folder.glob("page-*.png"))]


def used_height(page: Image.Image) -> float:
    """Share of the page's height between its first and last inked row (footer aside)."""
    width, height = page.size
    body = page.crop((0, 0, width, int(height * 0.9)))  # the page number line is not content
    ink = ImageOps.invert(body).point(lambda v: 255 if v > 127 else 0).getbbox()
    return (ink[3] - ink[1]) / height if ink else 0.0


def words_on_lines(data: bytes, folder: Path) -> list[str]:
    """Every word pdftotext finds, with its line (yMin) so that a wrapped cell shows."""
    source = folder / "words.pdf"
    source.write_bytes(data)
    out = subprocess.run(
        ["pdftotext", "-bbox", "-enc", "UTF-8", str(source), "-"], capture_output=True, check=True
    ).stdout.decode()
    return re.findall(r"<word [^>]*>([^<]*)</word>", out)


def scored_meeting(db, count: int):
    scene = build_meeting(db, reporters_count=count, delegates=20, on_site=3)
    m = db.get(Meeting, scene.meeting_id)
    for reporter, name in zip(m.reporters, LONG_NAMES, strict=False):
        reporter.name = name
        reporter.unit = "市委机关工委宣传教育处" if name == "欧阳司马青云" else reporter.unit
    for n, secret in enumerate(scene.secrets[:15]):
        token = next(
            t
            for t in __import__("meeting.tokens", fromlist=["x"]).list_tokens(db, m)
            if t.secret == secret
        )
        ballots.submit_ballot(
            db,
            token.id,
            {
                "round": scene.round_id,
                "submission": f"page-{n:04d}",
                "seq": 1,
                "lines": scene.lines(n),
            },
        )
    rounds.close_round(db, rounds.get_round(db, m, scene.round_id))
    db.commit()
    return m


@pytest.mark.parametrize(("count", "most_pages"), [(21, 1), (50, 2)])
def test_the_summary_fits_and_never_wraps_a_name(db, pool, tmp_path, count, most_pages):
    meeting = scored_meeting(db, count)
    data = results.results_data(results.compute_results(db, meeting))
    context = exports.summary_context(data, "ABCD-EFGH-JKMN-PQRS")
    rendered = pool.render("summary.html", context)
    images = pages_as_images(rendered.pdf, tmp_path)
    assert rendered.pages == len(images) <= most_pages
    assert context["layout"]["font_pt"] >= 7.5  # legible
    words = words_on_lines(rendered.pdf, tmp_path)
    for reporter in meeting.reporters:
        assert reporter.name in words, f"{reporter.name} is wrapped or missing"
    for header in context["header"]:
        # a header may wrap, but never one character per line
        pieces = [
            w for w in words if w and w in header and len(w) == 1 and "\u4e00" <= w <= "\u9fff"
        ]
        assert not (len(header) > 2 and len(pieces) >= len(header) - 1), header


def test_letters_have_no_near_empty_page(db, pool, tmp_path, known):
    from datetime import date

    data = results.results_data(results.compute_results(db, known))
    code = results.verification_code(db, known)
    for reporter in known.reporters:
        context = letters.letter_context(db, known, data, reporter, date(2024, 2, 5), code)
        rendered = pool.render("letter.html", context)
        folder = tmp_path / str(reporter.id)
        folder.mkdir()
        images = pages_as_images(rendered.pdf, folder)
        assert rendered.pages == len(images) == 2
        assert all(used_height(page) > 0.25 for page in images), [used_height(p) for p in images]
