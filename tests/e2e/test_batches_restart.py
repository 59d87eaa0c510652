"""A letter batch cut short by a killed server: the page says what happened, a new one works."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.live_server import LiveServer

pytestmark = pytest.mark.server


def _start_batch(server: LiveServer, session, meeting_id: int) -> str:  # type: ignore[no-untyped-def]
    page = session.get(f"{server.base_url}/meetings/{meeting_id}/letters").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    started = session.post(
        f"{server.base_url}/meetings/{meeting_id}/letters/batch",
        data={"csrf_token": token},
        allow_redirects=False,
    )
    assert started.status_code == 302, started.text
    return started.headers["Location"].split("job=")[1]


def _state(server: LiveServer, session, meeting_id: int, job: str) -> dict:  # type: ignore[no-untyped-def]
    return session.get(f"{server.base_url}/meetings/{meeting_id}/jobs/{job}").json()


def test_a_batch_killed_with_the_server_is_reported_and_a_new_one_works(live_server):
    scene = live_server.scene(reporters_count=30, delegates=5, open_round=False)
    session = live_server.login()
    job = _start_batch(live_server, session, scene.meeting_id)
    deadline = time.time() + 60
    while time.time() < deadline:
        state = _state(live_server, session, scene.meeting_id, job)
        if state["done"] >= 2:
            break
        time.sleep(0.1)
    assert state["status"] == "running" and state["done"] < state["total"], state
    folder = Path(live_server.instance) / "batches" / str(scene.meeting_id) / job
    assert any(folder.glob("*.pdf"))

    live_server.kill()  # mid-batch, as when the power goes
    live_server.start()
    session = live_server.login()
    state = _state(live_server, session, scene.meeting_id, job)
    assert state["status"] == "interrupted" and state["error"], state
    page = session.get(f"{live_server.base_url}/meetings/{scene.meeting_id}/letters?job={job}")
    assert state["error"] in page.text
    assert not folder.exists()  # partial letters are not left lying around

    again = _start_batch(live_server, session, scene.meeting_id)
    deadline = time.time() + 180
    while time.time() < deadline:
        state = _state(live_server, session, scene.meeting_id, again)
        if state["status"] not in ("queued", "running"):
            break
        time.sleep(0.3)
    assert state["status"] == "done" and state["done"] == 30, state
