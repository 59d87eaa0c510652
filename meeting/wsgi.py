"""The outermost WSGI layer: nothing that escapes Flask or Engine.IO reaches a client raw.

eventlet's WSGI server answers an unhandled exception with the whole traceback in the
response body (its ``debug`` flag, which Flask-SocketIO keeps for itself), and gevent's
with a bare 500 but no log of ours. Here such an exception is logged once through the
app's logger and answered with a short, plain response.
"""

from __future__ import annotations

import logging
import socket
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

from websockets.frames import apply_mask

from . import throttle

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class SafetyNet:
    def __init__(self, wsgi_app: WSGIApp, logger: logging.Logger) -> None:
        self.wsgi_app = wsgi_app
        self.logger = logger
        self.quiet = QuietLog(logger)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO", "").startswith("/socket.io"):
            # eventlet's WebSocket writes each client's broken connection to wsgi.errors
            environ["wsgi.errors"] = JunkFilter(
                environ.get("wsgi.errors") or sys.stderr, self.quiet
            )
        try:
            return self.wsgi_app(environ, start_response)
        except Exception as error:
            if environ.get("PATH_INFO", "").startswith("/socket.io"):
                # a client's junk on the Engine.IO transport (a POST to a polling session
                # that closed but is not swept yet raises KeyError in python-engineio; a
                # garbled WebSocket frame raises from its parser): one short log line,
                # at most every 10 s per address, and engineio's own answer
                self._junk(environ, error)
                try:
                    start_response(
                        "400 BAD REQUEST", [("Content-Type", "text/plain")], sys.exc_info()
                    )
                except Exception:  # the WebSocket was upgraded: nothing more can be sent
                    return []
                return [b"Invalid session"]
            return self._fail(environ, start_response)

    def _junk(self, environ: dict[str, Any], error: Exception) -> None:
        address = environ.get("REMOTE_ADDR", "?")
        try:
            if throttle.allow("client_garbage", address):
                self.logger.warning(
                    "client %s: Engine.IO junk (%s: %s)",
                    address,
                    type(error).__name__,
                    str(error)[:80],
                )
        except Exception:  # the throttle's storage is down: stay quiet
            return

    def _fail(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        self.logger.error(
            "unhandled error in %s %s",
            environ.get("REQUEST_METHOD"),
            environ.get("PATH_INFO", "")[:200],
            exc_info=sys.exc_info(),
        )
        start_response(
            "500 INTERNAL SERVER ERROR",
            [("Content-Type", "text/plain; charset=utf-8")],
            sys.exc_info(),
        )
        return ["服务器出错，请稍后再试。".encode()]


class QuietLog:
    """The WSGI server's own log of junk requests (a garbled request line, a WebSocket frame
    sent as HTTP): one line at most every ``every`` seconds, with how many were left out,
    so a client sending junk cannot flood the log or spend the server's time writing it."""

    def __init__(self, logger: logging.Logger, every: float = 10.0) -> None:
        self.logger = logger
        self.every = every
        self.next_line = 0.0
        self.left_out = 0

    def write(self, text: str) -> None:
        line = str(text).strip().replace("\n", " ")[:160]
        if not line:
            return
        now = time.monotonic()
        if now < self.next_line:
            self.left_out += 1
            return
        more = f" (and {self.left_out} more)" if self.left_out else ""
        self.logger.warning("server: %s%s", line, more)
        self.next_line = now + self.every
        self.left_out = 0

    def flush(self) -> None:
        return None

    # eventlet's WSGI server also calls these on a logger
    def info(self, message: str, *args: Any) -> None:
        self.write(message % args if args else message)

    debug = error = warning = info


class JunkFilter:
    """wsgi.errors for the Socket.IO transport: the server's lines about a client's broken
    socket go to a QuietLog, anything else (the app's own log) through unchanged."""

    JUNK = ("socket shutdown error", "connection reset by peer")

    def __init__(self, stream: Any, quiet: QuietLog) -> None:
        self.stream = stream
        self.quiet = quiet

    def write(self, text: str) -> Any:
        if any(marker in str(text) for marker in self.JUNK):
            return self.quiet.write(text)
        return self.stream.write(text)

    def flush(self) -> None:
        flush = getattr(self.stream, "flush", None)
        if flush is not None:
            flush()


def unmask(data: bytes, mask: tuple[int, ...], length: int | None = None, offset: int = 0) -> bytes:
    """eventlet's RFC6455WebSocket._apply_mask, with the XOR done in C by `websockets`.

    ``mask`` is the frame's four key bytes; ``offset`` is how far into the frame ``data``
    starts (a frame can arrive in several reads), ``length`` how many bytes to take.
    """
    key = bytes(mask)
    shift = offset % 4
    view = data if length is None else data[:length]
    return apply_mask(bytes(view), key[shift:] + key[:shift])


def speed_up_eventlet_websockets() -> None:
    """Unmask client frames in C instead of eventlet's loop that builds one object per byte.

    A few KB from one phone cost eventlet ~0.6 ms of the event loop; under a flood of large
    frames (bench/fuzz.py) that loop was a fifth of the server's CPU. Same bytes out
    (tests/test_wsgi.py).
    """
    from eventlet.websocket import RFC6455WebSocket  # only the eventlet server imports eventlet

    RFC6455WebSocket._apply_mask = staticmethod(unmask)


def listen(host: str, port: int) -> socket.socket:
    """The listening socket (what Flask-SocketIO's run() would make), with Nagle's algorithm off.

    Accepted connections inherit TCP_NODELAY from it (Linux). With Nagle on, a small frame
    written right after another one (an ack right after a push, two acks in a row) waits
    for the client's delayed ACK: 40 ms stalls that were most of the honest phones' p99
    under bench/fuzz.py. WebSocket servers elsewhere (ws, Tornado) turn it off too.
    """
    family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(address)
    sock.listen(socket.SOMAXCONN)  # a room of phones connecting at once
    return sock
