"""Throttles: one helper over one storage, in memory by default and in Redis when configured.

Flask-Limiter guards HTTP routes (``limiter.limit(...)`` on a view, counting only failed
attempts where it says so); socket events and anything else ask :func:`allow` against the
same storage (the ``limits`` strategy Flask-Limiter runs on), so several server processes
share every budget through Redis. Library, not home-made: moving windows, storage
back-ends and expiry are the ``limits`` package's.
"""

from __future__ import annotations

from functools import cache

from flask import Flask, request
from flask_limiter import Limiter
from limits import RateLimitItem, parse


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


def init_app(app: Flask) -> None:
    """Memory storage by default; the Redis of the message queue when there is one."""
    queue = app.config.get("MESSAGE_QUEUE") or ""
    default = queue if queue.startswith("redis") else "memory://"
    app.config.setdefault("RATELIMIT_STORAGE_URI", default)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "sanshu")
    limiter.init_app(app)
