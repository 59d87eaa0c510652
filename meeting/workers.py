"""Worker processes for slow work, so none of it runs on the live server's event loop.

A :class:`WorkerPool` keeps up to ``size`` long-lived ``python -m <module>`` processes.
Each reads one JSON request per line on stdin and writes one JSON answer per line on
stdout (:func:`serve`); bulky results travel through files, because reading a large
answer from a pipe is slow on eventlet. Callers wait cooperatively for a free worker; a
request that takes longer than the pool's ``timeout`` kills its worker (the next request
starts a fresh one), so one poisonous file cannot hold the pool. Workers run at the
lowest CPU priority, so the live server's acknowledgements come first on a small machine.

Used by ``pdf`` (WeasyPrint layout) and ``spreadsheets`` (reading uploads).
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent


class WorkerError(RuntimeError):
    """A worker could not do the job (its message says why), or died, or took too long."""


class Worker:
    """One worker process and its pipes."""

    def __init__(self, module: str) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.process = subprocess.Popen(
            [sys.executable, "-m", module],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=str(ROOT),
            env=env,
        )

    def call(self, request: dict[str, Any], timeout: float | None) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        watchdog = threading.Timer(timeout, self.stop) if timeout else None
        if watchdog is not None:
            watchdog.daemon = True
            watchdog.start()
        try:
            self.process.stdin.write((json.dumps(request, ensure_ascii=False) + "\n").encode())
            self.process.stdin.flush()
            line = self.process.stdout.readline()
        finally:
            if watchdog is not None:
                watchdog.cancel()
        if not line:
            raise WorkerError("worker stopped")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.alive():
            self.process.kill()
            self.process.wait()

    def close(self) -> None:
        self.stop()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()


class WorkerPool:
    """At most ``size`` worker processes running ``python -m module``."""

    def __init__(self, module: str, size: int = 2, timeout: float | None = None) -> None:
        self.module = module
        self.size = max(1, size)
        self.timeout = timeout
        self._idle: queue.Queue[Worker | None] = queue.Queue()
        for _ in range(self.size):
            self._idle.put(None)  # a slot; the process starts on first use
        self._workers: list[Worker] = []
        self._lock = threading.Lock()

    def call(self, request: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
        """Send one request to a free worker; its answer, or WorkerError."""
        worker = self._idle.get()
        try:
            if worker is None or not worker.alive():
                worker = Worker(self.module)
                with self._lock:
                    self._workers.append(worker)
            try:
                answer = worker.call(request, timeout or self.timeout)
            except (OSError, WorkerError, ValueError) as exc:
                worker.close()
                worker = None
                raise WorkerError(str(exc)) from exc
        finally:
            self._idle.put(worker)
        if not answer.get("ok"):
            raise WorkerError(answer.get("error", "the worker failed"))
        return answer

    def ping(self, wait: float = 1.0, timeout: float = 30.0) -> bool | None:
        """Whether a worker starts and answers; None when all stay busy for ``wait`` s
        (they are working: a health check does not queue behind a batch of letters)."""
        try:
            slot = self._idle.get(timeout=wait)
        except queue.Empty:
            return None
        self._idle.put(slot)
        try:
            self.call({"cmd": "ping"}, timeout=timeout)
        except WorkerError:
            return False
        return True

    def warm(self) -> None:
        """Start every worker now, so the first real request does not pay for it."""
        for _ in range(self.size):
            self.call({"cmd": "ping"})

    def close(self) -> None:
        with self._lock:
            for worker in self._workers:
                worker.close()
            self._workers.clear()


def serve(
    handle: Callable[[dict[str, Any]], dict[str, Any]],
    stdin: IO[str] | None = None,
    stdout: IO[str] | None = None,
) -> None:
    """Worker loop: one JSON request per line in, one JSON answer per line out.

    ``{"cmd": "ping"}`` is answered here; everything else goes to ``handle``. A job that
    raises is answered with its error and the worker carries on.
    """
    if hasattr(os, "nice"):
        os.nice(19)
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    for line in stdin:
        try:
            request = json.loads(line)
            answer = {"ok": True} if request.get("cmd") == "ping" else handle(request)
        except Exception as exc:  # the worker survives a bad job and reports it
            answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        stdout.write(json.dumps(answer, ensure_ascii=False) + "\n")
        stdout.flush()
