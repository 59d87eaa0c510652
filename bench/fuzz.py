#!/usr/bin/env python
"""Fuzz benchmark: thousands of malformed and forged events while honest phones vote.

    python bench/fuzz.py [--events 10000] [--honest 50] [--attackers 20] [--async-mode gevent]

Starts the real server (app.py, eventlet by default) on a free port with a fresh SQLite
database holding two meetings: the meeting under attack (21 reporters, a closed round, an
open round, an agenda, a comment, a question) and a decoy meeting whose ids are forged
into the attack. Then, in this order:

1. idle: the honest phones (real python-socketio clients, tests.phones) send ``time``
   and ``sync`` round trips and each casts one ballot, the attackers are connected but
   quiet: idle_ack_p99_ms. Each ballot makes pushes (fresh snapshots to every socket), so
   the baseline holds the same honest work as the fuzz and the ratio measures the attack;
2. the database is snapshotted (every table, row by row);
3. fuzz: a separate process of attacking clients (delegates with real slips of both
   meetings, projectors with the screen key, consoles logged in as the organiser,
   unauthenticated connection attempts, raw Engine.IO / Socket.IO frames) sends
   ``--events`` malformed or forged events, every one of which must change nothing;
   meanwhile the honest phones keep their round trips (honest_ack_p99_ms) and each
   changes its ballot (ballot_ack_p99_ms);
4. the server is stopped and the database compared with the snapshot: the only change
   allowed is one new revision of each honest ballot, holding the acknowledged submission
   (rows_changed counts every other row added, removed or changed; login activity and
   slip join counters are ignored).

An attack event acknowledged with ``ok: true`` (other than a read-only ``sync``) is
counted as unexpected_ok and shown with its payload; a connection the server should have
refused is counted as unexpected_connects. The server log is scanned for tracebacks.
A control run without attack is ``--events 100 --rate 3``: its ratio is the noise floor.
Attackers send as fast as their acks come unless ``--rate`` caps them; the seed makes the
event mix the same run after run. ``--keep`` keeps the database and server.log.
Last line: the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import math
import multiprocessing as mp
import os
import random
import re
import secrets
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import socketio

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.phones import Phone, join_all, percentile  # noqa: E402

CALL_TIMEOUT = 15.0  # the phone's own ack timeout
PROBE_INTERVAL = 0.5  # seconds between one honest phone's round trips (100/s for 50)
SYNC_EVERY = 4  # every 4th round trip is a `sync` (database), the others `time`

# --------------------------------------------------------------------------- set-up


def build_scene(app: Any, honest: int, slips_m: int, slips_d: int, reporters: int) -> dict:
    """Both meetings, committed; everything the attack and the checks need, as plain data."""
    from meeting import agenda, comments, inquiries, rounds
    from meeting.db import get_session
    from meeting.models import AgendaItem, BallotToken, Comment, Inquiry, Meeting
    from tests.builders import Scene, build_meeting

    with app.app_context():
        db = get_session()
        scene = build_meeting(
            db, reporters_count=reporters, delegates=honest + slips_m, open_round=False
        )
        meeting = db.get(Meeting, scene.meeting_id)
        ids = scene.reporter_ids
        # a closed round (its last reporter), then the round the honest phones vote in
        closed = rounds.open_round(db, meeting, ids[-1:])
        rounds.close_round(db, closed)
        live = rounds.open_round(db, meeting, ids[:-1])
        agenda.build_agenda(db, meeting)  # so that agenda_build is refused: it exists
        comments.add_comment(db, meeting, ids[0], "张三", "书记", "点评要点")
        inquiries.add_spoken(db, meeting, ids[0], "请问整改措施如何落实？", "李四")
        db.commit()
        m_scene = Scene(
            scene.meeting_id, live.id, scene.screen_key, scene.secrets, ids[:-1], scene.scheme
        )

        decoy = build_meeting(db, reporters_count=3, delegates=max(slips_d, 5), open_round=True)
        d_meeting = db.get(Meeting, decoy.meeting_id)
        agenda.build_agenda(db, d_meeting)
        comments.add_comment(db, d_meeting, decoy.reporter_ids[0], "王五", "", "另一会议")
        inquiries.add_spoken(db, d_meeting, decoy.reporter_ids[0], "另一个会议的问题", "赵六")
        db.commit()

        def ids_of(model: Any, meeting_id: int) -> list[int]:
            return [row.id for row in db.query(model).filter_by(meeting_id=meeting_id)]

        def side(s: Any, round_id: int, closed_id: int | None) -> dict:
            return {
                "id": s.meeting_id,
                "key": s.screen_key,
                "round": round_id,
                "closed_round": closed_id,
                "reporters": list(s.reporter_ids),
                "all_reporters": [
                    r.id
                    for r in db.get(Meeting, s.meeting_id).reporters  # type: ignore[union-attr]
                ],
                "items": ids_of(AgendaItem, s.meeting_id),
                "comments": ids_of(Comment, s.meeting_id),
                "inquiries": ids_of(Inquiry, s.meeting_id),
                "lines": s.lines(0),
            }

        token_ids = {
            t.secret: t.id
            for t in db.query(BallotToken).filter(BallotToken.secret.in_(scene.secrets))
        }
        out = {
            "M": side(m_scene, live.id, closed.id),
            "D": side(decoy, decoy.round_id or 0, None),
            "honest_secrets": scene.secrets[:honest],
            "honest_tokens": [token_ids[s] for s in scene.secrets[:honest]],
            "attack_secrets_m": scene.secrets[honest : honest + slips_m],
            "attack_secrets_d": decoy.secrets[:slips_d],
            "m_scene": m_scene,
        }
        db.rollback()
    app.extensions["sanshu.db"].engine.dispose()
    return out


# --------------------------------------------------------------------------- the database

# Columns that change by design while phones and consoles merely connect.
IGNORED = {
    "login_session": None,  # the whole table: organiser logins and their activity
    "ballot_token": {"joins", "last_join_at"},  # opening a slip link counts joins
}


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return value


def snapshot(app: Any) -> dict:
    """Every table's rows (by primary key), and the figures the report prints."""
    from sqlalchemy import func, select

    from meeting.db import get_session
    from meeting.models import (
        AgendaItem,
        Ballot,
        Base,
        Comment,
        Inquiry,
        MeetingState,
        ScoringRound,
    )

    tables: dict[str, dict[Any, tuple]] = {}
    with app.app_context():
        db = get_session()
        for table in Base.metadata.sorted_tables:
            ignored = IGNORED.get(table.name, set())
            if ignored is None:
                continue
            columns = [c for c in table.columns if c.name not in ignored]
            keys = [c.name for c in table.primary_key.columns]
            rows = {}
            for row in db.execute(select(*columns)).mappings():
                rows[tuple(row[k] for k in keys)] = tuple(
                    (c.name, _cell(row[c.name])) for c in columns
                )
            tables[table.name] = rows
        digest = hashlib.sha256()
        ballots = db.execute(
            select(
                Ballot.round_id, Ballot.number, Ballot.category_id, Ballot.valid, Ballot.answers
            ).order_by(Ballot.number)
        ).all()
        for row in ballots:
            digest.update(json.dumps([_cell(v) for v in row], sort_keys=True).encode())
        figures = {
            "ballots": len(ballots),
            "ballot_digest": digest.hexdigest()[:16],
            "comments": db.scalar(select(func.count()).select_from(Comment)),
            "inquiries": db.scalar(select(func.count()).select_from(Inquiry)),
            "agenda_items": db.scalar(select(func.count()).select_from(AgendaItem)),
            "rounds": db.scalar(select(func.count()).select_from(ScoringRound)),
            "state_versions": dict(
                db.execute(select(MeetingState.meeting_id, MeetingState.version)).all()
            ),
        }
        db.rollback()
    app.extensions["sanshu.db"].engine.dispose()
    return {"tables": tables, "figures": figures}


def ballot_figures(ballot_rows: dict) -> tuple[int, str]:
    """Count and digest of (round_id, number, category_id, valid, answers) by number."""
    rows = []
    for values in ballot_rows.values():
        v = dict(values)
        rows.append([v["round_id"], v["number"], v["category_id"], v["valid"], v["answers"]])
    rows.sort(key=lambda r: r[1])
    digest = hashlib.sha256()
    for row in rows:
        digest.update(json.dumps(row, sort_keys=True).encode())
    return len(rows), digest.hexdigest()[:16]


def compare(before: dict, after: dict, round_id: int, honest: dict[int, str | None]) -> dict:
    """Rows changed other than the honest ballots; the honest ballots stored once each.

    ``honest`` maps each honest slip's token id to the submission id its ack named (None
    without an ok ack). Each honest slip voted in the idle phase and changes its ballot
    in the fuzz: expected is before, with exactly one more revision of each acknowledged
    honest slip's ballot, holding the acknowledged submission.
    """
    changed: dict[str, int] = {}
    samples: list[str] = []
    stored: Counter[int] = Counter()
    stored_ok = 0
    before_tables = {name: dict(rows) for name, rows in before["tables"].items()}
    after_tables = {name: dict(rows) for name, rows in after["tables"].items()}
    for key, values in list(after_tables.get("ballot", {}).items()):
        v = dict(values)
        if v["round_id"] != round_id or v["token_id"] not in honest:
            continue
        old = before_tables["ballot"].get(key)
        revisions = v["revision"] - (dict(old)["revision"] if old is not None else 0)
        if old is not None and old == values:
            continue  # unchanged: compared with the rest below
        stored[v["token_id"]] += revisions
        if honest[v["token_id"]] is not None and v["submission_id"] == honest[v["token_id"]]:
            stored_ok += 1
        del after_tables["ballot"][key]
        before_tables["ballot"].pop(key, None)
    for name in sorted(set(before_tables) | set(after_tables)):
        old, new = before_tables.get(name, {}), after_tables.get(name, {})
        diff = [k for k in set(old) | set(new) if old.get(k) != new.get(k)]
        if diff:
            changed[name] = len(diff)
            for k in diff[:3]:
                samples.append(f"{name} {k}: {old.get(k)} -> {new.get(k)}"[:600])
    expected_count, expected_digest = ballot_figures(before_tables["ballot"])
    rest_count, rest_digest = ballot_figures(after_tables.get("ballot", {}))
    return {
        "rows_changed": sum(changed.values()),
        "tables_changed": changed,
        "samples": samples,
        "honest_stored": sum(1 for n in stored.values() if n == 1),
        "honest_stored_ok": stored_ok,
        "honest_duplicated": sum(1 for n in stored.values() if n > 1),
        "other_ballots_same": (expected_count, expected_digest) == (rest_count, rest_digest),
    }


# --------------------------------------------------------------------------- junk

BIG_ASCII = "A" * 63_000  # just under the 64 KB packet limit
BIG_CJK = "述" * 10_000  # 60 KB on the wire: python-socketio's JSON escapes it as \\u8ff0
OVERSIZE = "B" * 70_000  # over the limit: the server closes the connection

ODD_SCALARS: list[Any] = [
    True, False, 0, -1, 1.5, -0.0, 2**31, 2**53 + 1, -(2**63), 10**30, 1e308,
    float("nan"), float("inf"), float("-inf"),
    "", " ", "NaN", "Infinity", "-Infinity", "1e309", "0x10", "１２", "null", "undefined",
    "true", "[object Object]", "<script>alert(1)</script>", "'; DROP TABLE ballot; --",
    "\u202e\u0000\ufeff\u200b", "%s%s%n", "../../etc/passwd", "\ud83d\ude00" * 3, "-0",
]  # fmt: skip
UNKNOWN_EVENTS = [
    "submitBallot", "submit_ballot ", "SUBMIT_BALLOT", "message", "json", "*", "", " ",
    "__proto__", "constructor", "open_round\u0000", "state", "me", "ping", "pong",
    "\x00dropped", "a" * 300, "事件", "../live", "admin", "eval", "sync\n",
]  # fmt: skip
RESERVED = ["connect", "disconnect", "connect_error", "__disconnect_final"]
ORGANISER_EVENTS = [
    "open_round", "close_round", "void_round", "rerun_round", "agenda_start", "agenda_next",
    "agenda_back", "agenda_goto", "timer", "agenda_build", "agenda_add", "agenda_remove",
    "agenda_reorder", "agenda_durations", "speaker", "inquiries_open", "inquiry_approve",
    "inquiry_reject", "inquiry_edit", "inquiry_asking", "inquiry_answered",
    "inquiry_not_reached", "inquiry_add", "inquiry_reorder", "comment_add", "comment_update",
    "comment_delete",
]  # fmt: skip
PHASE_KEYS = ["opening", "report", "comment", "inquiry", "scoring", "written", "closing", "custom"]


class Junk:
    """Junk values for one attacker (its own seeded random generator)."""

    def __init__(self, rng: random.Random, home: dict, foreign: dict) -> None:
        self.rng = rng
        self.home = home
        self.foreign = foreign

    def choice(self, items: list[Any]) -> Any:
        return items[self.rng.randrange(len(items))]

    def big(self) -> str:
        return self.choice([BIG_ASCII, BIG_CJK, "x" * self.rng.randrange(1000, 20000)])

    def scalar(self) -> Any:
        if self.rng.random() < 0.02:
            return self.big()
        return self.choice(ODD_SCALARS)

    def value(self, depth: int = 0) -> Any:
        """Anything: a scalar, a string, a list or an object, nested a little."""
        roll = self.rng.random()
        if depth > 3 or roll < 0.55:
            return self.scalar()
        if roll < 0.75:
            return [self.value(depth + 1) for _ in range(self.rng.randrange(0, 4))]
        if roll < 0.9:
            return {
                str(self.scalar())[:20]: self.value(depth + 1)
                for _ in range(self.rng.randrange(0, 4))
            }
        return [[[[[self.scalar()]]]]] if self.rng.random() < 0.5 else {"a": {"b": {"c": [None]}}}

    def not_dict(self) -> Any:
        """A payload that is not a JSON object (and not missing: a missing payload is {})."""
        return self.choice(
            [self.scalar(), [self.value()], [], "{}", 0, 1, True, [{"round": self.home["round"]}]]
        )

    def forged_id(self, kind: str) -> Any:
        """An id that must not be accepted for the home meeting: the other meeting's real
        ids, ids that do not exist, and bools, floats, strings, lists of the real ones."""
        home_ids = self.home.get(kind) or [1]
        if not isinstance(home_ids, list):
            home_ids = [home_ids]
        foreign = self.foreign.get(kind) or [987_654]
        if not isinstance(foreign, list):
            foreign = [foreign]
        real = self.choice(home_ids)
        return self.choice(
            [
                self.choice(foreign), self.choice(foreign), 987_654, 2**31 - 1, 2**31, 0, -real,
                10**20, True, False, float(real), real + 0.5, float("nan"), float("inf"),
                str(real), "NaN", "Infinity", " 1", "１", [real], {"id": real}, [[real]],
                self.big() if self.rng.random() < 0.05 else "id",
            ]
        )  # fmt: skip

    def not_true(self) -> Any:
        """A value for a flag: anything but a JSON true."""
        return self.choice([False, 1, "true", "True", [True], {"v": True}, 1.0, "1", None])

    def version(self) -> Any:
        """A stale or forged state version: never None (None means 'no check')."""
        return self.choice(
            [
                10**6,
                -1,
                2**40,
                "0",
                "1",
                [0],
                {"v": 0},
                float("nan"),
                "NaN",
                True,
                False,
                0.0,
                1.0,
                -0.0,
            ]
        )

    def once(self) -> Any:
        return self.choice(
            [
                secrets.token_urlsafe(18), "short", "k" * 65, "bad key with spaces!!!!!", 12345,
                ["a" * 20], {"k": "a" * 20}, None, True, "../../" * 5, "a" * 20 + "\u0000",
            ]
        )  # fmt: skip

    def long_text(self, limit: int) -> str:
        return (
            "字" * self.rng.randrange(limit + 1, limit + 400)
            if self.rng.random() < 0.9
            else self.big()
        )

    def id_list(self, kind: str) -> Any:
        """A list of ids that is never exactly the home meeting's list."""
        real = list(self.home.get(kind) or [1])
        return self.choice(
            [
                [*real, self.forged_id(kind)], [self.forged_id(kind) for _ in range(3)],
                real + real, [float(i) for i in real], [str(i) for i in real],
                [True] * len(real), self.not_dict(), list(range(1, 2000)), [real], {"ids": real},
            ]
        )  # fmt: skip


def organiser_payload(j: Junk, event: str) -> Any:
    """A payload for an organiser event that the console's own meeting must refuse."""
    rng = j.rng
    if rng.random() < 0.2:
        return j.not_dict()
    if event == "open_round":  # refused anyway: a round is open
        payload: dict[str, Any] = {"reporters": j.id_list("all_reporters"), "title": j.value()}
    elif event in ("close_round", "rerun_round"):
        payload = {"round": j.forged_id("round")}
    elif event == "void_round":
        payload = {"round": j.forged_id("round"), "reason": j.choice(["fuzz", j.value()])}
    elif event in ("agenda_start", "agenda_next", "agenda_back"):
        payload = {"version": j.version(), "close_round": j.not_true()}
    elif event == "agenda_goto":
        if rng.random() < 0.5:
            payload = {"item": j.forged_id("items"), "phase": j.choice([0, 1, j.scalar()])}
        else:
            payload = {
                "item": j.choice(j.home["items"]),
                "phase": j.choice([-1, 99, True, False, 0.0, "0", None, [0], float("nan")]),
            }
        payload["close_round"] = j.not_true()
    elif event == "timer":
        if rng.random() < 0.5:
            payload = {
                "action": j.choice(["PAUSE", "pause ", "", None, 1, ["pause"], "stop", j.scalar()])
            }
        else:
            payload = {
                "action": "add",
                "seconds": j.choice(
                    [True, 1.5, "60", 99_999, -99_999, float("nan"), float("inf"), None, [1]]
                ),
            }
    elif event == "agenda_build":  # refused: the agenda exists and replace is not true
        payload = {"replace": j.not_true(), "per_report_rounds": j.value()}
    elif event == "agenda_add":
        if rng.random() < 0.5:
            payload = {
                "kind": j.choice(
                    ["Report", "CUSTOM", "custom_", "x" * 17, "", None, 1, ["custom"]]
                ),
                "title": j.value(),
            }
        else:
            payload = {
                "kind": "report",
                "reporter": j.forged_id("all_reporters"),
                "title": j.value(),
            }
    elif event == "agenda_remove":
        payload = {"item": j.forged_id("items")}
    elif event == "agenda_reorder":
        payload = {"items": j.id_list("items")}
    elif event == "agenda_durations":
        junk_minutes = [
            j.choice(["abc", float("nan"), float("inf"), -1, 0, 1e9, "1e309", None, True, [1]])
            for _ in PHASE_KEYS
        ]
        if rng.random() < 0.5:
            payload = {"item": j.forged_id("items"), "minutes": {"report": 5}}
        else:
            payload = {
                "item": j.choice(j.home["items"]),
                "minutes": j.choice(
                    [dict(zip(PHASE_KEYS, junk_minutes, strict=True)), j.not_dict()]
                ),
                "answer_minutes": j.choice(["abc", float("nan"), -5]),
            }
    elif event == "speaker":
        if rng.random() < 0.5:
            payload = {"name": j.long_text(200), "role": "x"}
        else:
            payload = {"name": "某某", "role": j.long_text(400)}
    elif event == "inquiries_open":
        payload = {"reporter": j.forged_id("all_reporters")}
    elif event in ("inquiry_approve", "inquiry_asking", "inquiry_not_reached"):
        payload = {"id": j.forged_id("inquiries")}
    elif event in ("inquiry_reject", "inquiry_edit", "inquiry_answered"):
        payload = {
            "id": j.forged_id("inquiries"),
            "reason": j.value(),
            "text": j.value(),
            "summary": j.value(),
        }
    elif event == "inquiry_add":
        payload = {
            "reporter": j.forged_id("all_reporters"),
            "text": j.choice(["一个正常的问题", j.value()]),
            "asker": j.value(),
        }
    elif event == "inquiry_reorder":
        payload = {"ids": j.id_list("inquiries")}
    elif event == "comment_add":
        payload = {
            "reporter": j.forged_id("all_reporters"),
            "name": j.choice(["某某", j.value()]),
            "role": j.value(),
            "summary": j.value(),
        }
    elif event == "comment_update":
        payload = {
            "id": j.forged_id("comments"),
            "name": "某某",
            "role": j.value(),
            "summary": j.value(),
        }
    elif event == "comment_delete":
        payload = {"id": j.forged_id("comments")}
    else:  # pragma: no cover
        payload = {}
    if rng.random() < 0.3:
        payload["once"] = j.once()
    if rng.random() < 0.1:
        payload[str(j.scalar())[:30]] = j.value()  # an extra key of junk
    return payload


def dangerous_organiser_payload(j: Junk, event: str) -> dict:
    """A well-formed console payload that WOULD change the meeting if the server ran it:
    sent from phones and projectors, it must be refused on identity alone."""
    home = j.home
    rid = home["reporters"][0]
    payloads = {
        "open_round": {"reporters": home["reporters"][:1]},
        "close_round": {"round": home["round"]},
        "void_round": {"round": home["round"], "reason": "fuzz"},
        "rerun_round": {"round": home["round"]},
        "agenda_start": {},
        "agenda_next": {"close_round": True},
        "agenda_back": {"close_round": True},
        "agenda_goto": {"item": home["items"][-1], "phase": 0, "close_round": True},
        "timer": {"action": "pause"},
        "agenda_build": {"replace": True},
        "agenda_add": {"kind": "custom", "title": "fuzz"},
        "agenda_remove": {"item": home["items"][-1]},
        "agenda_reorder": {"items": list(reversed(home["items"]))},
        "agenda_durations": {"item": home["items"][0], "minutes": {"opening": 1}},
        "speaker": {"name": "攻击者", "role": "fuzz"},
        "inquiries_open": {"reporter": rid},
        "inquiry_approve": {"id": home["inquiries"][0]},
        "inquiry_reject": {"id": home["inquiries"][0], "reason": "fuzz"},
        "inquiry_edit": {"id": home["inquiries"][0], "text": "被篡改的问题"},
        "inquiry_asking": {"id": home["inquiries"][0]},
        "inquiry_answered": {"id": home["inquiries"][0], "summary": "fuzz"},
        "inquiry_not_reached": {"id": home["inquiries"][0]},
        "inquiry_add": {"reporter": rid, "text": "伪造的问题内容", "asker": "fuzz"},
        "inquiry_reorder": {"ids": home["inquiries"]},
        "comment_add": {"reporter": rid, "name": "fuzz", "role": "", "summary": "fuzz"},
        "comment_update": {"id": home["comments"][0], "name": "fuzz", "summary": "fuzz"},
        "comment_delete": {"id": home["comments"][0]},
    }
    payload = dict(payloads[event])
    if j.rng.random() < 0.3:
        payload["once"] = secrets.token_urlsafe(18)
    return payload


def valid_ballot(meeting: dict, seq: int = 1) -> dict:
    return {
        "round": meeting["round"],
        "submission": uuid.uuid4().hex,
        "seq": seq,
        "lines": [dict(line) for line in meeting["lines"]],
    }


def bad_line(j: Junk, line: dict) -> Any:
    """One answer line that cannot fit the sheet (never an abstain or a label: both fit)."""
    home = j.home
    kind = j.rng.randrange(9)
    if kind == 0:
        return {**line, "r": j.forged_id("reporters")}
    if kind == 1:
        return {**line, "r": home["closed_reporter"]}  # in the meeting, not in this round
    if kind == 2:
        return {**line, "k": j.choice(["d9", "OVERALL", "", "overall ", 1, None, ["overall"]])}
    if kind == 3:
        return {
            **line,
            "v": j.choice(
                [
                    "优秀",
                    "好 ",
                    "",
                    100,
                    1.5,
                    True,
                    ["好"],
                    {"v": "好"},
                    float("nan"),
                    "NaN",
                    j.big(),
                ]
            ),
        }
    if kind == 4:
        return {**line, "extra": 1}
    if kind == 5:
        missing = j.choice(["r", "k", "v"])
        return {k: v for k, v in line.items() if k != missing}
    if kind == 6:
        return [line["r"], line["k"], line["v"]]
    if kind == 7:
        return j.scalar()
    return {"r": {"$gt": 0}, "k": {"$ne": None}, "v": line["v"]}


def junk_ballot(j: Junk) -> Any:
    """A submit_ballot payload from a real slip that must be refused, never stored: it is
    malformed, names a round the slip cannot vote in, or has a line off the sheet (an
    incomplete but well-formed ballot would be stored as invalid: never sent)."""
    rng = j.rng
    home, foreign = j.home, j.foreign
    payload: dict[str, Any] = valid_ballot(home, seq=rng.randrange(1, 1000))
    kind = rng.randrange(10)
    if kind == 0:
        return j.not_dict()
    if kind == 1:
        payload["submission"] = j.choice(
            [
                None,
                12345,
                "short",
                "s" * 65,
                "有中文的提交编号号号",
                ["a" * 20],
                "a b c d e f g h",
                j.big(),
            ]
        )
    elif kind == 2:
        payload["seq"] = j.choice(
            [None, -1, 2**31, True, 1.5, "1", float("nan"), float("inf"), [1]]
        )
    elif kind == 3:  # a round of another meeting, closed, forged: the valid lines do not help
        payload["round"] = j.choice(
            [
                foreign["round"],
                home["closed_round"],
                987_654,
                True,
                float(home["round"]),
                str(home["round"]),
                [home["round"]],
                None,
                -home["round"],
                2**31,
            ]
        )
    elif kind == 4:  # the other meeting's round with the other meeting's valid lines
        payload = valid_ballot(foreign)
    else:
        lines = payload["lines"]
        how = rng.randrange(6)
        if how == 0:
            payload["lines"] = j.choice([None, "[]", {"0": lines[0]}, 5, True, j.big()])
        elif how == 1:
            payload["lines"] = lines + lines[:1]  # one line twice (also one too many)
        elif how == 2:
            payload["lines"] = lines * 2 + [lines[0]] * rng.randrange(1, 50)  # too many
        else:
            index = rng.randrange(len(lines))
            lines[index] = bad_line(j, lines[index])
            if rng.random() < 0.3:
                rng.shuffle(lines)
    if rng.random() < 0.05:
        payload[j.choice(["round ", "token", "token_id", "__proto__", "valid"])] = j.value()
    return payload


def junk_inquiry(j: Junk) -> Any:
    """submit_inquiry that must be refused whether questions are open or not (junk text)."""
    if j.rng.random() < 0.2:
        return j.not_dict()
    return {
        "submission": j.choice([uuid.uuid4().hex, None, 1, "short", j.big()]),
        "reporter": j.choice([j.forged_id("reporters"), j.home["reporters"][0]]),
        "text": j.choice(
            [None, "", "短", 12345, ["问题内容很长"], "\u200b" * 50, j.long_text(300)]
        ),
        "name": j.value(),
    }


# --------------------------------------------------------------------------- attackers


class Budget:
    """The shared event budget of the attack process (and its progress for the parent)."""

    def __init__(self, total: int, shared: Any, rate: float) -> None:
        self.total = total
        self.sent = 0
        self.shared = shared
        self.rate = rate
        self.started = time.perf_counter()

    async def take(self) -> bool:
        if self.sent >= self.total:
            return False
        self.sent += 1
        self.shared.value = self.sent
        if self.rate > 0:
            due = self.started + self.sent / self.rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        return True


class Attack:
    """Shared state of the attack process: budget, tallies, samples of anything unexpected."""

    def __init__(self, cfg: dict, budget: Budget) -> None:
        self.cfg = cfg
        self.budget = budget
        self.tally: Counter[str] = Counter()
        self.unexpected: list[str] = []

    def note(self, what: str, detail: str) -> None:
        self.tally[what] += 1
        if len(self.unexpected) < 30:
            self.unexpected.append(f"{what}: {detail}"[:400])


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 200 else text[:200] + f"...({len(text)} chars)"


class SioAttacker:
    """One real python-socketio client of some role, reconnected when the server drops it."""

    def __init__(
        self, attack: Attack, role: str, rng: random.Random, home: dict, foreign: dict, **how: Any
    ) -> None:
        self.attack = attack
        self.role = role
        self.rng = rng
        self.junk = Junk(rng, home, foreign)
        self.how = how
        self.sio: socketio.AsyncClient | None = None
        self.http: aiohttp.ClientSession | None = None
        self.failures = 0
        self.since_barrier = 0
        self.gone = asyncio.Event()

    async def _http(self) -> aiohttp.ClientSession:
        if self.http is None:
            if self.role == "delegate":
                self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
                async with self.http.get(
                    f"{self.attack.cfg['base_url']}/b/{self.how['secret']}", allow_redirects=False
                ) as response:
                    if response.status != 302:
                        raise RuntimeError(f"join failed: {response.status}")
            else:  # python-engineio moves a Cookie header into the session's jar
                self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        return self.http

    async def ensure(self) -> bool:
        if self.sio is not None and self.sio.connected:
            return True
        if self.sio is not None:
            self.attack.tally["dropped_by_server"] += 1
            with contextlib.suppress(Exception):
                await self.sio.disconnect()
        while self.failures < 20:
            try:
                http = await self._http()
                self.sio = socketio.AsyncClient(reconnection=False, http_session=http)
                self.gone = asyncio.Event()
                self.sio.on("disconnect", self.gone.set)
                await self.sio.connect(
                    self.attack.cfg["base_url"],
                    auth=self.how["auth"],
                    headers=dict(self.how.get("headers") or {}),
                    transports=["websocket"],
                    wait_timeout=10,
                )
                self.attack.tally["attacker_connects"] += 1
                return True
            except Exception as error:
                self.failures += 1
                self.attack.tally["attacker_connect_refused"] += 1
                if len(self.attack.unexpected) < 30 and self.failures == 1:
                    self.attack.unexpected.append(
                        f"attacker {self.role} could not (re)connect: {error}"[:300]
                    )
                await asyncio.sleep(0.5 + self.rng.random())
        return False

    async def call(self, event: str, data: Any, allow_ok: bool = False) -> None:
        """An event with an ack: the ack must refuse it (or be harmless)."""
        assert self.sio is not None
        self.attack.tally[f"role_{self.role}"] += 1
        # a call pending when the server drops the socket would wait out its timeout
        call = asyncio.ensure_future(self.sio.call(event, data, timeout=CALL_TIMEOUT))
        gone = asyncio.ensure_future(self.gone.wait())
        await asyncio.wait((call, gone), return_when=asyncio.FIRST_COMPLETED)
        gone.cancel()
        if not call.done():
            call.cancel()
            self.attack.tally["disconnected_during_call"] += 1
            return
        try:
            ack = call.result()
        except socketio.exceptions.TimeoutError:
            self.attack.note("timeouts", f"{self.role} {event} {_short(data)}")
            return
        except (socketio.exceptions.BadNamespaceError, socketio.exceptions.DisconnectedError):
            self.attack.tally["disconnected_during_call"] += 1
            return
        self.since_barrier = 0
        if isinstance(ack, dict) and ack.get("ok") is True:
            if allow_ok:
                self.attack.tally["harmless_ok"] += 1
            else:
                self.attack.note(
                    "unexpected_ok", f"{self.role} {event} {_short(data)} -> {_short(ack)}"
                )
        elif isinstance(ack, dict) and ack.get("ok") is False:
            self.attack.tally["refused"] += 1
            if ack.get("retry"):
                self.attack.tally["throttled"] += 1
        else:
            self.attack.tally["other_acks"] += 1

    async def emit(self, event: Any, data: Any) -> None:
        """An event nobody acknowledges (unknown, reserved, several arguments)."""
        assert self.sio is not None
        self.attack.tally[f"role_{self.role}"] += 1
        self.attack.tally["no_ack_events"] += 1
        try:
            await self.sio.emit(event, data)
        except (socketio.exceptions.BadNamespaceError, socketio.exceptions.DisconnectedError):
            self.attack.tally["disconnected_during_call"] += 1
            return
        self.since_barrier += 1
        if self.since_barrier >= 4:  # a round trip now and then: no unbounded queue
            self.since_barrier = 0
            if await self.attack.budget.take():
                await self.call(
                    "time", self.junk.choice([{"t": self.junk.scalar()}, self.junk.value()])
                )

    async def common(self, roll: float) -> bool:
        """Events every role sends: unknown and reserved names, several arguments, bytes,
        junk clock syncs, an oversized packet now and then. True when one was sent."""
        j = self.junk
        if roll < 0.08:
            await self.emit(j.choice(UNKNOWN_EVENTS), j.value())
        elif roll < 0.14:
            await self.emit(
                j.choice(RESERVED),
                j.choice([{"role": "organiser", "meeting": j.home["id"]}, j.value(), None]),
            )
        elif roll < 0.17:
            await self.emit(
                j.choice(["submit_ballot", "time", "sync", "close_round"]),
                (j.value(), j.value(), j.value()),
            )
        elif roll < 0.19:
            await self.call(
                j.choice(["submit_ballot", "sync", "close_round", "time"]),
                os.urandom(self.rng.randrange(1, 2000)),
            )
        elif roll < 0.24:
            await self.call("time", j.choice([{"t": j.scalar()}, j.value(), {"t": j.value()}]))
        elif roll < 0.242:
            self.attack.tally["oversized"] += 1
            await self.emit("submit_ballot", {"lines": OVERSIZE})
        else:
            return False
        return True

    async def step(self) -> None:
        raise NotImplementedError

    async def run(self) -> None:
        try:
            while True:
                if not await self.ensure():
                    self.attack.tally["attackers_gave_up"] += 1
                    return
                if not await self.attack.budget.take():
                    return
                await self.step()
                await asyncio.sleep(0)
        finally:
            await self.close()

    async def close(self) -> None:
        try:
            if self.sio is not None and self.sio.connected:
                await self.sio.disconnect()
        except Exception:
            pass
        if self.http is not None:
            await self.http.close()


class DelegateAttacker(SioAttacker):
    """A phone with a real slip (of the attacked meeting or the decoy) sending junk."""

    async def step(self) -> None:
        j = self.junk
        roll = self.rng.random()
        if await self.common(roll):
            return
        if roll < 0.62:
            await self.call("submit_ballot", junk_ballot(j))
        elif roll < 0.70:
            await self.call("submit_inquiry", junk_inquiry(j))
        elif roll < 0.75:
            await self.call(
                "sync", j.choice([j.not_dict(), {"round": j.forged_id("round")}]), allow_ok=True
            )
        else:  # console events from a phone, well-formed and dangerous: identity must refuse
            event = j.choice(ORGANISER_EVENTS)
            await self.call(event, dangerous_organiser_payload(j, event))


class Rotating:
    """One attacking phone holding several slips (one socket each), using them in turn:
    one concurrent attacker, several slips' event budgets."""

    def __init__(self, attack: Attack, members: list[SioAttacker]) -> None:
        self.attack = attack
        self.members = members

    async def ensure(self) -> bool:
        return all(await asyncio.gather(*(m.ensure() for m in self.members)))

    async def run(self) -> None:
        try:
            turn = 0
            while self.members:
                member = self.members[turn % len(self.members)]
                turn += 1
                if not await member.ensure():
                    self.attack.tally["attackers_gave_up"] += 1
                    self.members.remove(member)
                    await member.close()
                    continue
                if not await self.attack.budget.take():
                    return
                await member.step()
                await asyncio.sleep(0)
        finally:
            await asyncio.gather(*(m.close() for m in self.members), return_exceptions=True)


class ScreenAttacker(SioAttacker):
    """A projector with the right key sending console and phone events."""

    async def step(self) -> None:
        j = self.junk
        roll = self.rng.random()
        if await self.common(roll):
            return
        if roll < 0.55:
            event = j.choice(ORGANISER_EVENTS)
            await self.call(event, dangerous_organiser_payload(j, event))
        elif roll < 0.85:
            await self.call("submit_ballot", valid_ballot(j.home))
        elif roll < 0.92:
            await self.call(
                "submit_inquiry",
                {
                    "submission": uuid.uuid4().hex,
                    "reporter": j.home["reporters"][0],
                    "text": "投影仪发来的问题",
                },
            )
        else:
            await self.call("sync", {})


class OrganiserAttacker(SioAttacker):
    """A console logged in as the organiser, sending forged and malformed console events
    for its own meeting (ids of the other meeting, bools, floats, junk), and phone events."""

    async def step(self) -> None:
        j = self.junk
        roll = self.rng.random()
        if await self.common(roll):
            return
        if roll < 0.88:
            event = j.choice(ORGANISER_EVENTS)
            await self.call(event, organiser_payload(j, event))
        elif roll < 0.95:
            await self.call("submit_ballot", valid_ballot(j.home))
        else:
            await self.call(
                "submit_inquiry",
                {
                    "submission": uuid.uuid4().hex,
                    "reporter": j.home["reporters"][0],
                    "text": "控制台发来的问题",
                },
            )


async def unauthenticated(attack: Attack, rng: random.Random) -> None:
    """Connection attempts with junk auth; every one must be refused."""
    cfg = attack.cfg
    m, d = cfg["M"], cfg["D"]
    cookie = cfg["organiser_cookies"][0]
    forged_cookie = "session=" + secrets.token_urlsafe(60)
    attempts: list[tuple[Any, str | None]] = [
        (None, None), ("delegate", None), (123, None), ([{"role": "delegate"}], None),
        ({"role": "delegate"}, None), ({"role": "delegate"}, forged_cookie),
        ({"role": "delegate", "t": 1, "token": 1}, None),
        ({"role": "screen", "meeting": m["id"], "key": "wrong"}, None),
        ({"role": "screen", "meeting": m["id"], "key": d["key"]}, None),
        ({"role": "screen", "meeting": d["id"], "key": m["key"]}, None),
        ({"role": "screen", "meeting": True, "key": m["key"]}, None),
        ({"role": "screen", "meeting": float(m["id"]), "key": m["key"]}, None),
        ({"role": "screen", "meeting": str(m["id"]), "key": m["key"]}, None),
        ({"role": "screen", "meeting": m["id"], "key": [m["key"]]}, None),
        ({"role": "screen", "meeting": m["id"], "key": m["key"][:-1]}, None),
        ({"role": "screen", "meeting": m["id"], "key": m["key"] + "\u0000"}, None),
        ({"role": "screen", "meeting": m["id"], "key": None}, None),
        ({"role": "screen", "meeting": m["id"]}, None),
        ({"role": "screen", "meeting": m["id"], "key": BIG_ASCII}, None),
        ({"role": "organiser", "meeting": m["id"]}, None),
        ({"role": "organiser", "meeting": m["id"]}, forged_cookie),
        ({"role": "organiser", "meeting": 987_654}, cookie),
        ({"role": "organiser", "meeting": True}, cookie),
        ({"role": "organiser", "meeting": float(m["id"])}, cookie),
        ({"role": "organiser", "meeting": str(m["id"])}, cookie),
        ({"role": "organiser", "meeting": None}, cookie),
        ({"role": "admin", "meeting": m["id"]}, cookie),
        ({"role": ["screen"], "meeting": m["id"], "key": m["key"]}, None),
        ({"role": {"x": 1}}, None), ({"role": "SCREEN", "meeting": m["id"], "key": m["key"]}, None),
        ({"a": {"b": {"c": {"d": [1, 2, 3]}}}}, None),
    ]  # fmt: skip
    http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    try:
        while await attack.budget.take():
            auth, cookie_header = attempts[rng.randrange(len(attempts))]
            http.cookie_jar.clear()
            attack.tally["role_unauthenticated"] += 1
            attack.tally["junk_connects"] += 1
            client = socketio.AsyncClient(reconnection=False, http_session=http)
            try:
                await client.connect(
                    cfg["base_url"],
                    auth=auth,
                    headers={"Cookie": cookie_header} if cookie_header else {},
                    transports=["websocket"],
                    wait_timeout=10,
                )
            except socketio.exceptions.ConnectionError:
                attack.tally["connect_refused"] += 1
                continue
            attack.note("unexpected_connects", f"auth={_short(auth)} cookie={bool(cookie_header)}")
            await client.disconnect()
    finally:
        await http.close()


RAW_FRAMES = [
    '42["time"', "42[]", "42[1]", "42[null]", '42[["time"]]', '42{"a":1}', '42"time"', "42[true,{}]",
    '42["connect",{"role":"organiser","meeting":%(m)d}]', '42["disconnect"]', '42["connect_error",{}]',
    '42["__disconnect_final"]', '42["\\u0000dropped","x"]', '421["submit_ballot",{}]',
    '4299999999999999999999["time",{}]', '42-1["time",{}]', "43", "431[]", '43999[{"ok":true}]',
    "44", "46", "49", "4", "x", "", "5", "6", "7", "9", '42/admin,["time"]', '42/nope,["time",{}]',
    '42["time",' + "[" * 20_000 + "]" * 20_000 + "]",  # deep nesting, 40 KB
    '42["submit_ballot",{"round":NaN,"submission":Infinity,"seq":-Infinity,"lines":[]}]',
    '42["sync",{"__proto__":{"ok":true}}]', '42["time",{"t":1e999}]', "42[" + '"a",' * 5000 + '"a"]',
    "2", "3probe", "3",
]  # fmt: skip
# frames after which the session's state is unclear: start a new one
RAW_RESETS = [
    "41",
    '40{"role":"delegate"}',
    "40/nope,",
    "1",
    '451-["time",{"_placeholder":true,"num":0}]',
]


class RawSocket:
    """A raw Engine.IO WebSocket with a projector's Socket.IO connection, sending junk frames."""

    def __init__(self, attack: Attack, http: aiohttp.ClientSession) -> None:
        self.attack = attack
        self.http = http
        self.ws: Any = None
        self.acks: dict[int, asyncio.Future] = {}
        self.next_id = 1000
        self.reader: asyncio.Task | None = None

    async def open(self) -> bool:
        cfg = self.attack.cfg
        url = cfg["base_url"].replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        try:
            self.ws = await self.http.ws_connect(url, max_msg_size=0)
            first = await asyncio.wait_for(self.ws.receive(), 10)
            assert isinstance(first.data, str) and first.data.startswith("0"), first
            auth = {"role": "screen", "meeting": cfg["M"]["id"], "key": cfg["M"]["key"]}
            await self.ws.send_str("40" + json.dumps(auth))
            while True:
                message = await asyncio.wait_for(self.ws.receive(), 10)
                if message.type != aiohttp.WSMsgType.TEXT:
                    raise RuntimeError(f"closed during connect: {message}")
                if message.data.startswith("40"):
                    break
                if message.data.startswith("44"):
                    raise RuntimeError(f"refused: {message.data}")
        except Exception as error:
            self.attack.note("raw_connect_failed", str(error))
            await self.close()
            return False
        self.reader = asyncio.create_task(self.read())
        return True

    async def read(self) -> None:
        try:
            async for message in self.ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    continue
                data = message.data
                if data == "2":
                    await self.ws.send_str("3")
                elif data.startswith("43"):
                    digits = re.match(r"43(\d+)", data)
                    if digits and int(digits.group(1)) in self.acks:
                        future = self.acks.pop(int(digits.group(1)))
                        if not future.done():
                            future.set_result(data)
        except Exception:
            pass
        finally:
            for future in self.acks.values():
                if not future.done():
                    future.set_exception(ConnectionError("closed"))

    async def barrier(self) -> bool:
        """A real `time` call: the session still answers."""
        self.next_id += 1
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self.acks[self.next_id] = future
        try:
            await self.ws.send_str(f'42{self.next_id}["time",{{"t":1}}]')
            await asyncio.wait_for(future, CALL_TIMEOUT)
            return True
        except TimeoutError:
            self.attack.note("timeouts", "raw barrier after junk frames")
            return False
        except Exception:
            return False

    @property
    def closed(self) -> bool:
        return self.ws is None or self.ws.closed

    async def close(self) -> None:
        if self.ws is not None and not self.ws.closed:
            await self.ws.close()
        if self.reader is not None:
            self.reader.cancel()
        self.ws = None


async def raw_junk(attack: Attack, rng: random.Random) -> None:
    """Engine.IO / Socket.IO junk below the client library: frames on a raw WebSocket,
    polling requests to unknown and closed sessions."""
    cfg = attack.cfg
    base = cfg["base_url"]
    http = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
    sock = RawSocket(attack, http)
    sent = 0
    try:
        while await attack.budget.take():
            attack.tally["role_raw"] += 1
            roll = rng.random()
            if roll < 0.1:  # a polling POST to a session that never existed
                attack.tally["raw_http"] += 1
                sid = secrets.token_urlsafe(15)
                async with http.post(
                    f"{base}/socket.io/?EIO=4&transport=polling&sid={sid}", data='42["time",{}]'
                ) as response:
                    attack.tally[f"raw_http_{response.status}"] += 1
                continue
            if roll < 0.2:  # a polling POST to a session that was just closed
                attack.tally["raw_http"] += 1
                async with http.get(f"{base}/socket.io/?EIO=4&transport=polling") as response:
                    body = await response.text()
                sid = json.loads(body[body.index("{") :])["sid"]
                url = f"{base}/socket.io/?EIO=4&transport=polling&sid={sid}"
                async with http.post(url, data="1") as response:
                    await response.read()
                async with http.post(
                    url, data=rng.choice(["40", '42["time",{}]', "1", "x"])
                ) as response:
                    attack.tally[f"raw_http_{response.status}"] += 1
                continue
            if roll < 0.25:  # handshakes of the wrong shape
                attack.tally["raw_http"] += 1
                query = rng.choice(
                    [
                        "EIO=3&transport=polling",
                        "EIO=4&transport=junk",
                        "EIO=x",
                        "transport=websocket",
                        "EIO=4&transport=polling&sid=",
                        "EIO=4&transport=polling&b64=1&j=" + "x" * 3000,
                    ]
                )
                async with http.get(f"{base}/socket.io/?{query}") as response:
                    attack.tally[f"raw_http_{response.status}"] += 1
                continue
            if sock.closed and not await sock.open():
                await asyncio.sleep(0.5)
                continue
            reset = rng.random() < 0.03
            frame = (
                rng.choice(RAW_RESETS) if reset else rng.choice(RAW_FRAMES) % {"m": cfg["M"]["id"]}
            )
            attack.tally["raw_frames"] += 1
            try:
                await sock.ws.send_str(frame)
            except Exception:
                await sock.close()
                continue
            sent += 1
            if reset:
                await sock.close()
            elif sent % 3 == 0 and not await sock.barrier():
                attack.tally["raw_sessions_dropped"] += 1
                await sock.close()
    finally:
        await sock.close()
        await http.close()


def shares(total: int) -> dict[str, int]:
    """How many attackers of each kind (each kind at least one)."""
    weights = {
        "delegate_m": 6,
        "delegate_d": 2,
        "screen": 3,
        "organiser": 5,
        "unauthenticated": 2,
        "raw": 2,
    }
    out = {k: 1 for k in weights}
    rest = max(0, total - len(out))
    scale = sum(weights.values())
    for k, w in weights.items():
        out[k] += rest * w // scale
    out["delegate_m"] += max(0, total - sum(out.values()))
    return out


async def attack_main(cfg: dict, shared: Any, ready: Any, go: Any) -> dict:
    budget = Budget(cfg["events"], shared, cfg["rate"])
    attack = Attack(cfg, budget)
    m, d = dict(cfg["M"]), dict(cfg["D"])
    m["closed_reporter"] = m["all_reporters"][-1]
    d["closed_reporter"] = m["all_reporters"][-1]  # another meeting's reporter
    plan = shares(cfg["attackers"])
    per = cfg["slips_per_delegate"]
    attackers: list[Any] = []
    seed = cfg["seed"]
    slips_m = list(cfg["attack_secrets_m"])
    slips_d = list(cfg["attack_secrets_d"])
    for kind, count, slips, home, foreign in (
        ("dm", plan["delegate_m"], slips_m, m, d),
        ("dd", plan["delegate_d"], slips_d, d, m),
    ):
        for n in range(count):
            members: list[SioAttacker] = []
            for k in range(per):
                rng = random.Random(f"{seed}-{kind}-{n}-{k}")
                secret = slips[(n * per + k) % len(slips)]
                members.append(
                    DelegateAttacker(
                        attack,
                        "delegate",
                        rng,
                        home,
                        foreign,
                        secret=secret,
                        auth={"role": "delegate"},
                    )
                )
            attackers.append(Rotating(attack, members))
    for n in range(plan["screen"]):
        rng = random.Random(f"{seed}-s-{n}")
        attackers.append(
            ScreenAttacker(
                attack,
                "screen",
                rng,
                m,
                d,
                auth={"role": "screen", "meeting": m["id"], "key": m["key"]},
            )
        )
    cookies = cfg["organiser_cookies"]
    for n in range(plan["organiser"]):
        rng = random.Random(f"{seed}-o-{n}")
        home, foreign = (m, d) if n % 2 == 0 else (d, m)
        attackers.append(
            OrganiserAttacker(
                attack, "organiser", rng, home, foreign,
                auth={"role": "organiser", "meeting": home["id"]},
                headers={"Cookie": cookies[n % len(cookies)]},
            )
        )  # fmt: skip
    # connect every client attacker before the go, so the fuzz itself is only events
    connected = await asyncio.gather(*(a.ensure() for a in attackers))
    attack.tally["attackers_connected_at_start"] = sum(connected)
    attack.tally["client_attackers"] = len(attackers)
    ready.set()
    while not go.is_set():
        await asyncio.sleep(0.05)
    started = time.perf_counter()
    budget.started = started
    tasks = [a.run() for a in attackers]
    tasks += [
        unauthenticated(attack, random.Random(f"{seed}-u-{n}"))
        for n in range(plan["unauthenticated"])
    ]
    tasks += [raw_junk(attack, random.Random(f"{seed}-r-{n}")) for n in range(plan["raw"])]
    results = await asyncio.gather(*tasks, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            attack.note("attacker_crashed", f"{type(result).__name__}: {result}")
    return {
        "events": budget.sent,
        "seconds": time.perf_counter() - started,
        "tally": dict(attack.tally),
        "unexpected": attack.unexpected,
        "plan": plan,
        "sockets": sum(len(a.members) if isinstance(a, Rotating) else 1 for a in attackers),
    }


def attack_process(cfg: dict, shared: Any, ready: Any, go: Any, done: Any, results: Any) -> None:
    """The attack runs in a process of its own: its CPU is not the honest phones'."""
    import logging

    logging.getLogger("socketio").setLevel(logging.CRITICAL)
    logging.getLogger("engineio").setLevel(logging.CRITICAL)
    try:
        results.put(asyncio.run(attack_main(cfg, shared, ready, go)))
    except BaseException as error:
        results.put({"error": f"{type(error).__name__}: {error}"})
        ready.set()
    finally:
        done.set()


# --------------------------------------------------------------------------- honest phones


async def probe(
    phone: Phone,
    samples: dict[str, list[float]],
    failures: Counter,
    stop: asyncio.Event,
    offset: float,
    turn: int,
) -> None:
    """Round trips of one honest phone every PROBE_INTERVAL: `time`, every 4th a `sync`.

    ``offset`` and ``turn`` spread the phones over the interval and over the cycle of four:
    fifty phones never send their syncs in the same half second.
    """
    await asyncio.sleep(offset)
    n = turn
    while not stop.is_set():
        n += 1
        kind = "sync" if n % SYNC_EVERY == 0 else "time"
        started = time.perf_counter()
        try:
            if not phone.connected.is_set():
                failures["probe_disconnected"] += 1
            else:
                assert phone.sio is not None
                if kind == "time":
                    ack = await phone.sio.call(
                        "time", {"t": time.time() * 1000}, timeout=CALL_TIMEOUT
                    )
                    good = isinstance(ack, dict) and "server" in ack
                else:
                    ack = await phone.sio.call("sync", {}, timeout=CALL_TIMEOUT)
                    good = isinstance(ack, dict) and ack.get("ok") is True
                if good:
                    samples[kind].append((time.perf_counter() - started) * 1000)
                else:
                    failures[f"probe_{kind}_refused"] += 1
                    if failures[f"probe_{kind}_refused"] <= 3:
                        print(f"# honest {kind} refused: {_short(ack)}", flush=True)
        except Exception as error:
            failures[f"probe_{type(error).__name__}"] += 1
        delay = PROBE_INTERVAL - (time.perf_counter() - started)
        if delay > 0:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)


async def loop_lag(lags: list[float], stop: asyncio.Event) -> None:
    """How late this process's own event loop wakes up: latency the phones' side adds."""
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(0.005)
        lags.append((time.perf_counter() - started - 0.005) * 1000)


async def probe_phase(
    phones: list[Phone], stop: asyncio.Event
) -> tuple[dict[str, list[float]], Counter]:
    samples: dict[str, list[float]] = {"time": [], "sync": [], "lag": []}
    failures: Counter = Counter()
    rng = random.Random(7)
    await asyncio.gather(
        loop_lag(samples["lag"], stop),
        *(
            probe(p, samples, failures, stop, rng.uniform(0, PROBE_INTERVAL), i % SYNC_EVERY)
            for i, p in enumerate(phones)
        ),
    )
    return samples, failures


def figures(samples: dict[str, list[float]]) -> dict[str, float]:
    both = samples["time"] + samples["sync"]
    return {
        "p50": percentile(both, 0.5),
        "p99": percentile(both, 0.99),
        "time_p99": percentile(samples["time"], 0.99),
        "sync_p99": percentile(samples["sync"], 0.99),
        "lag_p99": percentile(samples["lag"], 0.99),
        "n": len(both),
    }


async def run(server: Any, scene: dict, args: argparse.Namespace, cfg: dict, app: Any) -> dict:
    ctx = mp.get_context("spawn")
    shared = ctx.Value("q", 0, lock=False)
    ready, go, done = ctx.Event(), ctx.Event(), ctx.Event()
    results = ctx.Queue()
    process = ctx.Process(
        target=attack_process, args=(cfg, shared, ready, go, done, results), daemon=True
    )
    process.start()
    phones = await join_all(server.base_url, scene["honest_secrets"])
    ok = await asyncio.to_thread(ready.wait, 180)
    assert ok, "the attack process did not get ready"
    await asyncio.sleep(2.0)  # the connects' snapshots sent, the PDF workers warm
    pid = server.process.pid

    m_scene = scene["m_scene"]
    rng = random.Random(args.seed)
    order = list(range(len(phones)))
    rng.shuffle(order)
    ballot_acks: dict[int, dict] = {}
    ballot_ms: list[float] = []
    idle_ballot_ms: list[float] = []

    async def vote(i: int, ready: Any, lines: int, times: list[float]) -> dict:
        await ready()
        phone = phones[i]
        phone.prepare(m_scene.round_id, m_scene.lines(lines))
        started = time.perf_counter()
        try:
            ack = await phone.send(timeout=120)
        except Exception as error:
            ack = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        times.append((time.perf_counter() - started) * 1000)
        return ack

    def spread(rank: int) -> float:
        """Where in its phase the rank-th phone votes (5 % .. 90 %)."""
        return 0.05 + 0.85 * rank / max(1, len(order))

    # 1. idle: no attack; the honest phones probe and each casts its ballot (the pushes
    # that follow each ballot are part of the baseline, as in the fuzz)
    stop = asyncio.Event()
    idle_task = asyncio.create_task(probe_phase(phones, stop))
    cpu0, wall0, load0 = cpu_seconds(pid), time.perf_counter(), os.getloadavg()[0]
    mine0 = time.process_time()

    def after(seconds: float) -> Any:
        return lambda: asyncio.sleep(max(0.0, wall0 + seconds - time.perf_counter()))

    first = await asyncio.gather(
        *(
            vote(i, after(args.idle_seconds * spread(rank)), i, idle_ballot_ms)
            for rank, i in enumerate(order)
        ),
        asyncio.sleep(args.idle_seconds),
    )
    stop.set()
    idle_samples, idle_failures = await idle_task
    idle_cpu = (cpu_seconds(pid) - cpu0) / (time.perf_counter() - wall0) * 100
    idle_mine = (time.process_time() - mine0) / (time.perf_counter() - wall0) * 100
    first_refused = sum(1 for ack in first[:-1] if not ack.get("ok"))

    # 2. the database before
    before = await asyncio.to_thread(snapshot, app)

    # 3. fuzz: the honest phones probe and each changes its ballot, at points spread over
    # the attack
    stop = asyncio.Event()
    fuzz_task = asyncio.create_task(probe_phase(phones, stop))

    def at_event(count: int) -> Any:
        async def wait() -> None:
            while shared.value < count and not done.is_set():
                await asyncio.sleep(0.02)

        return wait

    async def change(i: int, rank: int) -> None:
        ballot_acks[i] = await vote(i, at_event(int(total * spread(rank))), i + 1, ballot_ms)

    go.set()
    fuzz_started = time.perf_counter()
    cpu1, mine1, theirs1 = cpu_seconds(pid), time.process_time(), cpu_seconds(process.pid)
    total = args.events
    votes = [asyncio.create_task(change(i, rank)) for rank, i in enumerate(order)]
    while not done.is_set():
        await asyncio.sleep(0.05)
    fuzz_seconds = time.perf_counter() - fuzz_started
    fuzz_cpu = (cpu_seconds(pid) - cpu1) / fuzz_seconds * 100
    fuzz_mine = (time.process_time() - mine1) / fuzz_seconds * 100
    fuzz_theirs = (cpu_seconds(process.pid) - theirs1) / fuzz_seconds * 100
    load1 = os.getloadavg()[0]
    await asyncio.gather(*votes)
    stop.set()
    fuzz_samples, fuzz_failures = await fuzz_task
    attack = await asyncio.to_thread(results.get, True, 60)
    await asyncio.to_thread(process.join, 30)
    reconnects = sum(p.reconnects for p in phones)
    await asyncio.gather(*(p.close() for p in phones), return_exceptions=True)
    return {
        "idle": (idle_samples, idle_failures),
        "fuzz": (fuzz_samples, fuzz_failures),
        "first_refused": first_refused,
        "idle_ballot_ms": idle_ballot_ms,
        "before": before,
        "ballot_acks": ballot_acks,
        "ballot_ms": ballot_ms,
        "attack": attack,
        "fuzz_seconds": fuzz_seconds,
        "phone_reconnects": reconnects,
        "server_cpu": (idle_cpu, fuzz_cpu),
        "phones_cpu": (idle_mine, fuzz_mine),
        "attack_cpu": fuzz_theirs,
        "load": (load0, load1),
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


# --------------------------------------------------------------------------- the server log


def scan_log(text: str) -> dict:
    lines = text.splitlines()
    tracebacks = [i for i, line in enumerate(lines) if line.startswith("Traceback")]
    errors = [line for line in lines if re.search(r"\b(ERROR|CRITICAL|Exception|error)\b", line)]
    warnings = [line for line in lines if re.search(r"\bWARNING\b|warning", line)]
    excerpt: list[str] = []
    for start in tracebacks[:2]:
        excerpt += lines[max(0, start - 2) : start + 30]
        excerpt.append("...")
    distinct = Counter(re.sub(r"\d+", "N", line)[:160] for line in errors + warnings)
    # the last line of each traceback (what was raised) and its innermost frame
    raised: Counter[str] = Counter()
    for start in tracebacks:
        where = ""
        for line in lines[start + 1 : start + 80]:
            if line.startswith("  File "):
                where = line.strip()
            elif not line.startswith(" "):
                raised[f"{re.sub(r'[0-9]+', 'N', line)[:110]}  <- {where[:140]}"] += 1
                break
    return {
        "raised": raised.most_common(20),
        "tracebacks": len(tracebacks),
        "errors": len(errors),
        "warnings": len(warnings),
        "excerpt": excerpt,
        "distinct": distinct.most_common(12),
    }


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--async-mode", default=os.environ.get("MEETING_ASYNC_MODE", "eventlet"))
    parser.add_argument("--events", type=int, default=10_000, help="attack events to send")
    parser.add_argument("--honest", type=int, default=50, help="honest phones voting meanwhile")
    parser.add_argument("--attackers", type=int, default=20, help="concurrent attacking clients")
    parser.add_argument(
        "--slips-per-delegate", type=int, default=3, help="sockets (slips) per attacking phone"
    )
    parser.add_argument("--reporters", type=int, default=21)
    parser.add_argument("--idle-seconds", type=float, default=30.0)
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="cap on attack events per second (0: as fast as acks come)",
    )
    parser.add_argument("--seed", default="sanshu-fuzz")
    parser.add_argument(
        "--keep", action="store_true", help="keep the folder with the database and server.log"
    )
    args = parser.parse_args()

    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    from tests.live_server import LiveServer

    plan = shares(args.attackers)
    slips_m = max(1, plan["delegate_m"] * args.slips_per_delegate)
    slips_d = max(1, plan["delegate_d"] * args.slips_per_delegate)
    folder_obj = None if args.keep else tempfile.TemporaryDirectory(prefix="sanshu-fuzz-")
    folder = Path(folder_obj.name if folder_obj else tempfile.mkdtemp(prefix="sanshu-fuzz-"))
    server = LiveServer(folder, async_mode=args.async_mode)
    server.prepare()
    app = server.app()
    scene = build_scene(app, args.honest, slips_m, slips_d, args.reporters)
    server.start()
    try:
        cookies = []
        for _ in range(max(1, plan["organiser"])):
            login = server.login()
            cookies.append(f"session={login.cookies.get('session')}")
        cfg = {
            "base_url": server.base_url,
            "events": args.events,
            "attackers": args.attackers,
            "slips_per_delegate": args.slips_per_delegate,
            "rate": args.rate,
            "seed": args.seed,
            "M": scene["M"],
            "D": scene["D"],
            "attack_secrets_m": scene["attack_secrets_m"],
            "attack_secrets_d": scene["attack_secrets_d"],
            "organiser_cookies": cookies,
        }
        result = asyncio.run(run(server, scene, args, cfg, app))
    finally:
        server.stop()
    after = snapshot(app)
    log = scan_log(server.log_path.read_text(errors="replace") if server.log_path.exists() else "")

    acks = result["ballot_acks"]
    honest_tokens = scene["honest_tokens"]
    acked_submission = {
        honest_tokens[i]: (ack.get("submission") if ack.get("ok") else None)
        for i, ack in acks.items()
    }
    for token in honest_tokens:
        acked_submission.setdefault(token, None)
    check = compare(result["before"], after, scene["M"]["round"], acked_submission)
    honest_ok = sum(1 for a in acks.values() if a.get("ok"))
    honest_acks = min(honest_ok, check["honest_stored_ok"])

    attack = result["attack"]
    if "error" in attack:
        print(f"# ATTACK PROCESS FAILED: {attack['error']}")
        attack = {
            "events": 0,
            "seconds": 0,
            "tally": {},
            "unexpected": [],
            "plan": plan,
            "sockets": 0,
        }
    tally = Counter(attack["tally"])
    idle = figures(result["idle"][0])
    fuzz = figures(result["fuzz"][0])
    ballot_p99 = percentile(result["ballot_ms"], 0.99)
    idle_ballot_p99 = percentile(result["idle_ballot_ms"], 0.99)
    ratio = (
        fuzz["p99"] / idle["p99"] if idle["p99"] and not math.isnan(idle["p99"]) else float("nan")
    )
    events = attack["events"]
    fb, fa = result["before"]["figures"], after["figures"]

    import gc

    gc.collect()
    sys.stderr.flush()
    idle_cpu, fuzz_cpu = result["server_cpu"]
    print(
        f"# CPU (% of one core) idle/fuzz: server {idle_cpu:.0f}/{fuzz_cpu:.0f}, honest phones"
        f" {result['phones_cpu'][0]:.0f}/{result['phones_cpu'][1]:.0f}, attack process"
        f" -/{result['attack_cpu']:.0f}; load average {result['load'][0]:.1f} ->"
        f" {result['load'][1]:.1f} on {os.cpu_count()} cores"
    )
    print(
        f"# async_mode={args.async_mode} attackers={args.attackers} plan={attack['plan']} sockets={attack['sockets']} folder={folder if folder_obj is None else '(removed)'}"
    )
    print(f"# before: {fb}")
    print(f"# after:  {fa}")
    print(
        f"# expected after: ballots={fb['ballots']}, {honest_ok} of them one revision on (the honest changes), everything else unchanged; other ballots unchanged={check['other_ballots_same']}"
    )
    if check["tables_changed"]:
        print(f"# CHANGED: {check['tables_changed']}")
        for sample in check["samples"][:10]:
            print(f"#   {sample}")
    failed = {i: a for i, a in acks.items() if not a.get("ok")}
    for i, ack in list(failed.items())[:5]:
        print(f"# honest ballot {i} not acknowledged: {_short(ack)}")
    print(
        f"# idle: n={idle['n']} p50={idle['p50']:.1f} p99={idle['p99']:.1f} time_p99={idle['time_p99']:.1f} sync_p99={idle['sync_p99']:.1f} failures={dict(result['idle'][1])}"
    )
    print(
        f"# fuzz: n={fuzz['n']} p50={fuzz['p50']:.1f} p99={fuzz['p99']:.1f} time_p99={fuzz['time_p99']:.1f} sync_p99={fuzz['sync_p99']:.1f} failures={dict(result['fuzz'][1])}"
    )
    print(f"# attack tally: {dict(sorted(tally.items()))}")
    for line in attack["unexpected"][:15]:
        print(f"# unexpected: {line}")
    print(
        f"# server log: tracebacks={log['tracebacks']} errors={log['errors']} warnings={log['warnings']}"
    )
    for line, count in log["distinct"]:
        print(f"#   {count}x {line}")
    for line, count in log["raised"]:
        print(f"#   raised {count}x {line}")
    for line in log["excerpt"][:70]:
        print(f"#   | {line}")
    if folder_obj is None:
        print(f"# kept: {folder}")
    else:
        folder_obj.cleanup()
    print(
        f"events={events} rows_changed={check['rows_changed']} honest_acks={honest_acks} "
        f"honest_ack_p99_ms={fuzz['p99']:.1f} idle_ack_p99_ms={idle['p99']:.1f} ratio_p99={ratio:.2f} "
        f"ballot_ack_p99_ms={ballot_p99:.1f} idle_ballot_ack_p99_ms={idle_ballot_p99:.1f} "
        f"idle_ballots_refused={result['first_refused']} honest_time_p99_ms={fuzz['time_p99']:.1f} idle_time_p99_ms={idle['time_p99']:.1f} "
        f"honest_sync_p99_ms={fuzz['sync_p99']:.1f} idle_sync_p99_ms={idle['sync_p99']:.1f} "
        f"phones_lag_p99_ms={fuzz['lag_p99']:.1f} idle_phones_lag_p99_ms={idle['lag_p99']:.1f} "
        f"honest_duplicated={check['honest_duplicated']} unexpected_ok={tally['unexpected_ok']} "
        f"unexpected_connects={tally['unexpected_connects']} timeouts={tally['timeouts']} "
        f"refused={tally['refused']} throttled={tally['throttled']} connect_refused={tally['connect_refused']} "
        f"dropped_by_server={tally['dropped_by_server']} raw_frames={tally['raw_frames']} raw_http={tally['raw_http']} "
        f"phone_reconnects={result['phone_reconnects']} log_tracebacks={log['tracebacks']} log_errors={log['errors']} "
        f"server_cpu_idle_pct={idle_cpu:.0f} server_cpu_fuzz_pct={fuzz_cpu:.0f} "
        f"fuzz_s={result['fuzz_seconds']:.1f} events_per_s={events / max(result['fuzz_seconds'], 1e-9):.0f} "
        f"async_mode={args.async_mode}"
    )


if __name__ == "__main__":
    main()
