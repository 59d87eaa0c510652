"""Builders for tests and benchmarks that need a whole meeting outside pytest fixtures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from meeting import meetings, reporters, rounds, tokens
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
    meeting = meetings.create_meeting(session, "压力测试会议", "机关党组", preset=preset)
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
