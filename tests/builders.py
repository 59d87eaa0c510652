"""Builders for tests and benchmarks that need a whole meeting outside pytest fixtures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from meeting import ballots, meetings, reporters, rounds, tokens
from meeting.scoring import OVERALL, scheme_from_dict

FIVE_CATEGORIES = 5


@dataclass
class Scene:
    meeting_id: int
    round_id: int | None
    screen_key: str
    secrets: list[str]
    reporter_ids: list[int]
    scheme: dict[str, Any]

    def lines(self, index: int = 0) -> list[dict[str, Any]]:
        """A valid ballot that differs a little per phone (top grade for one reporter)."""
        scheme = scheme_from_dict(self.scheme)
        top = index % len(self.reporter_ids)
        out = []
        for i, rid in enumerate(self.reporter_ids):
            for line in scheme.lines:
                if scheme.mode == "numeric":
                    value: Any = 80 + (index + i) % 20
                else:
                    labels = line.labels()
                    value = (
                        labels[0]
                        if (line.key == OVERALL and i == top)
                        else labels[1 + (index + i) % 2]
                    )
                out.append({"r": rid, "k": line.key, "v": value})
        return out


def build_meeting(
    session: Session,
    reporters_count: int = 21,
    delegates: int = 80,
    on_site: int = 4,
    open_round: bool = True,
    preset: str = "party_building",
) -> Scene:
    """A live meeting with its slips spread over the five categories, and a round for all."""
    meeting = meetings.create_meeting(session, "压力测试会议", "机关党组", year=2024, preset=preset)
    for i in range(reporters_count):
        reporters.add_reporter(
            session,
            meeting,
            reporters.ReporterData(
                name=f"述职人{i + 1:03d}",
                unit=f"第{i + 1}党支部",
                title="书记",
                on_site=i < on_site,
                component_scores={"c1": 85 + i % 10} if meeting.scheme.get("components") else {},
            ),
        )
    made = []
    per_category = [delegates // FIVE_CATEGORIES] * FIVE_CATEGORIES
    per_category[-1] += delegates - sum(per_category)
    for category, count in zip(meeting.categories, per_category, strict=True):
        if count:
            made += tokens.generate_tokens(session, meeting, category, count)
    meetings.set_status(session, meeting, "live")
    round_id = None
    ids = [r.id for r in meeting.reporters]
    if open_round:
        round_id = rounds.open_round(session, meeting, ids).id
    session.commit()
    return Scene(
        meeting.id,
        round_id,
        meeting.screen_key,
        [t.secret for t in made],
        ids,
        dict(meeting.scheme),
    )


def build_known_meeting(db: Session) -> Any:
    """Three reporters, two categories (40/60), five ballots of which one is invalid.

    Overall grades (好100 较好80 一般60 差40), 不了解 = abstain:
      党组成员  B1: 甲 好,   乙 较好, 丙 一般   (甲's first dimension: 不了解)
      党组成员  B2: 甲 较好, 乙 好,   丙 较好
      党员代表  B3: 甲 好,   乙 一般, 丙 差
      党员代表  B4: 甲 较好, 乙 较好, 丙 不了解
      党员代表  B5: 好 for all three -> over the quota (1) and all the same: invalid
    By hand:
      甲: means 90 / 90 -> 90.00; 好 2 较好 2 -> 50.0 / 50.0; daily 90 -> final 90.00 好, rank 1;
          first dimension: 党组成员 80, 党员代表 90 -> 86.00
      乙: means 90 / 70 -> 0.4*90 + 0.6*70 = 78.00; 25.0/50.0/25.0; daily 70 -> 75.60 一般, rank 2
      丙: means 70 / 40 -> 52.00; 较好/一般/差 one each -> 33.4/33.3/33.3 (largest remainder,
          ties to the better grade); no daily score -> final 52.00 差 (reminder talk), rank 3
    The categories are that small (2 and 3 voters) so that the numbers stay countable by
    hand; the small-group rule is set to 1 here so that every breakdown shows.
    """
    meeting = meetings.create_meeting(db, "已知结果的会议", "机关党组", year=2023)
    meeting.scheme = dict(meeting.scheme, small_group_min=1)
    for category in list(meeting.categories):
        if category.name not in ("党组成员", "党员代表"):
            meetings.delete_category(db, meeting, category.id)
    weights = {"党组成员": 40, "党员代表": 60}
    meetings.update_categories(
        db, meeting, [(c.id, c.name, weights[c.name], c.may_inquire) for c in meeting.categories]
    )
    for name, daily in (("甲", 90), ("乙", 70), ("丙", None)):
        reporters.add_reporter(
            db,
            meeting,
            reporters.ReporterData(
                name=name, unit=f"{name}处", component_scores={"c1": daily} if daily else {}
            ),
        )
    lead, members = meeting.categories
    tokens.generate_tokens(db, meeting, lead, 2)
    tokens.generate_tokens(db, meeting, members, 3)
    meetings.set_status(db, meeting, "live")
    a, b, c = (r.id for r in meeting.reporters)
    scoring_round = rounds.open_round(db, meeting, [a, b, c])
    slips = tokens.list_tokens(db, meeting)
    votes = [
        {a: "好", b: "较好", c: "一般"},
        {a: "较好", b: "好", c: "较好"},
        {a: "好", b: "一般", c: "差"},
        {a: "较好", b: "较好", c: None},
        {a: "好", b: "好", c: "好"},
    ]
    for i, (slip, vote) in enumerate(zip(slips, votes, strict=True)):
        lines = []
        for rid, grade in vote.items():
            for key in ("d1", "d2", "d3", "overall"):
                value = None if (i == 0 and rid == a and key == "d1") else grade
                lines.append({"r": rid, "k": key, "v": value})
        ballots.submit_ballot(
            db,
            slip.id,
            {"round": scoring_round.id, "submission": f"known-{i:04d}", "seq": 1, "lines": lines},
        )
    rounds.close_round(db, scoring_round)
    db.commit()
    return meeting


def build_signable_meeting(db: Session) -> Any:
    """A meeting that uses everything a signed document must get right at once.

    * two grade scales: 执行廉洁自律 (d3) on 满意 100 / 基本满意 80 / 不满意 50, the rest on
      好 100 / 较好 80 / 一般 60 / 差 40;
    * three categories, 党组成员 40 % (3 slips), 党员代表 40 % (4 slips), 纪委委员 20 %
      (2 slips, nobody votes: left out, the other weights scaled up);
    * round 1 (甲, 乙): 3 + 3 ballots of 9 issued; one 党员代表 slip voted, was lost and
      replaced (still 9 issued, one delegate one slip);
    * round 2 (丙): 2 ballots of 9: the quorum (more than 50 %) is not met, void.
    The small-group minimum is 3, so every category with votes (3 voters) shows.
    """
    meeting = meetings.create_meeting(db, "可以签发的会议", "机关党组", year=2024)
    scheme = dict(meeting.scheme)
    scheme["dimensions"] = [
        {"name": "抓基层党建工作", "scale": None},
        {"name": "履行管党治党政治责任", "scale": None},
        {"name": "执行廉洁自律", "scale": [["满意", 100], ["基本满意", 80], ["不满意", 50]]},
    ]
    scheme["components"] = []
    meeting.scheme = scheme
    for category in list(meeting.categories):
        if category.name not in ("党组成员", "党员代表", "纪委委员"):
            meetings.delete_category(db, meeting, category.id)
    weights = {"党组成员": 40, "党员代表": 40, "纪委委员": 20}
    meetings.update_categories(
        db, meeting, [(c.id, c.name, weights[c.name], c.may_inquire) for c in meeting.categories]
    )
    for name in ("甲", "乙", "丙"):
        reporters.add_reporter(db, meeting, reporters.ReporterData(name=name, unit=f"{name}处"))
    by_name = {c.name: c for c in meeting.categories}
    lead = tokens.generate_tokens(db, meeting, by_name["党组成员"], 3)
    members = tokens.generate_tokens(db, meeting, by_name["党员代表"], 4)
    tokens.generate_tokens(db, meeting, by_name["纪委委员"], 2)
    meetings.set_status(db, meeting, "live")
    a, b, c = (r.id for r in meeting.reporters)

    def lines(votes: dict[int, tuple[str, str]]) -> list[dict[str, Any]]:
        out = []
        for rid, (grade, clean) in votes.items():
            for key in ("d1", "d2", "overall"):
                out.append({"r": rid, "k": key, "v": grade})
            out.append({"r": rid, "k": "d3", "v": clean})
        return out

    first = rounds.open_round(db, meeting, [a, b])
    ballots_one = [
        (lead[0], {a: ("好", "满意"), b: ("较好", "基本满意")}),
        (lead[1], {a: ("较好", "满意"), b: ("一般", "满意")}),
        (lead[2], {a: ("好", "基本满意"), b: ("较好", "不满意")}),
        (members[0], {a: ("较好", "满意"), b: ("好", "满意")}),
        (members[1], {a: ("一般", "基本满意"), b: ("较好", "基本满意")}),
        (members[2], {a: ("较好", "满意"), b: ("差", "不满意")}),
    ]
    for n, (slip, vote) in enumerate(ballots_one):
        ballots.submit_ballot(
            db,
            slip.id,
            {"round": first.id, "submission": f"sign-{n:04d}", "seq": 1, "lines": lines(vote)},
        )
    tokens.revoke_token(db, members[2], replace=True)  # voted, then lost: replaced
    rounds.close_round(db, first)
    second = rounds.open_round(db, meeting, [c])
    for n, slip in enumerate(lead[:2]):
        ballots.submit_ballot(
            db,
            slip.id,
            {
                "round": second.id,
                "submission": f"void-{n:04d}",
                "seq": 1,
                "lines": lines({c: ("较好", "满意")}),
            },
        )
    rounds.close_round(db, second)
    db.commit()
    return meeting
