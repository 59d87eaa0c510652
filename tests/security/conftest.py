"""The security suite: the real server, real clients (python-socketio, HTTP, Chromium)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.live_server import LiveServer


@pytest.fixture
def server(live_server: LiveServer) -> LiveServer:
    """The real server (tests/conftest.py); ``scene`` puts a live meeting on it."""
    return live_server


@pytest.fixture
def scene(server: LiveServer) -> Any:
    return server.scene(reporters_count=3, delegates=20)
