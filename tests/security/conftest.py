"""The security suite: the real server, real clients (python-socketio, HTTP, Chromium)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.live_server import LiveServer


@pytest.fixture
def server(tmp_path) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    """A real server (eventlet, SQLite) with a live meeting: 3 reporters, 20 slips, a
    round open for all of them."""
    live = LiveServer(tmp_path)
    live.prepare()
    live.start()
    yield live
    live.stop()


@pytest.fixture
def scene(server: LiveServer) -> Any:
    return server.scene(reporters_count=3, delegates=20)
