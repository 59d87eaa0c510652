#!/usr/bin/env python
"""Letters benchmark: render every feedback letter of a big meeting while phones score.

    python bench/letters.py --reporters 50

Builds a meeting with N reporters, 300 ballots in a closed round, comments, answered
questions, problems and rectification items for everyone; starts the real server
(app.py, default async mode); times one letter preview; then starts the print batch and
waits for it, while 20 phones of a second, live meeting keep re-submitting ballots, so
the acknowledgement latency can be compared with the same phones when the server is
idle (over ten seconds, one Socket.IO heartbeat included). Last line: the figures.
BENCH_DEBUG=1 also prints the slowest acknowledgements and when they happened.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from meeting import ballots, comments, feedback, inquiries, rounds, tokens  # noqa: E402
from meeting.db import get_session  # noqa: E402
from meeting.meetings import get_meeting  # noqa: E402
from tests.builders import build_meeting  # noqa: E402
from tests.live_server import LiveServer  # noqa: E402
from tests.phones import join_all, percentile  # noqa: E402

COMMENTS = [
    (
        "李清",
        "机关党组书记",
        "作为先进基层党组织，要进一步发挥示范引领作用，持续擦亮支部党建品牌，使支部工作更有特色、更具实效。",
    ),
    (
        "王强",
        "机关党组成员",
        "支部理论学习的深度广度不够到位，内化深化转化还有差距，在深学细照笃行方面还需要多下功夫。",
    ),
]
QUESTIONS = [
    (
        "请问，如何提升党支部理论学习的生动性、实效性？",
        "创新学习方式，开展联学共建，把学习成果转化为推动工作的实际成效。",
    ),
    (
        "请问，如何推动党建与业务深度融合发展？",
        "坚持同研究、同部署、同推动，以党建品牌创建带动业务工作提质增效。",
    ),
]
PROBLEMS = [
    "理论学习的深度广度不够，运用党的创新理论破解工作难题的能力有待提高。",
    "抓党建缺乏“一竿子插到底”的韧劲，督促党员干部压实责任的招法还不多。",
]


def build(session, reporters: int, delegates: int):  # type: ignore[no-untyped-def]
    """The letters meeting (scored, closed) and a small live meeting for the phones."""
    scene = build_meeting(session, reporters_count=reporters, delegates=delegates, on_site=5)
    meeting = get_meeting(session, scene.meeting_id)
    secret_to_id = {t.secret: t.id for t in tokens.list_tokens(session, meeting)}
    for i, secret in enumerate(scene.secrets):
        payload = {
            "round": scene.round_id,
            "submission": f"bench-{i:08d}",
            "seq": 1,
            "lines": scene.lines(i),
        }
        ballots.submit_ballot(session, secret_to_id[secret], payload)
    rounds.close_round(session, rounds.get_round(session, meeting, scene.round_id))
    random.seed(7)
    for reporter in meeting.reporters:
        for name, role, summary in COMMENTS:
            comments.add_comment(session, meeting, reporter.id, name, role, summary)
        for text, answer in QUESTIONS:
            question = inquiries.add_spoken(session, meeting, reporter.id, text, "纪检监察组")
            question.status, question.answer_summary = "answered", answer
        for text in PROBLEMS:
            feedback.add_problem(session, meeting, reporter.id, text)
            feedback.add_rectification(
                session,
                meeting,
                reporter.id,
                text[:12],
                "制定整改方案，明确时间表和责任人，逐项抓好落实。",
                reporter.name,
                "2024-06-30",
            )
    meeting.letter = {"report_due": "2024-03-31"}
    live = build_meeting(session, reporters_count=3, delegates=20, on_site=0)
    session.commit()
    return scene, live


def login(server: LiveServer) -> requests.Session:
    return server.login()


async def phones_loop(
    server: LiveServer, live, stop: threading.Event, samples: list[tuple[float, float]]
) -> None:  # type: ignore[no-untyped-def]
    phones = await join_all(server.base_url, live.secrets)

    async def keep_scoring(index: int, phone) -> None:  # type: ignore[no-untyped-def]
        # about three ballots a second per phone: under the per-phone rate limit (5/s)
        while not stop.is_set():
            phone.prepare(live.round_id, live.lines(index + phone.seq))
            started = time.perf_counter()
            ack = await phone.send(timeout=60)
            if not ack.get("ok"):
                raise RuntimeError(f"ballot refused: {ack}")
            samples.append((time.perf_counter(), (time.perf_counter() - started) * 1000))
            await asyncio.sleep(0.25 + random.random() * 0.1)

    await asyncio.gather(*(keep_scoring(i, p) for i, p in enumerate(phones)))
    await asyncio.gather(*(p.close() for p in phones))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reporters", type=int, default=50)
    parser.add_argument("--delegates", type=int, default=300)
    parser.add_argument("--async-mode", default=os.environ.get("MEETING_ASYNC_MODE", "eventlet"))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        server = LiveServer(Path(folder), async_mode=args.async_mode)
        server.prepare()
        app = server.app()
        with app.app_context():
            scene, live = build(get_session(), args.reporters, args.delegates)
            meeting = get_meeting(get_session(), scene.meeting_id)
            first_reporter = meeting.reporters[0].id
        server.start()
        http = login(server)
        base = f"{server.base_url}/meetings/{scene.meeting_id}"

        # single letter preview, after the workers are warm
        for _ in range(3):
            http.get(f"{base}/letters/{first_reporter}.pdf").raise_for_status()
        single = []
        for reporter_id in [r.id for r in meeting.reporters[:5]]:
            started = time.perf_counter()
            response = http.get(f"{base}/letters/{reporter_id}.pdf")
            response.raise_for_status()
            single.append((time.perf_counter() - started) * 1000)

        stop = threading.Event()
        samples: list[tuple[float, float]] = []
        loop_thread = threading.Thread(  # a daemon: an error below must not hang the bench
            target=lambda: asyncio.run(phones_loop(server, live, stop, samples)), daemon=True
        )
        loop_thread.start()
        time.sleep(1.5)  # the phones join and send their first ballots together: not idle
        idle_start = time.perf_counter()
        time.sleep(10.5)  # a whole heartbeat period (10 s): the idle figure includes one
        idle_end = time.perf_counter()

        started = time.perf_counter()
        page = http.post(
            f"{base}/letters/batch", data={"csrf_token": csrf(http, base)}, allow_redirects=False
        )
        assert page.status_code == 302, page.text[:500]
        job_id = page.headers["Location"].split("job=")[1]
        while True:
            state = http.get(f"{base}/jobs/{job_id}").json()
            if state["status"] not in ("queued", "running"):
                break
            time.sleep(0.1)
        seconds = time.perf_counter() - started
        batch_end = time.perf_counter()
        stop.set()
        loop_thread.join()
        server.stop()
        if state["status"] != "done":
            raise SystemExit(f"batch failed: {state}")
        letters_folder = Path(server.instance) / "batches" / str(scene.meeting_id) / job_id
        files = sorted(letters_folder.glob("[0-9]*.pdf"))
        sizes = [f.stat().st_size for f in files]

    if os.environ.get("BENCH_DEBUG"):
        slow = sorted(((ms, t - started) for t, ms in samples if t > started), reverse=True)[:8]
        print("# slowest during (ms, s after start):", [(round(a), round(b, 2)) for a, b in slow])
        print(
            "# slowest idle:",
            sorted((round(ms) for t, ms in samples if idle_start < t <= idle_end), reverse=True)[
                :8
            ],
        )
    idle = [ms for t, ms in samples if idle_start < t <= idle_end]
    during = [ms for t, ms in samples if started < t <= batch_end]
    print(
        f"# async_mode={args.async_mode} files={len(files)} batch_kb={state['size'] // 1024} "
        f"max_kb_per_letter={max(sizes) // 1024} acks_idle={len(idle)} acks_during={len(during)} "
        f"single_letter_ms_all={[round(x) for x in single]}"
    )
    print(
        f"letters={len(files)} pages={state['pages']} seconds={seconds:.2f} "
        f"per_letter_ms={seconds * 1000 / len(files):.0f} kb_per_letter={sum(sizes) / len(sizes) / 1024:.0f} "
        f"single_letter_ms={percentile(single, 0.5):.0f} "
        f"live_ack_p99_ms_idle={percentile(idle, 0.99):.1f} live_ack_p99_ms_during={percentile(during, 0.99):.1f}"
    )


def csrf(http: requests.Session, base: str) -> str:
    page = http.get(
        f"{base.rsplit('/meetings', 1)[0]}/meetings/{base.rsplit('/', 1)[1]}/letters"
    ).text
    return page.split('name="csrf_token" value="')[1].split('"')[0]


if __name__ == "__main__":
    main()
