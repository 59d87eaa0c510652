"""Simulated phones: real python-socketio clients, as many as a test or benchmark needs.

Each phone joins like a real one (GET /b/<secret> for the signed session cookie, then a
Socket.IO connection over WebSocket), keeps its unacknowledged ballot and sends it again
after every reconnect with the same submission id, as static/js/phone.js does.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import socketio


@dataclass
class Phone:
    base_url: str
    secret: str
    http: aiohttp.ClientSession | None = None
    sio: socketio.AsyncClient | None = None
    state: dict[str, Any] | None = None
    me: dict[str, Any] | None = None
    pending: dict[str, Any] | None = None
    acks: list[dict[str, Any]] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    reconnects: int = 0
    connects: int = 0
    receipts: list[dict[str, Any]] = field(default_factory=list)  # other devices' ballots
    notices: list[tuple[str, Any]] = field(default_factory=list)  # every other event
    states: int = 0
    refused: str = ""
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    dropped: asyncio.Event = field(default_factory=asyncio.Event)
    seq: int = 0

    async def join(self) -> None:
        """Open the slip link; the signed session cookie stays in this phone's cookie jar.

        The jar (not a Cookie header) carries the session, as in a browser: python-engineio
        drops a Cookie header after the first connection, so reconnects would go without it.
        """
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        async with self.http.get(
            f"{self.base_url}/b/{self.secret}", allow_redirects=False
        ) as response:
            assert response.status == 302, await response.text()

    async def connect(self) -> None:
        self.sio = socketio.AsyncClient(
            reconnection=True,
            reconnection_delay=0.2,
            reconnection_delay_max=1.0,
            randomization_factor=0.5,
            http_session=self.http,
        )

        @self.sio.on("connect")
        async def _connected() -> None:
            self.connects += 1
            self.reconnects = self.connects - 1
            self.dropped.clear()
            self.connected.set()

        @self.sio.on("disconnect")
        async def _disconnected(*_: Any) -> None:
            self.connected.clear()
            self.dropped.set()

        @self.sio.on("state")
        async def _state(data: dict[str, Any]) -> None:
            self.state = data
            self.states += 1

        @self.sio.on("me")
        async def _me(data: dict[str, Any]) -> None:
            self.me = data

        @self.sio.on("receipt")
        async def _receipt(data: dict[str, Any]) -> None:
            """Another device of this slip stored a ballot: as phone.js keeps it."""
            self.receipts.append(data)
            if self.me is not None:
                self.me.setdefault("ballots", {})[str(data["round"])] = {
                    "seq": data["seq"],
                    "revision": data["revision"],
                    "round_status": "open",
                }

        @self.sio.on("connect_error")
        async def _refused(data: Any = None) -> None:
            self.refused = str(data.get("message", data) if isinstance(data, dict) else data)

        @self.sio.on("*")
        async def _other(event: str, *data: Any) -> None:
            self.notices.append((event, data[0] if data else None))

        await self.sio.connect(
            self.base_url,
            auth={"role": "delegate"},
            transports=["websocket"],
            wait_timeout=30,
        )

    def prepare(self, round_id: int, lines: list[dict[str, Any]]) -> None:
        """Fill in a ballot: a new submission id and the next sequence number."""
        self.seq += 1
        self.pending = {
            "round": round_id,
            "submission": uuid.uuid4().hex,
            "seq": self.seq,
            "lines": lines,
        }

    async def send(self, timeout: float = 60) -> dict[str, Any]:
        """Send the pending ballot until it is acknowledged (re-sent after reconnects)."""
        assert self.sio is not None and self.pending is not None
        started = time.perf_counter()
        deadline = time.monotonic() + timeout
        while True:
            await asyncio.wait_for(self.connected.wait(), max(0.1, deadline - time.monotonic()))
            try:
                ack = await self.sio.call("submit_ballot", self.pending, timeout=10)
            except (
                socketio.exceptions.TimeoutError,
                socketio.exceptions.BadNamespaceError,
                socketio.exceptions.DisconnectedError,
            ):
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.1)
                continue
            self.latencies_ms.append((time.perf_counter() - started) * 1000)
            self.acks.append(ack)
            if ack.get("ok"):
                self.pending = None
            return ack

    async def close(self) -> None:
        try:
            if self.sio is not None:
                await self.sio.disconnect()
        finally:
            if self.http is not None:
                await self.http.close()


async def join_all(base_url: str, secrets: list[str], batch: int = 100) -> list[Phone]:
    """Join and connect every phone (in batches, as people walk in)."""
    phones = [Phone(base_url, secret) for secret in secrets]
    for start in range(0, len(phones), batch):
        await asyncio.gather(*(p.join() for p in phones[start : start + batch]))
    for start in range(0, len(phones), batch):
        await asyncio.gather(*(p.connect() for p in phones[start : start + batch]))
    return phones


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def run_async(coroutine: Any) -> Any:
    """asyncio.run in a thread of its own: Playwright's sync API keeps an event loop
    running in the main thread once a browser test has started, and asyncio.run refuses
    to start a second one there."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
