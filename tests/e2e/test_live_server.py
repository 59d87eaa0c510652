"""Real server, real python-socketio clients: bursts, a killed server, both async servers."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
import socketio
from sqlalchemy import func, select

from meeting.db import get_session
from meeting.models import Ballot
from tests.live_server import LiveServer
from tests.phones import join_all, run_async

pytestmark = pytest.mark.server


def stored(server: LiveServer) -> list[tuple[int, str]]:
    app = server.app()
    with app.app_context():
        rows = get_session().execute(select(Ballot.token_id, Ballot.submission_id)).all()
    app.extensions["sanshu.db"].engine.dispose()
    return [tuple(r) for r in rows]


async def projector(server: LiveServer, scene) -> tuple[socketio.AsyncClient, list[dict]]:  # type: ignore[no-untyped-def]
    seen: list[dict] = []
    client = socketio.AsyncClient(reconnection=True, reconnection_delay=0.2)
    client.on("state", seen.append)
    await client.connect(
        server.base_url,
        auth={"role": "screen", "meeting": scene.meeting_id, "key": scene.screen_key},
        transports=["websocket"],
    )
    return client, seen


async def wait_for(predicate, timeout: float = 15) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.05)


def test_simultaneous_ballots_are_all_stored_once_and_reach_the_projector(live_server):
    scene = live_server.scene(reporters_count=6, delegates=40)

    async def run() -> list:
        screen, seen = await projector(live_server, scene)
        phones = await join_all(live_server.base_url, scene.secrets)
        for i, phone in enumerate(phones):
            phone.prepare(scene.round_id, scene.lines(i))
        acks = await asyncio.gather(*(phone.send() for phone in phones))
        await wait_for(lambda: seen and seen[-1]["turnout"]["voted"] == 40)
        pushes = len(seen)
        await asyncio.gather(*(p.close() for p in phones))
        await screen.disconnect()
        return [acks, pushes]

    acks, pushes = run_async(run())
    assert all(a["ok"] and a["valid"] for a in acks)
    rows = stored(live_server)
    assert len(rows) == 40 and len({token for token, _ in rows}) == 40
    assert pushes < 40  # turnout is pushed in batches, never once per ballot


def test_killed_server_loses_no_acknowledged_ballot(tmp_path):
    server = LiveServer(tmp_path)
    server.prepare()
    server.start()
    scene = server.scene(reporters_count=5, delegates=40)
    acked_before_kill: list[str] = []

    async def run() -> list:
        phones = await join_all(server.base_url, scene.secrets)
        for i, phone in enumerate(phones):
            phone.prepare(scene.round_id, scene.lines(i))
        first, second = phones[:20], phones[20:]
        for ack in await asyncio.gather(*(p.send() for p in first)):
            acked_before_kill.append(ack["submission"])
        server.kill()  # SIGKILL, no clean shutdown
        await asyncio.to_thread(server.start)
        acks = await asyncio.gather(*(p.send(timeout=60) for p in second))
        # phones that had already sent resend nothing; the ones that reconnected got a snapshot
        await wait_for(lambda: all(p.connected.is_set() for p in phones))
        reconnects = sum(p.reconnects for p in phones)
        await asyncio.gather(*(p.close() for p in phones))
        return [acks, reconnects]

    try:
        acks, reconnects = run_async(run())
    finally:
        server.stop()
    assert all(a["ok"] for a in acks) and reconnects >= 20
    rows = stored(server)
    submissions = {sub for _, sub in rows}
    assert len(rows) == 40 and len({t for t, _ in rows}) == 40
    assert set(acked_before_kill) <= submissions


def test_resend_after_a_lost_ack_is_not_stored_twice(live_server):
    scene = live_server.scene(reporters_count=3, delegates=5)

    async def run() -> list:
        [phone] = await join_all(live_server.base_url, scene.secrets[:1])
        phone.prepare(scene.round_id, scene.lines(0))
        payload = dict(phone.pending)
        first = await phone.send()
        phone.pending = payload  # as if the ack had been lost: the phone sends it again
        again = await phone.send()
        await phone.close()
        return [first, again]

    first, again = run_async(run())
    assert first["ok"] and again["ok"] and again["duplicate"]
    assert len(stored(live_server)) == 1


def test_oversized_message_is_dropped_and_the_server_carries_on(live_server):
    scene = live_server.scene(reporters_count=3, delegates=5)

    async def run() -> dict:
        phones = await join_all(live_server.base_url, scene.secrets[:2])
        attacker, honest = phones
        huge = {
            "round": scene.round_id,
            "submission": "x" * 40,
            "seq": 1,
            "lines": [{"r": 1, "k": "d1", "v": "好" * 200}] * 2000,
        }
        with contextlib.suppress(
            socketio.exceptions.TimeoutError,
            socketio.exceptions.DisconnectedError,
            socketio.exceptions.BadNamespaceError,
        ):
            await attacker.sio.call("submit_ballot", huge, timeout=3)
        honest.prepare(scene.round_id, scene.lines(1))
        ack = await honest.send()
        await asyncio.gather(*(p.close() for p in phones))
        return ack

    ack = run_async(run())
    assert ack["ok"]
    assert len(stored(live_server)) == 1


def test_gevent_server_takes_ballots_too(tmp_path):
    server = LiveServer(tmp_path, async_mode="gevent")
    server.prepare()
    server.start()
    try:
        scene = server.scene(reporters_count=3, delegates=10)

        async def run() -> list:
            phones = await join_all(server.base_url, scene.secrets)
            for i, phone in enumerate(phones):
                phone.prepare(scene.round_id, scene.lines(i))
            acks = await asyncio.gather(*(p.send() for p in phones))
            await asyncio.gather(*(p.close() for p in phones))
            return acks

        acks = run_async(run())
    finally:
        server.stop()
    assert all(a["ok"] for a in acks)
    app = server.app()
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(Ballot)) == 10
