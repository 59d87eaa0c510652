"""No client or file stalls the live server, and junk gets a short answer, not a traceback.

Real server (eventlet), real python-socketio clients and HTTP. No timed assertions: each
test checks an order of events (the server answered while the obstacle was still there).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import sqlite3
import threading
import time
import zipfile

import pytest
import requests
import socketio
from sqlalchemy import func, select

from meeting.db import get_session
from meeting.models import Ballot
from tests.helpers import xlsx_bytes
from tests.live_server import LiveServer
from tests.phones import Phone, run_async

pytestmark = pytest.mark.server


def ballots_stored(server: LiveServer) -> int:
    app = server.app()
    with app.app_context():
        count = get_session().scalar(select(func.count()).select_from(Ballot))
    app.extensions["sanshu.db"].engine.dispose()
    return int(count or 0)


# --------------------------------------------------------------------------- pseudo-events


def test_client_events_with_reserved_names_never_reach_a_handler(server, scene):
    async def run() -> tuple[Phone, int, dict]:
        phone = Phone(server.base_url, scene.secrets[0])
        await phone.join()
        await phone.connect()
        await asyncio.sleep(0.3)
        for _ in range(200):
            # a connect re-run would rebuild and push snapshots and could change who this is
            await phone.sio.emit(
                "connect", {"role": "screen", "meeting": scene.meeting_id, "key": scene.screen_key}
            )
            await phone.sio.emit("connect")
            await phone.sio.emit("disconnect")  # would strip the socket's identity
            await phone.sio.emit("connect_error", "x")
        await asyncio.sleep(0.5)
        snapshots = phone.states  # a re-run connect handler would push one every time
        phone.prepare(scene.round_id, scene.lines(0))
        ack = await phone.send()  # still the delegate it connected as
        await phone.close()
        return phone, snapshots, ack

    phone, snapshots, ack = run_async(run())
    assert ack["ok"] and phone.connects == 1 and snapshots == 1
    assert ballots_stored(server) == 1
    log = server.log()
    assert "Traceback" not in log
    assert log.count("dropped") <= 3  # junk is logged in one line, at most every 10 s


# --------------------------------------------------------------------------- budgets


def test_one_slips_budget_is_shared_by_all_its_sockets(server, scene):
    async def run() -> tuple[list[dict], str]:
        phones = [Phone(server.base_url, scene.secrets[1]) for _ in range(4)]
        for phone in phones:
            await phone.join()
        for phone in phones[:3]:
            await phone.connect()
        with contextlib.suppress(socketio.exceptions.ConnectionError):
            await phones[3].connect()
        refused = phones[3].refused
        acks = await asyncio.gather(
            *(phone.sio.call("sync", {}, timeout=10) for phone in phones[:3] for _ in range(40))
        )
        for phone in phones:
            await phone.close()
        return acks, refused

    acks, refused = run_async(run())
    assert "设备" in refused  # a fourth socket for one slip is refused
    passed = [a for a in acks if a.get("ok")]
    limited = [a for a in acks if not a.get("ok")]
    assert len(passed) <= 25 and limited and all(a.get("retry") for a in limited)


# --------------------------------------------------------------------------- uploads


LAUGHS = '<!ENTITY lol0 "lol">' + "".join(
    f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
)
EXTERNAL = '<!ENTITY lol9 SYSTEM "file:///etc/passwd">'


def bomb_xlsx(entities: str = LAUGHS) -> bytes:
    """A workbook whose sheet declares hostile entities: a billion laughs, or an external
    entity (XXE) reading a server file."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["姓名"], ["张三"]])))
    laughs = (
        f'<?xml version="1.0"?><!DOCTYPE worksheet [{entities}]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = laughs.encode()
            target.writestr(info, data)
    return out.getvalue()


def heavy_xlsx() -> bytes:
    """16,000 cells: slow to parse, harmless once parsing is off the live loop."""
    rows = [["姓名", "职务", "单位", "述职方式"] + [f"列{i}" for i in range(36)]]
    rows += [
        [f"人{r}", "书记", f"单位{r}", "书面"] + [f"值{r}-{i}" for i in range(36)]
        for r in range(400)
    ]
    return xlsx_bytes(rows)


def upload(
    server: LiveServer, http: requests.Session, meeting_id: int, data: bytes
) -> requests.Response:
    url = f"{server.base_url}/meetings/{meeting_id}/reporters/import"
    token = http.get(url).text.split('name="csrf_token" value="')[1].split('"')[0]
    return http.post(
        url,
        data={"csrf_token": token},
        files={"file": ("名单.xlsx", data)},
        allow_redirects=True,
    )


@pytest.mark.parametrize("entities", [LAUGHS, EXTERNAL], ids=["billion-laughs", "xxe"])
def test_a_hostile_workbook_is_refused_in_chinese_and_harms_nothing(server, scene, entities):
    http = server.login()
    response = upload(server, http, scene.meeting_id, bomb_xlsx(entities))
    assert response.status_code == 200
    assert "不允许的 XML" in response.text and "root:" not in response.text
    assert "Traceback" not in response.text
    assert http.get(f"{server.base_url}/meetings/{scene.meeting_id}/reporters").status_code == 200


def test_a_heavy_upload_does_not_stall_the_phones(server, scene):
    http = server.login()
    answered_during_upload: list[float] = []
    finished = threading.Event()

    def send() -> None:
        upload(server, http, scene.meeting_id, heavy_xlsx())
        finished.set()

    async def ping_while_uploading() -> None:
        phone = Phone(server.base_url, scene.secrets[2])
        await phone.join()
        await phone.connect()
        worker = threading.Thread(target=send)
        worker.start()
        await asyncio.sleep(0.05)
        while not finished.is_set():
            await phone.sio.call("time", {"t": 1}, timeout=10)
            if not finished.is_set():
                answered_during_upload.append(time.monotonic())
            await asyncio.sleep(0.05)
        worker.join()
        await phone.close()

    run_async(ping_while_uploading())
    # the phone was answered while the workbook was being read in the worker
    assert answered_during_upload


# --------------------------------------------------------------------------- a locked database


def test_a_locked_database_keeps_the_server_answering_and_the_ballot_arrives(server, scene):
    path = server.database_url.removeprefix("sqlite:///")
    holding = threading.Event()
    release = threading.Event()

    def hold_the_lock() -> None:
        connection = sqlite3.connect(path, timeout=1, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        holding.set()
        release.wait(20)
        connection.execute("ROLLBACK")
        connection.close()

    async def run() -> tuple[bool, dict]:
        phone = Phone(server.base_url, scene.secrets[3])
        await phone.join()
        await phone.connect()
        locker = threading.Thread(target=hold_the_lock)
        locker.start()
        holding.wait(5)
        phone.prepare(scene.round_id, scene.lines(3))
        sending = asyncio.ensure_future(phone.send())
        await asyncio.sleep(0.5)
        await phone.sio.call("time", {"t": 1}, timeout=5)  # answered while locked
        answered_while_locked = not sending.done() and not release.is_set()
        await asyncio.sleep(1.5)
        release.set()
        ack = await sending
        locker.join()
        await phone.close()
        return answered_while_locked, ack

    answered_while_locked, ack = run_async(run())
    assert answered_while_locked
    assert ack["ok"] or ack.get("retry")  # stored after the release, or "send again"
    assert ballots_stored(server) == (1 if ack["ok"] else 0)


# --------------------------------------------------------------------------- junk


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/login?lang=xx_INVALID", 200),
        ("get", "/login?lang=../../etc", 200),
        ("get", "/screen/1/%E5%AF%86%E9%92%A5", 404),
        ("get", "/meetings/1/tokens/slips.pdf?category=%00", 302),
        ("get", "/b/%F0%9F%92%A3" + "x" * 300, 404),
    ],
)
def test_junk_gets_a_short_answer(server, method, path, status):
    response = getattr(requests, method)(server.base_url + path, allow_redirects=False, timeout=10)
    assert response.status_code == status
    assert "Traceback" not in response.text and 'File "' not in response.text


def test_a_post_to_a_closed_engine_io_session_is_a_plain_400(server):
    opened = requests.get(f"{server.base_url}/socket.io/?EIO=4&transport=polling", timeout=5)
    sid = opened.text.split('"sid":"')[1].split('"')[0]
    url = f"{server.base_url}/socket.io/?EIO=4&transport=polling&sid={sid}"
    requests.post(url, data="1", timeout=5)  # close
    response = requests.post(url, data="40", timeout=5)
    assert response.status_code == 400 and "Traceback" not in response.text
