"""Feedback letters (反馈意见书): plain data per reporter, rendered by the PDF workers.

``letter_context`` builds everything one letter prints from ``results.results_data`` (the
same numbers as the results page) and the comments, questions, problem and rectification
lists. ``BatchJob`` renders every letter on the worker pool and merges them into one
print batch; it reports progress and never runs layout on the live server's loop.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from . import comments, feedback, inquiries, pdf
from .models import ANSWERED, Meeting, Reporter
from .results import SCORED, compute_results, reporter_data, results_data

CHINESE_NUMERALS = "一二三四五六七八九十"


def chinese_date(value: date) -> str:
    """2024-02-05 -> 2024年2月5日 (GB/T 9704 writes the date with Arabic numerals)."""
    return f"{value.year}年{value.month}月{value.day}日"


def _date_text(text: str, fallback: date) -> str:
    try:
        return chinese_date(date.fromisoformat(text)) if text else chinese_date(fallback)
    except ValueError:
        return chinese_date(fallback)


def letter_context(
    session: Session, meeting: Meeting, data: dict[str, Any], reporter: Reporter, today: date
) -> dict[str, Any]:
    """Plain data for reports/letter.html: no ORM objects reach the template."""
    settings = feedback.letter_settings(meeting)
    result = reporter_data(data, reporter.id)
    scored = result["status"] == SCORED
    count = len(data["ranking"])
    rank_text = ""
    if settings["show_rank"] and scored and result.get("rank"):
        rank_text = str(_l(", ranked %(rank)d of %(count)d", rank=result["rank"], count=count))
    values = {
        "name": reporter.name,
        "year": meeting.year,
        "score": result.get("final") or "",
        "grade": result.get("grade") or "",
        "rank_text": rank_text,
        "top_rate": result.get("top_rate") or "",
        "approval_rate": result.get("approval_rate") or "",
        "assessment": result.get("assessment") or "",
        "organ": meeting.organ_name,
    }
    wording = settings["wording"].get(result.get("grade") or "", "")
    asked = [
        {"text": q.text, "asker": q.asker_name, "answer": q.answer_summary}
        for q in inquiries.list_inquiries(session, meeting, reporter.id)
        if q.status == ANSWERED
    ]
    return {
        "stylesheets": ["letter.css"],
        "organ": meeting.organ_name,
        "number": settings["number"],
        "title": feedback.fill(settings["title"], values),
        "name": reporter.name,
        "unit": reporter.unit,
        "position": reporter.title,
        "on_site": reporter.on_site,
        "scored": scored,
        "opening": feedback.fill(wording, values) if scored else "",
        "result": result,
        "show_rank": settings["show_rank"],
        "ranked_count": count,
        "lines": data["lines"],
        "labels": data["labels"],
        "numeric": data["numeric"],
        "categories": data["categories"],
        "assessment_name": data["assessment_name"],
        "comments": [
            {"name": c.commenter_name, "role": c.commenter_role, "summary": c.summary}
            for c in comments.list_comments(session, meeting, reporter.id)
        ],
        "questions": asked,
        "problems": [p.text for p in feedback.list_problems(session, meeting, reporter.id)],
        "rectifications": [
            {
                "item": r.item,
                "measure": r.measure,
                "responsible": r.responsible,
                "deadline": chinese_date(r.deadline) if r.deadline else "",
            }
            for r in feedback.list_rectifications(session, meeting, reporter.id)
        ],
        "report_due": _date_text(settings["report_due"], today) if settings["report_due"] else "",
        "signoff": settings["signoff"],
        "date": _date_text(settings["date"], today),
        "footnotes": data["footnotes"],
        "numerals": CHINESE_NUMERALS,
    }


def letter_contexts(
    session: Session, meeting: Meeting, today: date, pause: Callable[[], None] | None = None
) -> list[dict[str, Any]]:
    """Every reporter's letter data (plain, safe to hand to other threads), from one results run."""
    data = results_data(compute_results(session, meeting, pause), pause)
    contexts = []
    for reporter in meeting.reporters:
        contexts.append(letter_context(session, meeting, data, reporter, today))
        if pause is not None:
            pause()
    return contexts


def safe_filename(text: str) -> str:
    return re.sub(r"[\\/:*?\"<>|\s]+", "_", text)[:60] or "letter"


# --------------------------------------------------------------------------- batches


@dataclass
class BatchJob:
    """A print batch being rendered: progress for the organiser, files when done."""

    id: str
    meeting_id: int
    folder: Path
    total: int = 0
    done: int = 0
    status: str = "running"  # running | done | failed
    error: str = ""
    pages: int = 0
    size: int = 0
    started: float = field(default_factory=time.time)
    finished: float | None = None
    files: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "total": self.total,
            "done": self.done,
            "error": self.error,
            "pages": self.pages,
            "size": self.size,
            "seconds": round((self.finished or time.time()) - self.started, 1),
        }


_jobs: dict[str, BatchJob] = {}
_lock = threading.Lock()


def get_job(job_id: str) -> BatchJob | None:
    return _jobs.get(job_id)


def new_job(meeting_id: int, root: Path) -> BatchJob:
    job_id = secrets.token_hex(8)
    job = BatchJob(job_id, meeting_id, root / str(meeting_id) / job_id)
    with _lock:
        _jobs[job_id] = job
    return job


def run_batch(
    job: BatchJob,
    contexts: list[dict[str, Any]],
    render_pool: pdf.RenderPool,
    spawn: Callable[..., Any],
    duplex: bool,
) -> None:
    """Render every letter on the pool (one lane per worker), then merge the batch.

    ``spawn(target, *args)`` starts a concurrent task (a green thread on the live server); each lane
    takes the next letter until none is left. Each letter is its own document, so its
    pages are numbered "x of y" on their own; in duplex mode a letter with an odd page
    count is followed by a blank page, so every letter starts on a new sheet.
    """
    job.total = len(contexts)
    job.folder.mkdir(parents=True, exist_ok=True)
    queue = list(enumerate(contexts, start=1))
    outputs: dict[int, tuple[str, int]] = {}
    failures: list[str] = []

    def lane(finished: threading.Event) -> None:
        try:
            work()
        finally:
            finished.set()

    def work() -> None:
        while True:
            with _lock:
                if not queue or failures:
                    return
                index, context = queue.pop(0)
            name = context["name"]
            out = job.folder / f"{index:03d}-{safe_filename(name)}.pdf"
            try:
                rendered = render_pool.render("letter.html", context, out=str(out))
            except Exception as exc:  # any failure ends the batch with its message
                failures.append(f"{name}: {exc}")
                return
            with _lock:
                outputs[index] = (str(out), rendered.pages)
                job.done += 1
                job.files.append({"name": name, "path": str(out), "pages": rendered.pages})

    # wait on events, not on join(): python-engineio's eventlet task returns from join()
    # at once when the green thread has not started running yet
    finished = [threading.Event() for _ in range(render_pool.size)]
    for event in finished:
        spawn(lane, event)
    for event in finished:
        event.wait()
    if failures:
        job.status, job.error, job.finished = "failed", failures[0], time.time()
        return
    ordered = [outputs[i] for i in sorted(outputs)]
    try:
        merged = render_pool.merge(
            [path for path, _ in ordered],
            str(job.folder / "batch.pdf"),
            pad_odd=duplex,
        )
    except pdf.RenderError as exc:
        job.status, job.error, job.finished = "failed", str(exc), time.time()
        return
    job.pages = merged.pages
    job.size = merged.size
    job.status = "done"
    job.finished = time.time()
