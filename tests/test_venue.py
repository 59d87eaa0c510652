"""The venue before anyone arrives: the address phones use, spare slips, the pre-flight
check and the answers to the phones' connectivity probes."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from meeting import ballots, network, rounds, tokens
from meeting.errors import Conflict, Forbidden, Invalid
from meeting.models import ACTIVE, REVOKED, AuditEntry, Meeting
from meeting.models.tokens import SPARE
from tests.helpers import full_lines, pdf_text

# --------------------------------------------------------------------------- address

IP_OUTPUT = """\
1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
2: wlan0    inet 192.168.31.20/24 brd 192.168.31.255 scope global dynamic wlan0\\  valid_lft 1
3: eth0    inet 10.8.0.5/16 brd 10.8.255.255 scope global eth0\\       valid_lft forever
4: docker0    inet 172.17.0.1/16 brd 172.17.255.255 scope global docker0
5: wlan0    inet 192.168.31.20/24 secondary
"""


# the addresses this test machine pretends to have, and the names its "router" resolves
THIS_SERVER = [
    "192.168.31.20",
    "192.168.1.20",
    "10.0.0.2",
    "10.0.0.9",
    "10.1.1.1",
    "192.168.5.5",
    "192.168.100.200",
]
VENUE_DNS = {"sanshu.example.gov.cn": ["10.0.0.2"], "meeting.example.cn": ["10.0.0.9"]}


@pytest.fixture(autouse=True)
def this_server(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(network, "lan_addresses", lambda: list(THIS_SERVER))
    monkeypatch.setattr(network, "resolve", lambda host: VENUE_DNS.get(host, []))


def test_ip_output_gives_every_lan_address_once_without_loopback():
    assert network.parse_ip_addr(IP_OUTPUT) == ["192.168.31.20", "10.8.0.5", "172.17.0.1"]
    assert network.parse_ip_addr("") == []
    assert network.parse_ip_addr("inet 999.1.1.1/8") == []


def test_lan_addresses_survive_a_missing_ip_tool(monkeypatch):
    monkeypatch.setattr(network.shutil, "which", lambda _name: None)
    found = network.lan_addresses()
    assert isinstance(found, list)
    assert all(not a.startswith("127.") for a in found)


def test_suggestions_carry_the_port_the_organiser_uses():
    offered = network.suggestions("http://127.0.0.1:5000/", ["192.168.1.20", "10.0.0.2"])
    assert offered == ["http://192.168.1.20:5000", "http://10.0.0.2:5000"]
    assert network.suggestions("http://sanshu.lan/", ["192.168.1.20"]) == [
        "http://192.168.1.20",
        "http://sanshu.lan",
    ]


@pytest.mark.parametrize(
    ("typed", "cleaned"),
    [
        ("http://192.168.1.20:5000", "http://192.168.1.20:5000"),
        ("http://192.168.1.20:5000/", "http://192.168.1.20:5000"),
        ("  192.168.1.20:5000 ", "http://192.168.1.20:5000"),
        ("https://Meeting.Example.cn", "https://meeting.example.cn"),
        ("http://sanshu", "http://sanshu"),
        ("", ""),
    ],
)
def test_addresses_the_organiser_may_type(typed, cleaned):
    assert network.clean_public_url(typed) == cleaned


@pytest.mark.parametrize(
    "typed",
    [
        "ftp://192.168.1.20",
        "http://192.168.1.20:5000/j",
        "http://192.168.1.20?x=1",
        "http://user@192.168.1.20",
        "http://192.168.1.20:99999",
        "http://192.168.1.20:port",
        "http://bad_host!",
        "http://127.0.0.1:5000",
        "http://localhost:5000",
        "http://a b",
        "http://" + "a" * 400,
    ],
)
def test_addresses_that_are_refused_with_a_chinese_reason(app, typed):
    with pytest.raises(Invalid) as refused:
        network.clean_public_url(typed)
    with app.test_request_context():
        assert re.search(r"[\u4e00-\u9fff]", str(refused.value.message))


@pytest.mark.parametrize(
    ("chosen", "configured", "host", "expected"),
    [
        ("http://10.0.0.9:5000", "http://public.test", "http://x.test/", "http://10.0.0.9:5000"),
        ("", "http://public.test/", "http://x.test/", "http://public.test"),
        ("", None, "http://192.168.5.5:8000/", "http://192.168.5.5:8000"),
        # a Host header naming another machine (a client can forge it): this server's own
        ("", None, "http://evil.example:8000/", "http://192.0.2.77:8000"),
        ("", None, "http://203.0.113.9/", "http://192.0.2.77"),
    ],
)
def test_the_meetings_address_comes_first_then_public_url_then_detection(
    chosen, configured, host, expected, monkeypatch
):
    monkeypatch.setattr(network, "lan_address", lambda: "192.0.2.77")
    assert network.phone_base_url(chosen, configured, host) == expected


def test_organiser_picks_the_address_and_slips_poster_and_projector_use_it(
    admin_client, db, make_meeting, tmp_path
):
    meeting = make_meeting(slips=(2,))
    response = admin_client.post(
        f"/meetings/{meeting.id}/tokens/address",
        data={"choice": "typed", "typed": "192.168.31.20:5000"},
    )
    assert response.status_code == 302
    db.refresh(meeting)
    assert meeting.public_url == "http://192.168.31.20:5000"
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "public_url")) is not None
    page = admin_client.get(f"/meetings/{meeting.id}/tokens").get_data(as_text=True)
    assert "http://192.168.31.20:5000" in page and "（在此选定）" in page  # the source is named
    slips = pdf_text(admin_client.get(f"/meetings/{meeting.id}/tokens/slips.pdf").data, tmp_path)
    assert "http://192.168.31.20:5000/j" in slips and "编号" in slips and "No." not in slips
    poster = pdf_text(admin_client.get(f"/meetings/{meeting.id}/tokens/join.pdf").data, tmp_path)
    assert "http://192.168.31.20:5000/j" in poster
    screen = admin_client.get(f"/screen/{meeting.id}/{meeting.screen_key}").get_data(as_text=True)
    assert "http://192.168.31.20:5000/j" in screen
    # back to detection: PUBLIC_URL (the operator's default) again
    admin_client.post(f"/meetings/{meeting.id}/tokens/address", data={"choice": "detect"})
    db.refresh(meeting)
    assert meeting.public_url == ""
    assert "http://meeting.test/j" in admin_client.get(
        f"/screen/{meeting.id}/{meeting.screen_key}"
    ).get_data(as_text=True)


def test_a_bad_address_is_refused_beside_the_field_and_keeps_what_was_typed(
    admin_client, db, make_meeting
):
    meeting = make_meeting(slips=(2,))
    response = admin_client.post(
        f"/meetings/{meeting.id}/tokens/address",
        data={"choice": "typed", "typed": "ftp://192.168.1.5/x"},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    field = page.index('id="address-typed"')
    error = page.index('id="address-error"')
    assert 0 < error - field < 600  # right after the field, not at the top of the page
    assert 'value="ftp://192.168.1.5/x"' in page
    assert "请按 http://192.168.1.20:5000 的格式填写地址" in page
    db.refresh(meeting)
    assert meeting.public_url == ""


def test_slips_printed_with_another_address_are_warned_about(admin_client, db, make_meeting):
    meeting = make_meeting(slips=(2,))
    assert admin_client.get(f"/meetings/{meeting.id}/tokens/slips.pdf").status_code == 200
    db.refresh(meeting)
    assert meeting.slips_url == "http://meeting.test"
    warning = "票已按 http://meeting.test 打印，现地址为 http://10.1.1.1:5000，请重新打印或改回"
    assert warning not in admin_client.get(f"/meetings/{meeting.id}/tokens").get_data(as_text=True)
    admin_client.post(
        f"/meetings/{meeting.id}/tokens/address", data={"choice": "http://10.1.1.1:5000"}
    )
    assert warning in admin_client.get(f"/meetings/{meeting.id}/tokens").get_data(as_text=True)
    check = admin_client.get(f"/meetings/{meeting.id}/preflight").get_data(as_text=True)
    assert warning in check
    assert re.search(r'id="check-slips" class="check-bad"', check)


def test_a_clerk_cannot_change_the_address(app, db, make_meeting, make_organiser):
    from tests.helpers import PASSWORD

    meeting = make_meeting()
    make_organiser("clerk", role="clerk")
    clerk = app.test_client()
    clerk.post("/login", data={"username": "clerk", "password": PASSWORD})
    response = clerk.post(
        f"/meetings/{meeting.id}/tokens/address", data={"choice": "http://10.1.1.1"}
    )
    assert response.status_code == 403
    db.refresh(meeting)
    assert meeting.public_url == ""


# --------------------------------------------------------------------------- probes

PROBES = [
    ("connectivitycheck.gstatic.com", "/generate_204", 204, ""),
    ("connectivitycheck.android.com", "/generate_204", 204, ""),
    ("clients3.google.com", "/generate_204", 204, ""),
    ("www.google.com", "/gen_204", 204, ""),
    ("connect.rom.miui.com", "/generate_204", 204, ""),
    ("connectivitycheck.platform.hicloud.com", "/generate_204", 204, ""),
    ("captive.apple.com", "/hotspot-detect.html", 200, None),
    ("www.apple.com", "/library/test/success.html", 200, None),
    ("www.msftconnecttest.com", "/connecttest.txt", 200, "Microsoft Connect Test"),
    ("www.msftncsi.com", "/ncsi.txt", 200, "Microsoft NCSI"),
]
APPLE = "<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success</BODY></HTML>"


@pytest.mark.parametrize(("host", "path", "status", "body"), PROBES)
def test_connectivity_probes_are_answered_online_for_any_host(client, host, path, status, body):
    for _ in range(40):  # phones ask often: never throttled into a failure
        response = client.get(path, headers={"Host": host})
        assert response.status_code == status
    assert response.get_data(as_text=True) == (APPLE if body is None else body)
    assert "Set-Cookie" not in response.headers and "Location" not in response.headers


def test_probes_do_not_need_the_organisers_login(admin_client):
    response = admin_client.get("/generate_204", headers={"Host": "captive.apple.com"})
    assert response.status_code == 204


# --------------------------------------------------------------------------- pre-flight


def test_preflight_needs_a_login(client, make_meeting):
    meeting = make_meeting()
    for path in ("", "/status", "/workers", "/test-print.pdf"):
        response = client.get(f"/meetings/{meeting.id}/preflight{path}")
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_preflight_page_shows_every_check(admin_client, make_meeting):
    meeting = make_meeting()
    page = admin_client.get(f"/meetings/{meeting.id}/preflight").get_data(as_text=True)
    for row in ("reach", "clock", "disk", "workers", "database", "slips", "screen", "print"):
        assert f'id="check-{row}"' in page
    assert "会前检查" in page
    assert re.search(r"数据库（(SQLite|PostgreSQL)）运行正常", page)
    assert 'id="check-screen" class="check-bad"' in page  # no projector yet
    assert 'id="check-slips" class="check-bad"' in page and "测评票尚未打印" in page
    admin_client.get(f"/meetings/{meeting.id}/tokens/slips.pdf")  # printed
    page = admin_client.get(f"/meetings/{meeting.id}/preflight").get_data(as_text=True)
    assert 'id="check-slips" class="check-ok"' in page
    assert admin_client.get("/meetings/999999/preflight").status_code == 404


def test_a_category_without_slips_is_red(admin_client, make_meeting):
    meeting = make_meeting(slips=(2, 0, 1, 1, 1))
    page = admin_client.get(f"/meetings/{meeting.id}/preflight").get_data(as_text=True)
    assert 'id="check-slips" class="check-bad"' in page
    assert "以下类别还没有测评票：" in page


def test_a_phone_scanning_the_test_qr_ticks_the_address(
    app, admin_client, client, db, make_meeting
):
    meeting = make_meeting()
    status = admin_client.get(f"/meetings/{meeting.id}/preflight/status").get_json()
    assert status["reachable"] is None and abs(status["server_ms"]) > 0
    page = admin_client.get(f"/meetings/{meeting.id}/preflight").get_data(as_text=True)
    url = re.search(r"http://meeting\.test(/reach/\d+/[0-9a-f]+)", page)
    assert url is not None
    assert client.get(f"/reach/{meeting.id}/0000000000").status_code == 404
    phone = client.get(url.group(1))
    assert phone.status_code == 200 and "连接正常" in phone.get_data(as_text=True)
    status = admin_client.get(f"/meetings/{meeting.id}/preflight/status").get_json()
    assert status["reachable"]
    # a newly chosen address has not been tested yet
    admin_client.post(
        f"/meetings/{meeting.id}/tokens/address", data={"choice": "http://10.1.1.1:5000"}
    )
    assert (
        admin_client.get(f"/meetings/{meeting.id}/preflight/status").get_json()["reachable"] is None
    )


def test_a_projector_connecting_ticks_the_projector(app, admin_client, db, make_meeting):
    from meeting.extensions import socketio

    meeting = make_meeting()
    assert admin_client.get(f"/meetings/{meeting.id}/preflight/status").get_json()["screen"] == (
        "bad"
    )
    screen = socketio.test_client(
        app, auth={"role": "screen", "meeting": meeting.id, "key": meeting.screen_key}
    )
    assert screen.is_connected()
    db.expire_all()
    assert db.get(Meeting, meeting.id).screen_seen_at is not None
    assert admin_client.get(f"/meetings/{meeting.id}/preflight/status").get_json()["screen"] == (
        "ok"
    )
    screen.disconnect()


def test_workers_and_test_print_page(admin_client, make_meeting, tmp_path):
    meeting = make_meeting()
    answer = admin_client.get(f"/meetings/{meeting.id}/preflight/workers").get_json()
    assert answer["state"] == "ok"
    pdf = admin_client.get(f"/meetings/{meeting.id}/preflight/test-print.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    text = pdf_text(pdf.data, tmp_path)
    assert "打印测试页" in text and "100 毫米" in text


# --------------------------------------------------------------------------- spare slips


def test_spare_slips_cannot_vote_and_are_not_issued(db, live_meeting, client):
    scoring_round = rounds.open_round(db, live_meeting, [r.id for r in live_meeting.reporters])
    before = rounds.turnout(db, scoring_round).total_eligible
    spares = tokens.generate_spares(db, live_meeting, 3)
    db.commit()
    assert all(t.status == SPARE and t.category_id is None for t in spares)
    assert rounds.turnout(db, scoring_round).total_eligible == before
    assert {t.id for t in spares}.isdisjoint(t.id for t in rounds.not_voted(db, scoring_round))
    with pytest.raises(Forbidden, match="备用测评码"):
        tokens.token_by_secret(db, spares[0].secret)
    notice = client.get(f"/b/{spares[0].secret}")
    assert notice.status_code == 403
    assert "这是备用测评码，尚未启用。请交会务人员登记后使用。" in notice.get_data(as_text=True)
    typed = client.post("/j", data={"code": tokens.format_code(spares[1].code)})
    assert "这是备用测评码，尚未启用。请交会务人员登记后使用。" in typed.get_data(as_text=True)


def test_a_spare_handed_out_for_a_category_counts_as_issued(db, live_meeting):
    scoring_round = rounds.open_round(db, live_meeting, [r.id for r in live_meeting.reporters])
    before = rounds.turnout(db, scoring_round)
    category = live_meeting.categories[1]
    spare = tokens.generate_spares(db, live_meeting, 1)[0]
    tokens.hand_out_spare(db, spare, category=category)
    db.commit()
    assert spare.status == ACTIVE and spare.category_id == category.id
    after = rounds.turnout(db, scoring_round)
    assert after.eligible[category.id] == before.eligible[category.id] + 1
    assert tokens.token_by_secret(db, spare.secret) is spare
    audit = db.scalars(select(AuditEntry).where(AuditEntry.action == "spare_handed_out")).all()
    assert [a.detail for a in audit] == [{"serial": spare.serial, "category": category.name}]
    with pytest.raises(Conflict):
        tokens.hand_out_spare(db, spare, category=category)


def test_a_spare_replacing_a_lost_slip_is_the_same_delegate(db, live_meeting):
    scoring_round = rounds.open_round(db, live_meeting, [r.id for r in live_meeting.reporters])
    lost = tokens.list_tokens(db, live_meeting)[0]
    payload = {
        "round": scoring_round.id,
        "submission": "sub-lost-0001",
        "seq": 0,
        "lines": full_lines(live_meeting, scoring_round),
    }
    ballots.submit_ballot(db, lost.id, payload)
    before = rounds.turnout(db, scoring_round)
    spare = tokens.generate_spares(db, live_meeting, 1)[0]
    tokens.hand_out_spare(db, spare, lost=lost)
    db.commit()
    assert lost.status == REVOKED and lost.revoked_at is not None
    assert spare.status == ACTIVE and spare.category_id == lost.category_id
    assert spare.replaces_id == lost.id
    after = rounds.turnout(db, scoring_round)
    assert after.total_eligible == before.total_eligible and after.total_voted == 1
    assert spare.id not in {t.id for t in rounds.not_voted(db, scoring_round)}
    with pytest.raises(Forbidden):
        tokens.token_by_secret(db, lost.secret)
    # replaced once: a second spare cannot replace it again
    other = tokens.generate_spares(db, live_meeting, 1)[0]
    with pytest.raises(Conflict):
        tokens.hand_out_spare(db, other, lost=lost)


def test_a_slip_revoked_without_replacement_can_get_a_spare_later(db, live_meeting):
    lost = tokens.list_tokens(db, live_meeting)[0]
    tokens.revoke_token(db, lost, replace=False)
    spare = tokens.generate_spares(db, live_meeting, 1)[0]
    tokens.hand_out_spare(db, spare, lost=lost)
    assert spare.replaces_id == lost.id and spare.status == ACTIVE


def test_hand_out_needs_exactly_one_target(db, live_meeting):
    spare = tokens.generate_spares(db, live_meeting, 1)[0]
    with pytest.raises(Invalid):
        tokens.hand_out_spare(db, spare)
    with pytest.raises(Invalid):
        tokens.hand_out_spare(
            db,
            spare,
            lost=tokens.list_tokens(db, live_meeting)[0],
            category=live_meeting.categories[0],
        )
    with pytest.raises(Conflict):  # an ordinary slip is not spare
        tokens.hand_out_spare(
            db, tokens.list_tokens(db, live_meeting)[0], category=live_meeting.categories[0]
        )


def test_spare_slips_page_generate_print_and_hand_out(admin_client, db, make_meeting, tmp_path):
    meeting = make_meeting(slips=(2,))
    response = admin_client.post(f"/meetings/{meeting.id}/tokens/spares", data={"count": "x"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'value="x"' in page and "field-error" in page
    admin_client.post(f"/meetings/{meeting.id}/tokens/spares", data={"count": "2"})
    spares = [t for t in tokens.list_tokens(db, meeting) if t.status == SPARE]
    assert len(spares) == 2
    text = pdf_text(
        admin_client.get(f"/meetings/{meeting.id}/tokens/slips.pdf?spare=1").data, tmp_path
    )
    assert text.count("备用票") == 2
    assert tokens.format_code(spares[0].code) in text
    refused = admin_client.post(
        f"/meetings/{meeting.id}/tokens/hand-out",
        data={"spare": spares[0].id, "mode": "lost", "lost": ""},
    )
    assert refused.status_code == 400 and "请选择它所替换的遗失票" in refused.get_data(as_text=True)
    lost = next(t for t in tokens.list_tokens(db, meeting) if t.status == ACTIVE)
    done = admin_client.post(
        f"/meetings/{meeting.id}/tokens/hand-out",
        data={"spare": spares[0].id, "mode": "lost", "lost": lost.id},
        follow_redirects=True,
    )
    assert f"编号 {spares[0].serial} 的备用票已启用" in done.get_data(as_text=True)
    db.expire_all()
    assert tokens.get_token(db, meeting, lost.id).status == REVOKED
    assert "剩余 1 张" in done.get_data(as_text=True)
    check = admin_client.get(f"/meetings/{meeting.id}/preflight").get_data(as_text=True)
    assert "备用票: 剩余 1 张" in check


@pytest.mark.parametrize(
    "address",
    ["http://10.0.0.2", "http://192.168.100.200:5000", "https://sanshu.example.gov.cn:8443"],
)
def test_the_join_address_is_printed_on_one_line_on_every_slip(
    admin_client, db, make_meeting, tmp_path, address
):
    meeting = make_meeting(slips=(3,))
    admin_client.post(f"/meetings/{meeting.id}/tokens/address", data={"choice": address})
    data = admin_client.get(f"/meetings/{meeting.id}/tokens/slips.pdf").data
    lines = pdf_text(data, tmp_path).splitlines()
    assert sum(1 for line in lines if line.strip() == f"{address}/j") == 3


def test_a_clerk_sees_the_preflight_check_but_not_the_address_form(
    app, make_meeting, make_organiser
):
    from tests.helpers import PASSWORD

    meeting = make_meeting()
    make_organiser("clerk", role="clerk")
    clerk = app.test_client()
    clerk.post("/login", data={"username": "clerk", "password": PASSWORD})
    page = clerk.get(f"/meetings/{meeting.id}/preflight")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'id="check-reach"' in text and 'id="address-typed"' not in text


def _race(app, count: int, work) -> list[str]:  # type: ignore[no-untyped-def]
    """Run ``work(session, n)`` in ``count`` threads at once, each with its own session
    (two staff at two laptops); the outcome of each: "ok" or the refusal's class."""
    import threading

    from meeting.errors import DomainError

    start = threading.Barrier(count)
    outcomes: list[str] = []

    def one(n: int) -> None:
        with app.app_context():
            session = app.extensions["sanshu.db"].sessionmaker()
            try:
                prepared = work(session, n, None)
                start.wait()
                work(session, n, prepared)
                session.commit()
                outcomes.append("ok")
            except DomainError as exc:
                session.rollback()
                outcomes.append(type(exc).__name__)
            finally:
                session.close()

    threads = [threading.Thread(target=one, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def test_two_staff_handing_out_spares_for_one_lost_slip_at_once_issue_one(app, db, live_meeting):
    from meeting.models import BallotToken

    lost_id = tokens.list_tokens(db, live_meeting)[0].id
    spare_ids = [t.id for t in tokens.generate_spares(db, live_meeting, 4)]
    db.commit()

    def hand_out(session, n, prepared):  # type: ignore[no-untyped-def]
        if prepared is None:  # both pages were loaded before either clicked
            return session.get(BallotToken, spare_ids[n]), session.get(BallotToken, lost_id)
        tokens.hand_out_spare(session, prepared[0], lost=prepared[1])

    outcomes = _race(app, 4, hand_out)
    assert sorted(outcomes) == ["Conflict"] * 3 + ["ok"], outcomes
    db.expire_all()
    replacements = db.scalars(select(BallotToken).where(BallotToken.replaces_id == lost_id)).all()
    assert len(replacements) == 1 and replacements[0].status == ACTIVE


def test_two_staff_revoking_one_slip_at_once_issue_one_replacement(app, db, live_meeting):
    from meeting.models import BallotToken

    lost_id = tokens.list_tokens(db, live_meeting)[0].id
    db.commit()

    def revoke(session, _n, prepared):  # type: ignore[no-untyped-def]
        if prepared is None:
            return session.get(BallotToken, lost_id)
        tokens.revoke_token(session, prepared, replace=True)

    outcomes = _race(app, 4, revoke)
    assert sorted(outcomes) == ["Conflict"] * 3 + ["ok"], outcomes
    db.expire_all()
    assert len(db.scalars(select(BallotToken).where(BallotToken.replaces_id == lost_id)).all()) == 1


@pytest.mark.parametrize(
    ("typed", "accepted"),
    [
        ("http://192.168.31.20:5000", True),
        ("https://sanshu.example.gov.cn:8443", True),
        ("http://192.168.31.21:5000", False),  # another machine on the LAN
        ("https://phish.example.com", False),  # a name that is not this server
        ("http://203.0.113.5", False),
    ],
)
def test_only_an_address_of_this_server_may_be_chosen(app, db, make_meeting, typed, accepted):
    """An organiser must not send the room's phones (and their slips' secrets) elsewhere."""
    meeting = make_meeting(slips=(2,))
    if accepted:
        assert network.set_public_url(db, meeting, typed) == typed
        return
    with pytest.raises(Invalid, match="不是本服务器的地址"):
        network.set_public_url(db, meeting, typed)
    assert meeting.public_url == ""


@pytest.mark.parametrize("typed", ["http://2130706433", "http://0x7f000001", "http://0177.0.0.1"])
def test_numeric_host_spellings_are_refused(app, typed):
    with pytest.raises(Invalid):
        network.clean_public_url(typed)


def test_a_sealed_meeting_keeps_its_address(app, db, make_meeting):
    from meeting import meetings

    meeting = make_meeting(status="live")
    meetings.set_status(db, meeting, "closed")
    with pytest.raises(Conflict):
        network.set_public_url(db, meeting, "http://192.168.31.20:5000")


def test_a_hand_out_with_an_impossible_slip_number_is_refused_in_chinese(
    admin_client, db, make_meeting
):
    meeting = make_meeting()
    tokens.generate_spares(db, meeting, 1)
    db.commit()
    response = admin_client.post(
        f"/meetings/{meeting.id}/tokens/hand-out",
        data={"spare": "9" * 30, "mode": "lost", "lost": "-1"},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    error = page[page.index('id="hand-out-error"') :]
    assert re.search(r"[\u4e00-\u9fff]", error[: error.index("</p>")])


def test_the_automatic_address_is_not_offered_twice(app, admin_client, make_meeting, monkeypatch):
    monkeypatch.setattr(network, "lan_address", lambda: "192.168.31.20")
    monkeypatch.setitem(app.config, "PUBLIC_URL", None)  # detection, as on a laptop
    meeting = make_meeting()
    page = admin_client.get(
        f"/meetings/{meeting.id}/tokens", base_url="http://127.0.0.1:5000"
    ).get_data(as_text=True)
    form = page[page.index('name="choice"') :]
    shown = form.count('<span class="url-text">http://192.168.31.20:5000</span>')
    assert shown == 1, form[:2000]  # only as the automatic choice
    assert '<span class="url-text">http://10.0.0.2:5000</span>' in form  # the others stay


def test_a_forged_host_header_never_reaches_a_slip(
    admin_client, db, make_meeting, tmp_path, monkeypatch
):
    """Detected address, no PUBLIC_URL: a request naming another host prints this server."""
    monkeypatch.setitem(admin_client.application.config, "PUBLIC_URL", None)
    monkeypatch.setattr(network, "lan_address", lambda: "192.168.31.20")
    meeting = make_meeting(slips=(1,))
    forged = {"Host": "evil.example"}
    slips = admin_client.get(f"/meetings/{meeting.id}/tokens/slips.pdf", headers=forged)
    text = pdf_text(slips.data, tmp_path)
    assert "evil.example" not in text and "http://192.168.31.20/j" in text
    db.refresh(meeting)
    assert meeting.slips_url == "http://192.168.31.20"
    poster = admin_client.get(f"/meetings/{meeting.id}/tokens/join.pdf", headers=forged)
    assert "evil.example" not in pdf_text(poster.data, tmp_path)


def test_the_slips_page_of_a_sealed_meeting_says_the_slips_are_stopped(
    admin_client, db, make_meeting
):
    from meeting import meetings

    meeting = make_meeting(status="live")
    meetings.set_status(db, meeting, "closed")
    db.commit()
    page = admin_client.get(f"/meetings/{meeting.id}/tokens").get_data(as_text=True)
    assert "测评票已全部停用" in page and "均已停用" in page
    assert "会议已开始" not in page and "（在用）" not in page
