"""The demo meeting, modelled on seed 002 (a municipal people's congress organ, 2023).

21 reporters (4 report on site), the five delegate categories, 80 slips and the
述职评议 preset. Names are invented; units follow the seed article.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import agenda, meetings, reporters, tokens
from .models import Meeting

TITLE = "2023年度机关党组织书记抓基层党建述职评议暨述责述廉会议"
ORGAN = "市人大常委会机关党组"

# (name, position, unit, on site, daily assessment score)
REPORTERS = [
    ("王立新", "主任、党支部书记", "法制工作委员会", True, 93),
    ("陈晓梅", "主任、党支部书记", "教育科学文化卫生工作办公室", True, 90),
    ("刘建国", "主任、党支部书记", "农业与农村工作办公室", True, 88),
    ("赵文静", "主任、党支部书记", "人事室", True, 91),
    ("孙志强", "秘书长、党支部书记", "办公厅秘书处", False, 92),
    ("周海燕", "处长、党支部书记", "办公厅综合处", False, 87),
    ("高俊峰", "处长、党支部书记", "办公厅值班接待处", False, 89),
    ("吴敏", "主任、党支部书记", "研究室", False, 90),
    ("郑国华", "主任、党支部书记", "监察和司法工作办公室", False, 86),
    ("冯丽娟", "主任、党支部书记", "财政经济工作办公室", False, 94),
    ("蒋宏伟", "主任、党支部书记", "预算工作委员会", False, 88),
    ("韩雪", "主任、党支部书记", "城市建设环境保护工作办公室", False, 85),
    ("杨帆", "主任、党支部书记", "民族宗教侨务外事工作办公室", False, 87),
    ("朱明辉", "主任、党支部书记", "社会建设工作办公室", False, 90),
    ("秦玉兰", "主任、党支部书记", "代表联络室", False, 92),
    ("许光明", "专职副书记", "机关党委", False, 93),
    ("何静", "副书记", "机关纪委", False, 91),
    ("吕晨", "主任、党支部书记", "信息中心", False, 84),
    ("施建华", "主任、党支部书记", "机关服务中心", False, 86),
    ("张丽华", "处长、党支部书记", "新闻宣传处", False, 89),
    ("马骏", "主任、党支部书记", "信访室", False, 88),
]

# slips per category, in the preset's category order (80 in all)
SLIPS = [8, 10, 7, 25, 30]

REPORT = (
    "一、履行抓基层党建工作职责情况\n"
    "{unit}党支部坚持以高质量党建引领保障高质量履职，全年召开支部委员会{n}次，"
    "组织集体学习{m}次，开展主题党日活动{k}次，落实“三会一课”、谈心谈话等制度。\n\n"
    "二、履行全面从严治党责任情况\n"
    "认真落实第一责任人职责，把党建工作与业务工作同研究、同部署、同推动，"
    "督促支部党员干部压实责任。\n\n"
    "三、个人廉洁自律情况\n"
    "严格遵守中央八项规定及其实施细则精神，自觉接受监督。\n\n"
    "四、存在的问题和不足\n"
    "理论学习的深度广度还不够，党建与业务深度融合的招法还不多。\n\n"
    "五、下一步工作打算\n"
    "加强支部特色党建品牌建设，严格制度执行，加强党员教育管理。"
)


def find_demo_meeting(session: Session) -> Meeting | None:
    """The demo meeting, if it was loaded (its slips are not secret: they are printed in
    the start-up banner)."""
    return session.scalars(
        select(Meeting).where(Meeting.title == TITLE, Meeting.organ_name == ORGAN)
    ).first()


def create_demo_meeting(session: Session) -> Meeting:
    """Create the demo meeting: reporters, categories, 80 slips, the agenda (flushes only)."""
    meeting = meetings.create_meeting(
        session, TITLE, ORGAN, held_on=date(2024, 1, 30), year=2023, preset="party_building"
    )
    daily_key = meeting.scheme["components"][0]["key"]
    for i, (name, title, unit, on_site, daily) in enumerate(REPORTERS):
        reporters.add_reporter(
            session,
            meeting,
            reporters.ReporterData(
                name=name,
                title=title,
                unit=unit,
                on_site=on_site,
                component_scores={daily_key: daily},
                report_text=REPORT.format(unit=unit, n=10 + i % 4, m=12 + i % 5, k=6 + i % 3),
            ),
        )
    for category, count in zip(meeting.categories, SLIPS, strict=True):
        tokens.generate_tokens(session, meeting, category, count)
    agenda.build_agenda(session, meeting)
    return meeting
