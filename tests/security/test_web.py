"""Web hygiene: formulas, redirects, logins, the Content-Security-Policy, roles, leftovers."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from openpyxl import load_workbook

from meeting import reporters, rounds
from meeting.db import get_session
from meeting.models import Meeting
from tests.phones import join_all, run_async

pytestmark = pytest.mark.server

FORMULAS = ["=1+1", "+SUM(A1:A9)", "-2+3", "@cmd", '=HYPERLINK("http://x","y")']


def test_names_that_look_like_formulas_stay_text_in_every_export(server):
    scene = server.scene(reporters_count=1, delegates=10, open_round=False)
    app = server.app()
    with app.app_context():
        db = get_session()
        meeting = db.get(Meeting, scene.meeting_id)
        for name in FORMULAS:
            reporters.add_reporter(db, meeting, reporters.ReporterData(name=name, unit=name))
        db.commit()
        round_id = rounds.open_round(db, meeting, [r.id for r in meeting.reporters]).id
        db.commit()
        ids = [r.id for r in meeting.reporters]
        lines = [
            {"r": rid, "k": key, "v": "较好" if i else "好"}
            for i, rid in enumerate(ids)
            for key in ("d1", "d2", "d3", "overall")
        ]
    app.extensions["sanshu.db"].engine.dispose()

    async def vote() -> None:
        phones = await join_all(server.base_url, scene.secrets[:6])
        for phone in phones:
            phone.prepare(round_id, lines)
        for phone in phones:
            await phone.send()
        for phone in phones:
            await phone.close()

    run_async(vote())
    http = server.login()
    page = http.get(f"{server.base_url}/meetings/{scene.meeting_id}/console").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    with app.app_context():
        db = get_session()
        rounds.close_round(db, rounds.get_round(db, db.get(Meeting, scene.meeting_id), round_id))
        db.commit()
    app.extensions["sanshu.db"].engine.dispose()
    assert token
    base = f"{server.base_url}/meetings/{scene.meeting_id}/results"
    for path in ("summary.xlsx", "ballots.xlsx"):
        workbook = load_workbook(io.BytesIO(http.get(f"{base}/{path}").content))
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) and cell.value in FORMULAS:
                        assert cell.data_type == "s", (path, cell.value)
            assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)
    text = http.get(f"{base}/ballots.csv").content.decode("utf-8-sig")
    cells = {cell for row in csv.reader(io.StringIO(text)) for cell in row}
    for name in FORMULAS:
        assert name not in cells and "'" + name in cells


@pytest.mark.parametrize(
    "query",
    [
        "next=/%09/evil.example/",
        "next=//evil.example/",
        "next=/%5Cevil.example",
        "next=https://evil.example/",
        "next=/%0A/evil.example",
        "next=%2F%2Fevil.example",
    ],
)
def test_login_never_redirects_off_the_site(server, query):
    session = requests.Session()
    page = session.get(f"{server.base_url}/login").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = session.post(
        f"{server.base_url}/login?{query}",
        data={"username": "admin", "password": "correct-horse-battery", "csrf_token": token},
        allow_redirects=False,
    )
    assert response.status_code == 302
    # resolved as a browser does: tabs and newlines dropped, a backslash read as a slash
    location = re.sub(r"[\t\n\r]", "", response.headers["Location"]).replace("\\", "/")
    landing = urlsplit(urljoin(server.base_url + "/login", location))
    assert landing.netloc == urlsplit(server.base_url).netloc


def test_a_copied_cookie_stops_working_at_logout(server):
    http = server.login()
    copy = requests.Session()
    copy.cookies.update(http.cookies)
    assert copy.get(f"{server.base_url}/meetings", allow_redirects=False).status_code == 200
    page = http.get(f"{server.base_url}/meetings").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    http.post(f"{server.base_url}/logout", data={"csrf_token": token})
    assert copy.get(f"{server.base_url}/meetings", allow_redirects=False).status_code == 302


def test_every_page_has_a_strict_policy_and_no_inline_script(server, scene):
    http = server.login()
    base = server.base_url
    pages = [
        f"{base}/login",
        f"{base}/meetings",
        f"{base}/meetings/{scene.meeting_id}",
        f"{base}/meetings/{scene.meeting_id}/console",
        f"{base}/meetings/{scene.meeting_id}/results",
        f"{base}/meetings/{scene.meeting_id}/letters",
        f"{base}/meetings/{scene.meeting_id}/tokens",
        f"{base}/meetings/{scene.meeting_id}/scheme",
        f"{base}/screen/{scene.meeting_id}/{scene.screen_key}",
        f"{base}/j",
        f"{base}/no-such-page",
    ]
    phone = requests.Session()
    phone.get(f"{base}/b/{scene.secrets[0]}")
    for url in pages:
        client = phone if url.endswith("/j") else http
        response = client.get(url)
        policy = response.headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, url
        assert "style-src 'self'" in policy
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", response.text, re.S)
        for attributes, _body in scripts:
            assert "src=" in attributes or 'type="application/json"' in attributes, url
        assert not re.search(r"\son[a-z]+=", response.text), url  # no inline handlers
        assert ' style="' not in response.text, url
    assert "script-src 'self'" in phone.get(f"{base}/d").headers["Content-Security-Policy"]


CLERK_REFUSED = [
    ("get", "/meetings/{m}/results"),
    ("get", "/meetings/{m}/results/ballots.csv"),
    ("get", "/meetings/{m}/results/summary.xlsx"),
    ("post", "/meetings/{m}/letters/batch"),
    ("get", "/meetings/{m}/feedback/{r}"),
    ("get", "/meetings/{m}/tokens"),
    ("post", "/meetings/{m}/status"),
]


def test_a_clerk_moderates_but_reaches_nothing_else(server, scene):
    app = server.app()
    with app.app_context():
        from meeting import accounts

        db = get_session()
        accounts.create_organiser(db, "clerk", "correct-horse-battery", role="clerk")
        db.commit()
        reporter_id = db.get(Meeting, scene.meeting_id).reporters[0].id
    app.extensions["sanshu.db"].engine.dispose()
    clerk = requests.Session()
    page = clerk.get(f"{server.base_url}/login").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    clerk.post(
        f"{server.base_url}/login",
        data={"username": "clerk", "password": "correct-horse-battery", "csrf_token": token},
    )
    assert clerk.get(f"{server.base_url}/meetings/{scene.meeting_id}/console").status_code == 200
    page = clerk.get(f"{server.base_url}/meetings/{scene.meeting_id}/console").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    for method, path in CLERK_REFUSED:
        url = server.base_url + path.format(m=scene.meeting_id, r=reporter_id)
        response = getattr(clerk, method)(url, data={"csrf_token": token}, allow_redirects=False)
        assert response.status_code == 403, (method, path, response.status_code)


def test_the_start_up_banner_shows_slips_only_of_the_demo_meeting(server):
    from meeting.cli import banner

    server.scene(reporters_count=2, delegates=5)
    application = server.app()
    text = banner(application, "127.0.0.1", 5000, {"password": None, "demo_id": None})
    assert "/b/" not in text and "/screen/" not in text
    application.extensions["sanshu.db"].engine.dispose()
