"""Start the real server (app.py, the same entry as `make run`) on a free port.

Used by the real-server and browser tests and by the benchmarks. The database is
migrated and an organiser created in this process first, so the server starts on a
known state; SIGKILL and restart keep the same database.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
ORGANISER = ("admin", "correct-horse-battery")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LiveServer:
    def __init__(
        self,
        folder: Path,
        async_mode: str | None = None,
        database_url: str | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.folder = Path(folder)
        self.instance = self.folder / "instance"
        self.instance.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url or f"sqlite:///{self.instance / 'live.db'}"
        self.env = dict(
            os.environ,
            INSTANCE_PATH=str(self.instance),
            DATABASE_URL=self.database_url,
            SECRET_KEY="live-test-secret",
            PUBLIC_URL=self.base_url,
            PYTHONUNBUFFERED="1",
            **(extra_env or {}),
        )
        if async_mode:
            self.env["MEETING_ASYNC_MODE"] = async_mode
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = self.folder / "server.log"

    def prepare(self) -> None:
        """Migrate the database and create the organiser (idempotent)."""
        from meeting import accounts, create_app
        from meeting.db import get_session, upgrade

        previous = os.environ.get("INSTANCE_PATH")
        os.environ["INSTANCE_PATH"] = str(self.instance)
        try:
            app = create_app({"DATABASE_URL": self.database_url, "SECRET_KEY": "live-test-secret"})
            upgrade(app)
            with app.app_context():
                session = get_session()
                from sqlalchemy import select

                from meeting.models import Organiser

                if (
                    session.scalar(select(Organiser).where(Organiser.username == ORGANISER[0]))
                    is None
                ):
                    accounts.create_organiser(session, *ORGANISER)
                    session.commit()
            app.extensions["sanshu.db"].engine.dispose()
        finally:
            if previous is None:
                os.environ.pop("INSTANCE_PATH", None)
            else:
                os.environ["INSTANCE_PATH"] = previous

    def app(self):  # type: ignore[no-untyped-def]
        """An app on the same database, for setting up data and checking results."""
        from meeting import create_app

        os.environ["INSTANCE_PATH"] = str(self.instance)
        return create_app({"DATABASE_URL": self.database_url, "SECRET_KEY": "live-test-secret"})

    def scene(self, **kw: Any):  # type: ignore[no-untyped-def]
        """A meeting built on this server's database (tests.builders.build_meeting)."""
        from meeting.db import get_session
        from tests.builders import build_meeting

        app = self.app()
        with app.app_context():
            scene = build_meeting(get_session(), **kw)
        app.extensions["sanshu.db"].engine.dispose()
        return scene

    def start(self, timeout: float = 30) -> LiveServer:
        log = open(self.log_path, "ab")  # noqa: SIM115 - kept open for the process' life
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py"), "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=str(ROOT),
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log()}")
            try:
                if requests.get(self.base_url + "/login", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, as when the power or the process dies."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.kill()

    def login(self, session: requests.Session | None = None) -> requests.Session:
        """A requests session logged in as the organiser."""
        session = session or requests.Session()
        page = session.get(self.base_url + "/login").text
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        response = session.post(
            self.base_url + "/login",
            data={"username": ORGANISER[0], "password": ORGANISER[1], "csrf_token": token},
            allow_redirects=False,
        )
        assert response.status_code == 302, response.text
        return session

    def __enter__(self) -> LiveServer:
        self.prepare()
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
