"""Throttles: one helper over one storage, in memory by default and in Redis when configured.

Flask-Limiter guards HTTP routes (``limiter.limit(...)`` on a view, counting only failed
attempts where it says so); socket events and anything else ask :func:`allow` against the
same storage (the ``limits`` strategy Flask-Limiter runs on), so several server processes
share every budget through Redis. Library, not home-made: moving windows, storage
back-ends and expiry are the ``limits`` package's.
"""

from __future__ import annotations

import time
from functools import cache

from flask import Flask, request
from flask_limiter import Limiter
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage


def client_address() -> str:
    """The address a throttle counts by (the proxy's client address behind HAProxy)."""
    return request.remote_addr or "?"


limiter = Limiter(key_func=client_address, strategy="moving-window")

# name -> rate ("N per T"): every budget of the app in one table.
RATES = {
    "login_failures": "10 per 10 minutes",  # wrong passwords per client address
    "join_failures": "30 per 10 minutes",  # wrong typed codes per client address
    "slip_events": "20 per 4 seconds",  # one slip's events, whichever sockets carry them
    "connects": "30 per minute",  # socket connects per slip
    "console_events": "60 per 10 seconds",  # one organiser login's console events
    "client_garbage": "1 per 10 seconds",  # log lines about junk from one client address
}


@cache
def _item(rate: str) -> RateLimitItem:
    return parse(rate)


def rate(name: str) -> str:
    """The configured rate of a budget (for Flask-Limiter decorators)."""
    return RATES[name]


def allow(name: str, *key: str) -> bool:
    """Spend one unit of budget ``name`` for ``key``; False when it is used up."""
    return bool(limiter.limiter.hit(_item(RATES[name]), name, *key))


class GreenMemoryStorage(MemoryStorage):
    """limits' memory storage, with expired entries swept inline instead of by a thread.

    MemoryStorage starts a new ``threading.Timer`` whenever its last one has fired, so on
    most hits; under eventlet or gevent ``Thread.start()`` waits for the new thread to
    run, which yields to the hub: every throttle check (every phone event) queued behind
    all the ready green threads, 100 ms and more while a server is flooded
    (bench/fuzz.py). Same counting (the parent's code); only when the sweep runs differs.
    """

    STORAGE_SCHEME = ["sanshu-memory"]  # noqa: RUF012 (the name limits registers storages by)
    SWEEP_SECONDS = 1.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str):
        self.next_sweep = 0.0
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    def _MemoryStorage__schedule_expiry(self) -> None:  # the parent's hook, called per hit
        now = time.monotonic()
        if now >= self.next_sweep:
            self.next_sweep = now + self.SWEEP_SECONDS
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


def init_app(app: Flask) -> None:
    """Memory storage by default; the Redis of the message queue when there is one."""
    queue = app.config.get("MESSAGE_QUEUE") or ""
    default = queue if queue.startswith("redis") else "sanshu-memory://"
    app.config.setdefault("RATELIMIT_STORAGE_URI", default)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "sanshu")
    limiter.init_app(app)
