"""A bare Flask-SocketIO ack server: the stack's own limit, for bench/burst.py.

Same async server choice and options as app.py, the same join route shape as the real
app (so the same simulated phones can use it), and an ack that does no work at all.
"""

import os
import sys
import warnings

ASYNC_MODE = os.environ.get("MEETING_ASYNC_MODE", "eventlet")
if ASYNC_MODE == "eventlet":
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    import eventlet

    eventlet.monkey_patch()
elif ASYNC_MODE == "gevent":
    from gevent import monkey

    monkey.patch_all()

from flask import Flask, redirect  # noqa: E402
from flask_socketio import SocketIO  # noqa: E402

app = Flask(__name__)
app.config["SECRET_KEY"] = "raw"
socketio = SocketIO(app, async_mode=ASYNC_MODE, max_http_buffer_size=64 * 1024)


@app.route("/b/<secret>")
def join(secret: str):  # type: ignore[no-untyped-def]
    response = redirect("/d")
    response.set_cookie("session", secret)
    return response


@app.route("/login")
def login():  # type: ignore[no-untyped-def]
    return "ok"


@socketio.on("connect")
def connect(auth=None):  # type: ignore[no-untyped-def]
    return True


@socketio.on("submit_ballot")
def submit(payload):  # type: ignore[no-untyped-def]
    return {"ok": True, "submission": payload.get("submission"), "valid": True}


if __name__ == "__main__":
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    options = {"max_size": 10_000} if ASYNC_MODE == "eventlet" else {}
    socketio.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_output=False, **options)
