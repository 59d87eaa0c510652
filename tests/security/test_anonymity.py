"""Nobody, organiser included, learns or changes what a slip voted (BRIEF §5).

Real server, real python-socketio phones, real HTTP clients.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import requests
import socketio
from sqlalchemy import select

from meeting.db import get_session
from meeting.models import Ballot, BallotToken, RoundToken, ScoringRound
from tests.live_server import LiveServer
from tests.phones import Phone, run_async

pytestmark = pytest.mark.server


def too_many_top_grades(scene: Any) -> list[dict[str, Any]]:
    """A ballot whose every overall line is 好: invalid under the top-grade quota."""
    lines = scene.lines(0)
    for line in lines:
        if line["k"] == "overall":
            line["v"] = "好"
    return lines


def code_of(server: LiveServer, secret: str) -> str:
    app = server.app()
    with app.app_context():
        token = get_session().scalar(select(BallotToken).where(BallotToken.secret == secret))
        code = token.code
    app.extensions["sanshu.db"].engine.dispose()
    return code


async def console(server: LiveServer, meeting_id: int, http: requests.Session) -> tuple[Any, list]:
    """A real organiser console (the login's cookie on the socket)."""
    states: list[dict[str, Any]] = []
    client = socketio.AsyncClient(reconnection=False)
    client.on("state", states.append)
    cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
    await client.connect(
        server.base_url,
        auth={"role": "organiser", "meeting": meeting_id},
        headers={"Cookie": cookie},
        transports=["websocket"],
    )
    return client, states


async def settle(seconds: float = 0.6) -> None:
    await asyncio.sleep(seconds)  # pushes go out every 0.25 s


def test_a_slip_code_typed_elsewhere_reveals_nothing_and_takes_nothing_over(server, scene):
    """The organiser prints the slips, so knows every code: typing one at /j gives a device
    that learns nothing of the ballot, and the delegate's phone is told at once."""
    secret = scene.secrets[0]
    code = code_of(server, secret)

    async def run() -> tuple[Phone, Phone, dict, dict]:
        own = Phone(server.base_url, secret)
        await own.join()
        await own.connect()
        # an invalid ballot: its reasons would tell how it voted (too many top grades)
        lines = too_many_top_grades(scene)
        own.prepare(scene.round_id, lines)
        ack = await own.send()
        assert ack["ok"] and ack["valid"] is False and ack["problems"]  # the sender is told
        # a second device, as an organiser who knows the printed code would do
        other = Phone(server.base_url, secret)
        import aiohttp

        other.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        async with other.http.get(f"{server.base_url}/j") as page:
            csrf = (await page.text()).split('name="csrf_token" value="')[1].split('"')[0]
        async with other.http.post(
            f"{server.base_url}/j", data={"code": code, "csrf_token": csrf}, allow_redirects=False
        ) as response:
            assert response.status == 302
        await other.connect()
        await settle()
        seen_by_other = json.loads(json.dumps(other.me))
        # the second device sends a newer version: the first one sees the change
        other.prepare(scene.round_id, scene.lines(1))
        other.seq = 1
        second = await other.send()
        await settle()
        await asyncio.gather(own.close(), other.close())
        return own, other, seen_by_other, second

    own, _other, seen_by_other, second = run_async(run())
    mine = seen_by_other["ballots"][str(scene.round_id)]
    assert set(mine) <= {"seq", "revision", "round_status"}  # a receipt, no content
    text = json.dumps(seen_by_other, ensure_ascii=False)
    assert "最多可评" not in text and "好" not in text
    # the device that held the slip was told at once that another device opened it
    assert any(event == "other_device" for event, _ in own.notices)
    assert second["ok"] and second["revision"] == 2
    assert own.me["ballots"][str(scene.round_id)]["revision"] == 2  # the change shows
    # what told it: version numbers of the new ballot, nothing of its content
    assert [(set(r), r["round"], r["revision"]) for r in own.receipts] == [
        ({"round", "seq", "revision"}, scene.round_id, 2)
    ]


def test_a_superseded_phone_learns_nothing_of_the_newer_ballot(server, scene):
    secret = scene.secrets[1]

    async def run() -> dict:
        first = Phone(server.base_url, secret)
        second = Phone(server.base_url, secret)
        for phone in (first, second):
            await phone.join()
            await phone.connect()
        lines = too_many_top_grades(scene)
        second.seq = 5
        second.prepare(scene.round_id, lines)  # seq 6, invalid
        await second.send()
        first.prepare(scene.round_id, scene.lines(2))  # seq 1: older
        ack = await first.send()
        await asyncio.gather(first.close(), second.close())
        return ack

    ack = run_async(run())
    assert ack["ok"] and ack["superseded"]
    assert "valid" not in ack and "problems" not in ack


def test_codes_are_not_shown_once_the_meeting_is_live(server, scene):
    http = server.login()
    page = http.get(f"{server.base_url}/meetings/{scene.meeting_id}/tokens").text
    codes = [code_of(server, secret) for secret in scene.secrets[:5]]
    for code in codes:
        assert code not in page and f"{code[:4]}-{code[4:]}" not in page
    assert "••-••••" in page
    slips = http.get(f"{server.base_url}/meetings/{scene.meeting_id}/tokens/slips.pdf")
    assert slips.status_code == 404 and "不再显示或打印" in slips.text


def test_the_console_never_pairs_validity_with_who_voted(server, scene):
    http = server.login()

    async def run() -> list[dict]:
        client, states = await console(server, scene.meeting_id, http)
        phone = Phone(server.base_url, scene.secrets[2])
        await phone.join()
        await phone.connect()
        lines = too_many_top_grades(scene)  # invalid
        phone.prepare(scene.round_id, lines)
        await phone.send()
        await settle()
        await phone.close()
        await client.disconnect()
        return states

    states = run_async(run())
    assert states[-1]["open_round"]["turnout"]["voted"] == 1
    for state in states:
        text = json.dumps(state["open_round"], ensure_ascii=False)
        assert '"valid"' not in text and '"invalid"' not in text
        assert all("valid" not in r for r in state["rounds"] if r["status"] == "open")


def test_a_closed_rounds_ballots_no_longer_name_their_slip(server, scene):
    async def run() -> list[dict]:
        acks = []
        phones = []
        for i, secret in enumerate(scene.secrets[:12]):
            phone = Phone(server.base_url, secret)
            await phone.join()
            await phone.connect()
            phone.prepare(scene.round_id, scene.lines(i))
            acks.append(await phone.send())  # one after the other: a known order
            phones.append(phone)
        await asyncio.gather(*(p.close() for p in phones))
        return acks

    acks = run_async(run())
    assert all(a["ok"] for a in acks)
    http = server.login()

    async def close() -> dict:
        client, _ = await console(server, scene.meeting_id, http)
        ack = await client.call("close_round", {"round": scene.round_id}, timeout=10)
        await client.disconnect()
        return ack

    assert run_async(close())["ok"]
    app = server.app()
    with app.app_context():
        db = get_session()
        rows = db.execute(
            select(Ballot.token_id, Ballot.created_at, Ballot.updated_at, Ballot.submission_id)
            .where(Ballot.round_id == scene.round_id)
            .order_by(Ballot.id)
        ).all()
        closed_at = db.get(ScoringRound, scene.round_id).closed_at
        voted = db.scalars(
            select(RoundToken.voted).where(RoundToken.round_id == scene.round_id)
        ).all()
    app.extensions["sanshu.db"].engine.dispose()
    assert len(rows) == 12 and all(r.token_id is None for r in rows)
    assert {r.created_at for r in rows} == {closed_at} == {r.updated_at for r in rows}
    stored_order = [r.submission_id for r in rows]
    sent_order = [a["submission"] for a in acks]
    assert sorted(stored_order) == sorted(sent_order) and stored_order != sent_order
    assert sum(voted) == 12  # who voted stays frozen in the round

    async def resend() -> dict:
        phone = Phone(server.base_url, scene.secrets[0])
        await phone.join()
        await phone.connect()
        phone.pending = {
            "round": scene.round_id,
            "submission": acks[0]["submission"],
            "seq": 1,
            "lines": scene.lines(0),
        }
        ack = await phone.send()
        await phone.close()
        return ack

    again = run_async(resend())  # an ack lost before the close: answered from the store
    assert again["ok"] and again["duplicate"]
