"""Batch jobs: progress in the database, interrupted jobs reported and cleaned up."""

from __future__ import annotations

import time
from datetime import timedelta

from meeting import batches, pdf
from meeting.models import DONE, FAILED, INTERRUPTED, RUNNING, BatchJob, utcnow


def _wait(db, job_id: str, timeout: float = 60) -> BatchJob:
    deadline = time.time() + timeout
    while time.time() < deadline:
        db.expire_all()
        job = db.get(BatchJob, job_id)
        if job.state not in ("queued", "running"):
            return job
        time.sleep(0.1)
    raise AssertionError("the batch did not finish")


def _poster(title: str) -> batches.Item:
    context = {
        "title": title,
        "organ": "机关党组",
        "join_url": "http://x/j",
        "stylesheets": ["slips.css"],
    }
    return batches.Item(name=title, template="join.html", context=context, filename=f"{title}.pdf")


def test_a_batch_renders_every_item_and_merges_them(app, db, live_meeting):
    from meeting.extensions import socketio

    job = batches.create_job(db, live_meeting, "posters")
    db.commit()
    pool = pdf.RenderPool(2)
    try:
        batches.start(
            app,
            job.id,
            lambda _session: [_poster(f"海报{i}") for i in range(3)],
            pool,
            socketio.start_background_task,
            merge_as="all.pdf",
        )
        done = _wait(db, job.id)
    finally:
        pool.close()
    assert done.state == DONE and done.total == done.done == 3
    assert [f["name"] for f in done.files] == ["海报0", "海报1", "海报2"]
    path = batches.output_path(app.instance_path, done)
    assert path is not None and path.read_bytes().startswith(b"%PDF-") and done.pages == 3


def test_a_failing_item_fails_the_batch_with_its_name(app, db, live_meeting):
    from meeting.extensions import socketio

    job = batches.create_job(db, live_meeting, "posters")
    db.commit()
    broken = batches.Item(name="坏的", template="no-such.html", context={}, filename="x.pdf")
    pool = pdf.RenderPool(1)
    try:
        batches.start(app, job.id, lambda _s: [broken], pool, socketio.start_background_task)
        failed = _wait(db, job.id)
    finally:
        pool.close()
    assert failed.state == FAILED and failed.error.startswith("坏的")


def test_a_job_whose_process_stopped_is_reported_interrupted_and_cleaned(app, db, live_meeting):
    job = batches.create_job(db, live_meeting, "letters")
    job.state = RUNNING
    job.heartbeat_at = utcnow() - batches.STALE_AFTER - timedelta(seconds=1)
    db.commit()
    folder = batches.folder_of(app.instance_path, job)
    folder.mkdir(parents=True)
    (folder / "001-half.pdf").write_bytes(b"%PDF-partial")
    fresh = batches.create_job(db, live_meeting, "letters")
    fresh.state = RUNNING
    fresh.heartbeat_at = utcnow()
    db.commit()

    assert batches.reap(db, app.instance_path) == 1
    db.commit()
    assert job.state == INTERRUPTED and "服务器" in job.error
    assert not folder.exists()
    assert fresh.state == RUNNING  # a job that still beats is left alone
    assert batches.view(job)["status"] == INTERRUPTED


def test_the_progress_page_says_what_became_of_an_interrupted_batch(admin_client, db, known):
    job = batches.create_job(db, known, "letters")
    job.state = RUNNING
    job.heartbeat_at = utcnow() - timedelta(minutes=5)
    db.commit()
    state = admin_client.get(f"/meetings/{known.id}/jobs/{job.id}").json
    assert state["status"] == "interrupted" and state["error"]
    page = admin_client.get(f"/meetings/{known.id}/letters?job={job.id}").get_data(as_text=True)
    assert "服务器" in page
