"""The outermost WSGI layer: nothing that escapes Flask or Engine.IO reaches a client raw.

eventlet's WSGI server answers an unhandled exception with the whole traceback in the
response body (its ``debug`` flag, which Flask-SocketIO keeps for itself), and gevent's
with a bare 500 but no log of ours. Here such an exception is logged once through the
app's logger and answered with a short, plain response.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable
from typing import Any

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class SafetyNet:
    def __init__(self, wsgi_app: WSGIApp, logger: logging.Logger) -> None:
        self.wsgi_app = wsgi_app
        self.logger = logger

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        try:
            return self.wsgi_app(environ, start_response)
        except KeyError:
            if environ.get("PATH_INFO", "").startswith("/socket.io"):
                # python-engineio raises KeyError('Session is disconnected') for a POST to
                # a polling session that closed but is not swept yet; answer as it does
                # for an unknown session
                start_response("400 BAD REQUEST", [("Content-Type", "text/plain")], sys.exc_info())
                return [b"Invalid session"]
            return self._fail(environ, start_response)
        except Exception:
            return self._fail(environ, start_response)

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
