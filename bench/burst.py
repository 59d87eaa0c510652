#!/usr/bin/env python
"""Burst benchmark: N phones press submit in the same second.

    python bench/burst.py --delegates 300 --reporters 21 [--kill-midway] [--async-mode gevent]

Starts the real server (app.py, default async mode) on a free port with a fresh SQLite
database, connects N real python-socketio clients over WebSocket, opens a round for all
reporters from an organiser connection, has every client submit a full valid ballot at
the same moment, waits until a projector connection sees full turnout, then checks the
database. The same clients then hit a bare Flask-SocketIO ack server in the same async
mode (bench/raw_server.py): the stack's own limit. --kill-midway SIGKILLs the server
as soon as a tenth of the acks have arrived (most ballots are then in flight: sent, maybe
stored, not acknowledged) and restarts it; phones re-send what was not acknowledged, and
unacked_at_kill says how many had to.
Last line: the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import socketio

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from meeting.db import get_session  # noqa: E402
from meeting.models import Ballot  # noqa: E402
from tests.builders import build_meeting  # noqa: E402
from tests.live_server import ORGANISER, LiveServer, free_port  # noqa: E402
from tests.phones import Phone, join_all, percentile  # noqa: E402


async def organiser_connection(
    base_url: str, meeting_id: int
) -> tuple[socketio.AsyncClient, aiohttp.ClientSession]:
    http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with http.get(base_url + "/login") as response:
        page = await response.text()
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    async with http.post(
        base_url + "/login",
        data={"username": ORGANISER[0], "password": ORGANISER[1], "csrf_token": token},
        allow_redirects=False,
    ) as response:
        assert response.status == 302, "organiser login failed"
    client = socketio.AsyncClient(http_session=http)
    await client.connect(
        base_url, auth={"role": "organiser", "meeting": meeting_id}, transports=["websocket"]
    )
    return client, http


async def burst(server: LiveServer, scene, kill_midway: bool) -> dict:  # type: ignore[no-untyped-def]
    phones = await join_all(server.base_url, scene.secrets)
    console, http = await organiser_connection(server.base_url, scene.meeting_id)
    ack = await console.call("open_round", {"reporters": scene.reporter_ids}, timeout=30)
    assert ack["ok"], ack
    round_id = ack["round"]
    await console.disconnect()
    await http.close()

    seen: list[tuple[float, int]] = []
    screen_http = aiohttp.ClientSession()  # ours, so reconnects after a kill leave none open
    screen = socketio.AsyncClient(
        reconnection=True, reconnection_delay=0.2, http_session=screen_http
    )
    screen.on(
        "state",
        lambda state: seen.append(
            (time.perf_counter(), (state.get("turnout") or {}).get("voted", 0))
        ),
    )
    await screen.connect(
        server.base_url,
        auth={"role": "screen", "meeting": scene.meeting_id, "key": scene.screen_key},
        transports=["websocket"],
    )

    await asyncio.sleep(1.0)  # every phone has its snapshot with the open round
    for i, phone in enumerate(phones):
        phone.prepare(round_id, scene.lines(i))
    acked: list[str] = []
    killed = asyncio.Event()
    kill_at = max(1, len(phones) // 10)
    unacked_at_kill: list[int] = []

    async def send(phone: Phone) -> dict:
        ack = await phone.send(timeout=180)
        if ack.get("ok"):
            acked.append(ack["submission"])
        if kill_midway and len(acked) >= kill_at and not killed.is_set():
            killed.set()
            server.kill()
            unacked_at_kill.append(len(phones) - len(acked))
            await asyncio.to_thread(server.start)
        return ack

    started = time.perf_counter()
    acks = await asyncio.gather(*(send(p) for p in phones))
    last_ack = time.perf_counter()
    total = len(phones)
    deadline = time.perf_counter() + 30
    while not (seen and seen[-1][1] >= total) and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
    full_at = next((t for t, voted in seen if voted >= total), None)
    await screen.disconnect()
    await screen_http.close()
    latencies = [p.latencies_ms[-1] for p in phones if p.latencies_ms]
    # after a kill, phones that had their ack already may still be reconnecting: let them
    # finish, or closing them would race with the reconnect
    await asyncio.gather(
        *(asyncio.wait_for(p.connected.wait(), 60) for p in phones), return_exceptions=True
    )
    await asyncio.gather(*(p.close() for p in phones))
    await close_stray_sessions()
    return {
        "round_id": round_id,
        "acks": acks,
        "acked": acked,
        "latencies": latencies,
        "wall_ms": (last_ack - started) * 1000,
        "projector_lag_ms": (full_at - last_ack) * 1000 if full_at else float("inf"),
        "unacked_at_kill": unacked_at_kill[0] if unacked_at_kill else 0,
    }


async def close_stray_sessions() -> None:
    """Close HTTP sessions python-engineio opened by itself during reconnects after the
    kill (a reconnect racing with disconnect); only shutdown noise would remain."""
    import gc

    for thing in gc.get_objects():
        if isinstance(thing, aiohttp.ClientSession) and not thing.closed:
            await thing.close()


async def raw_burst(base_url: str, secrets: list[str], lines) -> list[float]:  # type: ignore[no-untyped-def]
    phones = await join_all(base_url, secrets)
    await asyncio.sleep(1.0)
    for i, phone in enumerate(phones):
        phone.prepare(1, lines(i))
    await asyncio.gather(*(p.send(timeout=120) for p in phones))
    latencies = [p.latencies_ms[-1] for p in phones]
    await asyncio.gather(*(p.close() for p in phones))
    return latencies


def measure_raw(async_mode: str, secrets: list[str], lines) -> list[float]:  # type: ignore[no-untyped-def]
    port = free_port()
    env = dict(os.environ, MEETING_ASYNC_MODE=async_mode)
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "raw_server.py"), str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import requests

        for _ in range(200):
            try:
                requests.get(f"http://127.0.0.1:{port}/login", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.05)
        return asyncio.run(raw_burst(f"http://127.0.0.1:{port}", secrets, lines))
    finally:
        process.terminate()
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--delegates", type=int, default=300)
    parser.add_argument("--reporters", type=int, default=21)
    parser.add_argument("--kill-midway", action="store_true")
    parser.add_argument("--async-mode", default=os.environ.get("MEETING_ASYNC_MODE", "eventlet"))
    args = parser.parse_args()

    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    with tempfile.TemporaryDirectory() as folder:
        server = LiveServer(Path(folder), async_mode=args.async_mode)
        server.prepare()
        app = server.app()
        with app.app_context():
            scene = build_meeting(
                get_session(),
                reporters_count=args.reporters,
                delegates=args.delegates,
                open_round=False,
            )
        server.start()
        try:
            result = asyncio.run(burst(server, scene, args.kill_midway))
        finally:
            server.stop()
        with app.app_context():
            session = get_session()
            rows = session.execute(
                select(Ballot.token_id, Ballot.submission_id).where(
                    Ballot.round_id == result["round_id"]
                )
            ).all()
            per_token = session.execute(
                select(func.count())
                .select_from(Ballot)
                .where(Ballot.round_id == result["round_id"])
                .group_by(Ballot.token_id)
                .having(func.count() > 1)
            ).all()
        stored_submissions = {sub for _, sub in rows}
        lost = sum(1 for sub in result["acked"] if sub not in stored_submissions)
        raw = measure_raw(args.async_mode, scene.secrets, scene.lines)

    # let the clients' leftovers be collected now, so their shutdown warnings (if any)
    # come before the figures and the figures stay the last line
    import gc

    gc.collect()
    sys.stderr.flush()
    acked = sum(1 for a in result["acks"] if a.get("ok"))
    p50 = percentile(result["latencies"], 0.50)
    p99 = percentile(result["latencies"], 0.99)
    raw_p99 = percentile(raw, 0.99)
    print(
        f"# async_mode={args.async_mode} kill_midway={args.kill_midway} burst_wall_ms={result['wall_ms']:.0f} raw_p50_ms={percentile(raw, 0.5):.0f}"
    )
    print(
        f"delegates={args.delegates} acked={acked} stored={len(rows)} lost={lost} duplicated={len(per_token)} "
        f"ack_p50_ms={p50:.0f} ack_p99_ms={p99:.0f} raw_p99_ms={raw_p99:.0f} ratio_p99={p99 / raw_p99:.2f} "
        f"projector_lag_ms={result['projector_lag_ms']:.0f}"
        + (f" unacked_at_kill={result['unacked_at_kill']}" if args.kill_midway else "")
    )


if __name__ == "__main__":
    main()
