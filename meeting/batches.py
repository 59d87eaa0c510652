"""Batch jobs: slow rendering off the live loop, with progress every process can read.

A job is a row (``BatchJob``): state, progress, files, error. The work runs in a
background task of the process that started it, on the PDF worker pool, one lane per
worker; every step is written to the row, so any server process (behind a balancer) can
show progress, and a restart cannot lose a job: a running job whose heartbeat stops is
reported as interrupted, its partial files removed, and a new batch simply works.

Letters use it today (``letters.letter_items``); reminder letters and form reading plug
in by handing :func:`start` another list of :class:`Item`.
"""

from __future__ import annotations

import secrets
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from . import errors, pdf
from .db import database
from .models import (
    DONE,
    FAILED,
    INTERRUPTED,
    QUEUED,
    RUNNING,
    BatchJob,
    Meeting,
    Organiser,
    utcnow,
)

# A running job whose heartbeat is older than this has lost its process.
STALE_AFTER = timedelta(seconds=20)
HEARTBEAT_SECONDS = 5


@dataclass(frozen=True)
class Item:
    """One document of a batch: plain data for a report template."""

    name: str  # shown in progress and errors
    template: str
    context: dict[str, Any]
    filename: str  # file name inside the job's folder
    key: str = ""  # what the document is of (a reporter id ...), kept with its file


def folder_of(instance_path: str, job: BatchJob) -> Path:
    """Where a job's files live: instance/batches/<meeting>/<job>/."""
    return Path(instance_path) / "batches" / str(job.meeting_id) / job.id


def create_job(
    session: Session, meeting: Meeting, kind: str, organiser: Organiser | None = None
) -> BatchJob:
    """A queued job row (committed by the caller before the work starts)."""
    job = BatchJob(
        id=secrets.token_hex(12),
        meeting_id=meeting.id,
        kind=kind,
        state=QUEUED,
        organiser_id=organiser.id if organiser else None,
        files=[],
    )
    session.add(job)
    session.flush()
    return job


def get_job(session: Session, meeting: Meeting, job_id: object) -> BatchJob:
    """A job of this meeting, or NotFound."""
    job = session.get(BatchJob, job_id) if isinstance(job_id, str) and len(job_id) < 40 else None
    if job is None or job.meeting_id != meeting.id:
        raise errors.NotFound(_l("This batch is no longer known; start it again."))
    return job


def latest_job(session: Session, meeting: Meeting, kind: str) -> BatchJob | None:
    """The meeting's most recent job of a kind."""
    return session.scalars(
        select(BatchJob)
        .where(BatchJob.meeting_id == meeting.id, BatchJob.kind == kind)
        .order_by(BatchJob.created_at.desc())
    ).first()


def is_stale(job: BatchJob, now: datetime | None = None) -> bool:
    """A queued or running job whose process has stopped beating."""
    if job.state not in (QUEUED, RUNNING):
        return False
    beat = job.heartbeat_at or job.created_at
    return (now or utcnow()) - beat > STALE_AFTER


def reap(
    session: Session, instance_path: str, now: datetime | None = None, everything: bool = False
) -> int:
    """Mark jobs whose process stopped as interrupted and remove their partial files.

    ``everything``: at the start of the only server process (SQLite), no job can still be
    running anywhere, so every unfinished one is interrupted without waiting for its
    heartbeat to go stale.
    """
    now = now or utcnow()
    count = 0
    for job in session.scalars(select(BatchJob).where(BatchJob.state.in_([QUEUED, RUNNING]))):
        if everything or is_stale(job, now):
            job.state = INTERRUPTED
            job.error = str(_l("The server stopped while this batch was being made."))
            job.finished_at = now
            job.files = []
            job.output = None
            shutil.rmtree(folder_of(instance_path, job), ignore_errors=True)
            count += 1
    session.flush()
    return count


def view(job: BatchJob) -> dict[str, Any]:
    """A job as the progress line shows it."""
    started = job.started_at or job.created_at
    ended = job.finished_at or utcnow()
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.state,
        "total": job.total,
        "done": job.done,
        "error": job.error,
        "pages": job.pages,
        "size": job.size,
        "seconds": round((ended - started).total_seconds(), 1),
    }


def output_path(instance_path: str, job: BatchJob) -> Path | None:
    """The finished job's merged file, if it is there."""
    if job.state != DONE or not job.output:
        return None
    path = folder_of(instance_path, job) / job.output
    return path if path.exists() else None


# --------------------------------------------------------------------------- running


class _Progress:
    """Writes a job's progress to its row from the lanes (each write its own transaction)."""

    def __init__(self, app: Flask, job_id: str) -> None:
        self.app = app
        self.job_id = job_id
        self.lock = threading.Lock()

    def write(self, **values: Any) -> None:
        values.setdefault("heartbeat_at", utcnow())
        with self.lock, database(self.app).sessionmaker() as session:
            session.execute(update(BatchJob).where(BatchJob.id == self.job_id).values(**values))
            session.commit()

    def add_file(self, index: int, entry: dict[str, Any]) -> None:
        with self.lock, database(self.app).sessionmaker() as session:
            job = session.get(BatchJob, self.job_id)
            assert job is not None
            files = [f for f in job.files if f["index"] != index] + [dict(entry, index=index)]
            job.files = sorted(files, key=lambda f: f["index"])
            job.done = len(job.files)
            job.heartbeat_at = utcnow()
            session.commit()


def start(
    app: Flask,
    job_id: str,
    prepare: Callable[[Session], list[Item]],
    render_pool: pdf.RenderPool,
    spawn: Callable[..., Any],
    merge_as: str | None = None,
    pad_odd: bool = False,
    on_done: Callable[[Session, BatchJob, Path], None] | None = None,
) -> None:
    """Run a job in a background task: ``prepare`` the items (in a session of its own),
    render them on the pool, then merge them into ``merge_as`` (if given), then call
    ``on_done(session, job, folder)`` and commit it together with the job's end.

    ``spawn(target, *args)`` starts a concurrent task (a green thread on the live server).
    Any failure ends the job with its message; the job row always ends done or failed.
    """
    progress = _Progress(app, job_id)

    def run() -> None:
        with app.app_context():
            try:
                with database(app).sessionmaker() as session:
                    job = session.get(BatchJob, job_id)
                    assert job is not None
                    folder = folder_of(app.instance_path, job)
                    items = prepare(session)
                progress.write(state=RUNNING, total=len(items), started_at=utcnow())
                beating = threading.Event()
                spawn(_heartbeat, progress, beating)
                try:
                    _render(items, folder, render_pool, spawn, progress)
                    values: dict[str, Any] = {}
                    if merge_as:
                        with database(app).sessionmaker() as session:
                            job = session.get(BatchJob, job_id)
                            assert job is not None
                            paths = [str(folder / f["file"]) for f in job.files]
                        merged = render_pool.merge(paths, str(folder / merge_as), pad_odd=pad_odd)
                        values = {"output": merge_as, "pages": merged.pages, "size": merged.size}
                    with database(app).sessionmaker() as session:
                        job = session.get(BatchJob, job_id)
                        assert job is not None
                        if on_done is not None:
                            on_done(session, job, folder)
                        for key, value in dict(values, state=DONE, finished_at=utcnow()).items():
                            setattr(job, key, value)
                        session.commit()
                finally:
                    beating.set()
            except Exception as exc:  # shown to the organiser on the progress line
                app.logger.exception("batch %s failed", job_id)
                progress.write(state=FAILED, error=str(exc)[:2000], finished_at=utcnow())

    spawn(run)


def _heartbeat(progress: _Progress, stop: threading.Event) -> None:
    while not stop.wait(HEARTBEAT_SECONDS):
        try:
            progress.write()
        except Exception:  # a missed beat is harmless; the next one may work
            progress.app.logger.warning("batch heartbeat failed", exc_info=True)


def _render(
    items: list[Item],
    folder: Path,
    render_pool: pdf.RenderPool,
    spawn: Callable[..., Any],
    progress: _Progress,
) -> None:
    """Render every item on the pool, one lane per worker; the first failure stops all."""
    folder.mkdir(parents=True, exist_ok=True)
    queue = list(enumerate(items))
    failures: list[str] = []
    lock = threading.Lock()

    def lane(finished: threading.Event) -> None:
        try:
            while True:
                with lock:
                    if not queue or failures:
                        return
                    index, item = queue.pop(0)
                try:
                    rendered = render_pool.render(
                        item.template, item.context, out=str(folder / item.filename)
                    )
                    progress.add_file(
                        index,
                        {
                            "name": item.name,
                            "file": item.filename,
                            "pages": rendered.pages,
                            "key": item.key,
                        },
                    )
                except Exception as exc:
                    failures.append(f"{item.name}: {exc}")
                    return
        finally:
            finished.set()

    # wait on events, not on join(): python-engineio's eventlet task returns from join()
    # at once when the green thread has not started running yet
    finished = [threading.Event() for _ in range(render_pool.size)]
    for event in finished:
        spawn(lane, event)
    for event in finished:
        event.wait()
    if failures:
        raise RuntimeError(failures[0])
