"""Two server processes behind one database (PostgreSQL) and one message queue (Redis).

Runs where both services answer on their default local ports (they do on the project's
machines); elsewhere it is skipped with the reason, since SQLite stays the default.
"""

from __future__ import annotations

import asyncio
import socket
import uuid

import pytest
import socketio
import sqlalchemy as sa

from meeting.db import get_session
from tests.builders import build_meeting
from tests.live_server import LiveServer
from tests.phones import join_all, run_async

pytestmark = pytest.mark.server

POSTGRES = "postgresql://postgres@127.0.0.1/postgres"
REDIS = "redis://127.0.0.1:6379/5"


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def database():  # type: ignore[no-untyped-def]
    if not (_listening(5432) and _listening(6379)):
        pytest.skip("needs PostgreSQL on 5432 and Redis on 6379")
    name = f"sanshu_scale_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield POSTGRES.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_ballots_on_one_process_reach_the_projector_on_the_other(tmp_path, database):
    env = {"MEETING_MESSAGE_QUEUE": REDIS}
    first = LiveServer(tmp_path / "a", database_url=database, extra_env=env)
    second = LiveServer(tmp_path / "b", database_url=database, extra_env=env)
    first.prepare()
    app = first.app()
    with app.app_context():
        scene = build_meeting(get_session(), reporters_count=3, delegates=10)
    app.extensions["sanshu.db"].engine.dispose()
    first.start()
    second.start()

    async def run() -> tuple[list, list]:
        seen: list[int] = []
        screen = socketio.AsyncClient()
        screen.on("state", lambda state: seen.append(state["turnout"]["voted"]))
        await screen.connect(
            first.base_url,
            auth={"role": "screen", "meeting": scene.meeting_id, "key": scene.screen_key},
            transports=["websocket"],
        )
        phones = await join_all(second.base_url, scene.secrets[:6])
        for i, phone in enumerate(phones):
            phone.prepare(scene.round_id, scene.lines(i))
        acks = await asyncio.gather(*(p.send() for p in phones))
        for _ in range(100):
            if seen and seen[-1] == 6:
                break
            await asyncio.sleep(0.05)
        await asyncio.gather(*(p.close() for p in phones))
        await screen.disconnect()
        return acks, seen

    try:
        acks, seen = run_async(run())
    finally:
        first.stop()
        second.stop()
    assert all(a["ok"] for a in acks)
    assert seen[-1] == 6  # pushed by the second process, delivered by the first


def test_a_letter_batch_started_on_one_process_is_followed_on_the_other(tmp_path, database):
    """Batch jobs are rows: any process shows their progress and serves the result."""
    import time

    env = {"MEETING_MESSAGE_QUEUE": REDIS}
    first = LiveServer(tmp_path / "a", database_url=database, extra_env=env)
    second = LiveServer(tmp_path / "b", database_url=database, extra_env=env)
    # both processes keep their files in one instance folder, as a cluster shares a volume
    second.instance = first.instance
    second.env["INSTANCE_PATH"] = str(first.instance)
    first.prepare()
    app = first.app()
    with app.app_context():
        scene = build_meeting(get_session(), reporters_count=3, delegates=5, open_round=False)
    app.extensions["sanshu.db"].engine.dispose()
    first.start()
    second.start()
    try:
        on_first = first.login()
        page = on_first.get(f"{first.base_url}/meetings/{scene.meeting_id}/letters").text
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        started = on_first.post(
            f"{first.base_url}/meetings/{scene.meeting_id}/letters/batch",
            data={"csrf_token": token},
            allow_redirects=False,
        )
        assert started.status_code == 302, started.text
        job = started.headers["Location"].split("job=")[1]
        on_second = second.login()
        seen = []
        deadline = time.time() + 120
        while time.time() < deadline:
            state = on_second.get(
                f"{second.base_url}/meetings/{scene.meeting_id}/jobs/{job}"
            ).json()
            seen.append(state["status"])
            if state["status"] not in ("queued", "running"):
                break
            time.sleep(0.2)
        pdf = on_second.get(f"{second.base_url}/meetings/{scene.meeting_id}/jobs/{job}/file")
    finally:
        first.stop()
        second.stop()
    assert state["status"] == "done" and state["done"] == state["total"] == 3, state
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


def test_logout_on_one_process_ends_the_console_on_the_other(tmp_path, database):
    """Logins are rows: a console served by another process is dropped within seconds."""
    import time

    env = {"MEETING_MESSAGE_QUEUE": REDIS}
    first = LiveServer(tmp_path / "a", database_url=database, extra_env=env)
    second = LiveServer(tmp_path / "b", database_url=database, extra_env=env)
    first.prepare()
    scene = first.scene(reporters_count=2, delegates=5, open_round=False)
    first.start()
    second.start()
    try:
        http = first.login()
        cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)

        async def run() -> tuple[bool, float]:
            console = socketio.AsyncClient(reconnection=False)
            dropped = asyncio.Event()
            console.on("disconnect", lambda *_: dropped.set())
            await console.connect(
                second.base_url,
                auth={"role": "organiser", "meeting": scene.meeting_id},
                headers={"Cookie": cookie},
                transports=["websocket"],
            )
            page = http.get(f"{first.base_url}/meetings").text
            token = page.split('name="csrf_token" value="')[1].split('"')[0]
            started = time.monotonic()
            await asyncio.to_thread(
                http.post, f"{first.base_url}/logout", data={"csrf_token": token}
            )
            try:
                await asyncio.wait_for(dropped.wait(), 15)
            except TimeoutError:
                await console.disconnect()
                return False, time.monotonic() - started
            return True, time.monotonic() - started

        ended, _seconds = run_async(run())
    finally:
        first.stop()
        second.stop()
    assert ended
