"""Server entry point: the only place that picks the async server.

    python app.py [--host 0.0.0.0] [--port 5000] [--demo]

MEETING_ASYNC_MODE selects eventlet (default), gevent or threading (development only).
The monkey patching below must run before anything else is imported.
"""

import os
import warnings

ASYNC_MODE = os.environ.get("MEETING_ASYNC_MODE", "eventlet")

if ASYNC_MODE == "eventlet":
    # eventlet announces its maintenance mode on import; the README says so once.
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    import eventlet

    eventlet.monkey_patch()
elif ASYNC_MODE == "gevent":
    from gevent import monkey

    monkey.patch_all()
elif ASYNC_MODE != "threading":
    raise SystemExit(f"MEETING_ASYNC_MODE must be eventlet, gevent or threading, not {ASYNC_MODE}")

import argparse  # noqa: E402
import gc  # noqa: E402
import resource  # noqa: E402

from meeting import create_app, pdf  # noqa: E402
from meeting.cli import banner, prepare  # noqa: E402
from meeting.extensions import socketio  # noqa: E402
from meeting.wsgi import QuietLog, listen, speed_up_eventlet_websockets  # noqa: E402

MAX_CONNECTIONS = 10_000


def raise_open_file_limit() -> int:
    """Every phone holds a socket: lift the soft descriptor limit to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the Sanshu server.")
    parser.add_argument("--host", default=os.environ.get("HOST", "0.0.0.0"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    parser.add_argument("--demo", action="store_true", help="load the demo meeting if none exists")
    args = parser.parse_args(argv)

    raise_open_file_limit()
    config: dict = {"ASYNC_MODE": ASYNC_MODE}
    if ASYNC_MODE != "threading":
        # SQLite waits for a lock inside C, which stops every green thread: wait a few ms
        # there, then cooperatively (meeting.db.run_transaction)
        config["SQLITE_BUSY_MS"] = 20
    app = create_app(config)
    info = prepare(app, with_demo=args.demo)
    print(banner(app, args.host, args.port, info), flush=True)

    # Everything loaded so far lives as long as the process: keep it out of the garbage
    # collector's full passes, which otherwise stall the event loop for tens of ms.
    gc.collect()
    gc.freeze()

    # start the PDF workers now, so the first letter preview does not pay for loading fonts
    socketio.start_background_task(pdf.pool(app.config["RENDER_WORKERS"]).warm)

    access_log = bool(os.environ.get("MEETING_ACCESS_LOG"))
    if ASYNC_MODE == "eventlet":
        import eventlet.wsgi  # the chosen server's own module

        speed_up_eventlet_websockets()
        eventlet.wsgi.server(
            listen(args.host, args.port),
            app,
            log_output=access_log,
            max_size=MAX_CONNECTIONS,
            # junk request lines: one line per 10 s
            **({} if access_log else {"log": QuietLog(app.logger)}),
        )
    elif ASYNC_MODE == "gevent":
        from gevent import pywsgi  # the chosen server's own modules
        from gevent.hub import Hub

        # a phone that hangs up mid-response is not a server error: gevent's hub would
        # print a traceback for each one
        Hub.NOT_ERROR = (*Hub.NOT_ERROR, ConnectionError)
        pywsgi.WSGIServer(
            listen(args.host, args.port),
            app,
            log="default" if access_log else None,
            error_log=QuietLog(app.logger),
        ).serve_forever()
    else:
        socketio.run(
            app, host=args.host, port=args.port, log_output=access_log, allow_unsafe_werkzeug=True
        )


if __name__ == "__main__":
    main()
