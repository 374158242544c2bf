"""The strings of the scorecards page (考核) and the sentences of its refusal codes, in Chinese and
English. Merged into ``exchange_api.portal.i18n.MESSAGES``."""

from __future__ import annotations

__all__ = ["SCORECARD_MESSAGES"]

_ZH: dict[str, str] = {
    "nav.scorecards": "考核",
    "scorecard.title": "部门考核",
    "scorecard.note": (
        "按考核期（月、季度或年，北京时间）统计各部门履职情况：责任清单事项是否已编目、按更新周期"
        "及时更新、质量得分达标；共享申请答复用时（按法定工作日计算，含调休上班日）与超期情况，"
        "期限已过仍未答复的申请计为超期；数据异议是否按期答复；本部门信息资源的质量趋势。"
    ),
    "scorecard.policy": (
        "审计人员和平台管理员可查看全部部门的考核及排名；各部门只能查看本部门的考核。"
    ),
    "scorecard.period": "考核期",
    "scorecard.period_hint": "如 2026-10、2026-Q4、2026",
    "scorecard.department": "部门",
    "scorecard.all": "全部部门",
    "scorecard.show": "查看",
    "scorecard.as_of": "截至",
    "scorecard.league": "考核汇总",
    "scorecard.rank": "排名",
    "scorecard.fulfilment": "责任清单履行",
    "scorecard.fulfilled_of": "已履行 / 事项数",
    "scorecard.share": "履行率",
    "scorecard.requests": "需答复申请",
    "scorecard.median": "答复用时中位数",
    "scorecard.working_days": "工作日",
    "scorecard.hours": "小时",
    "scorecard.breaches": "超期",
    "scorecard.pending_overdue": "其中超期未答复",
    "scorecard.objections": "异议按期答复",
    "scorecard.quality": "质量趋势",
    "scorecard.no_items": "暂无责任清单事项",
    "scorecard.none": "—",
    "scorecard.chart_fulfilment": "各部门责任清单履行率（%）",
    "scorecard.chart_reply": "各部门共享申请答复用时中位数（小时）",
    "scorecard.chart_breaches": "各部门共享申请超期数",
    "scorecard.download": "下载",
    "scorecard.xlsx": "Excel（全部分表）",
    "scorecard.csv": "CSV 汇总",
    "scorecard.detail": "考核明细",
    "scorecard.item": "责任事项",
    "scorecard.dataset": "信息资源",
    "scorecard.cycle": "更新周期",
    "scorecard.registered": "已编目",
    "scorecard.fresh": "按时更新",
    "scorecard.last_published": "最近发布",
    "scorecard.score": "最新质量得分 / 要求",
    "scorecard.fulfilled": "已履行",
    "scorecard.yes": "是",
    "scorecard.no": "否",
    "scorecard.replies": "共享申请答复",
    "scorecard.request": "申请",
    "scorecard.requester": "申请部门",
    "scorecard.status": "状态",
    "scorecard.filed": "提交时间",
    "scorecard.due": "答复期限",
    "scorecard.decided": "处理时间",
    "scorecard.taken": "用时",
    "scorecard.breach": "超期",
    "scorecard.provisional": "期限待定（日历未覆盖该年）",
    "scorecard.no_requests": "本考核期内没有需要答复的共享申请。",
    "scorecard.objection": "异议",
    "scorecard.answered": "答复时间",
    "scorecard.on_time": "按期",
    "scorecard.not_yet_due": "未到期",
    "scorecard.no_objections": "本考核期内没有数据异议。",
    "scorecard.month": "月份",
    "scorecard.reports": "质量报告数",
    "scorecard.mean_score": "平均得分",
    "scorecard.no_reports": "本考核期内没有质量报告。",
    "scorecard.direction_up": "上升",
    "scorecard.direction_down": "下降",
    "scorecard.direction_steady": "平稳",
    "scorecard.direction_none": "数据不足",
    "scorecard.change": "得分变化",
    "problem.scorecard.not_allowed": (
        "各部门只能查看本部门的考核；全部部门的考核仅审计人员和管理员可查看。"
    ),
    "problem.scorecard.bad_period": "考核期须为月（2026-10）、季度（2026-Q4）或年（2026）。",
    "problem.scorecard.bad_part": (
        "CSV 分表须为 summary、responsibilities、replies、objections 或 quality。"
    ),
    "problem.scorecard.bad_format": "下载格式须为 csv 或 xlsx。",
}

_EN: dict[str, str] = {
    "nav.scorecards": "Scorecards",
    "scorecard.title": "Department scorecards",
    "scorecard.note": (
        "How each department meets its duties over a period (month, quarter or year, China "
        "Standard Time): responsibility items registered, updated within their cycle and above "
        "their quality threshold; replies to share requests (working days on the official "
        "calendar, make-up workdays included) and breaches of the deadline, a request still "
        "pending past it counting as one; objections answered on time; the quality trend of "
        "the department's datasets."
    ),
    "scorecard.policy": (
        "Auditors and admins see every department's scorecard and the ranking; a department "
        "sees its own."
    ),
    "scorecard.period": "Period",
    "scorecard.period_hint": "e.g. 2026-10, 2026-Q4, 2026",
    "scorecard.department": "Department",
    "scorecard.all": "All departments",
    "scorecard.show": "Show",
    "scorecard.as_of": "as of",
    "scorecard.league": "Summary",
    "scorecard.rank": "Rank",
    "scorecard.fulfilment": "Responsibilities",
    "scorecard.fulfilled_of": "Fulfilled / items",
    "scorecard.share": "Fulfilment",
    "scorecard.requests": "Requests to answer",
    "scorecard.median": "Median reply",
    "scorecard.working_days": "working days",
    "scorecard.hours": "hours",
    "scorecard.breaches": "Breaches",
    "scorecard.pending_overdue": "of which unanswered",
    "scorecard.objections": "Objections on time",
    "scorecard.quality": "Quality trend",
    "scorecard.no_items": "no responsibility items",
    "scorecard.none": "—",
    "scorecard.chart_fulfilment": "Responsibility fulfilment per department (%)",
    "scorecard.chart_reply": "Median reply to share requests per department (hours)",
    "scorecard.chart_breaches": "Reply deadline breaches per department",
    "scorecard.download": "Download",
    "scorecard.xlsx": "Excel (every part)",
    "scorecard.csv": "CSV summary",
    "scorecard.detail": "Scorecard details",
    "scorecard.item": "Responsibility",
    "scorecard.dataset": "Dataset",
    "scorecard.cycle": "Update cycle",
    "scorecard.registered": "Registered",
    "scorecard.fresh": "Fresh",
    "scorecard.last_published": "Last published",
    "scorecard.score": "Latest score / minimum",
    "scorecard.fulfilled": "Fulfilled",
    "scorecard.yes": "yes",
    "scorecard.no": "no",
    "scorecard.replies": "Replies to share requests",
    "scorecard.request": "Request",
    "scorecard.requester": "Requester",
    "scorecard.status": "Status",
    "scorecard.filed": "Filed",
    "scorecard.due": "Reply due",
    "scorecard.decided": "Decided",
    "scorecard.taken": "Taken",
    "scorecard.breach": "Breach",
    "scorecard.provisional": "provisional deadline (year not in the calendar)",
    "scorecard.no_requests": "No share request waited for this department's reply in the period.",
    "scorecard.objection": "Objection",
    "scorecard.answered": "Answered",
    "scorecard.on_time": "On time",
    "scorecard.not_yet_due": "not yet due",
    "scorecard.no_objections": "No objection in the period.",
    "scorecard.month": "Month",
    "scorecard.reports": "Quality reports",
    "scorecard.mean_score": "Mean score",
    "scorecard.no_reports": "No quality report in the period.",
    "scorecard.direction_up": "improving",
    "scorecard.direction_down": "declining",
    "scorecard.direction_steady": "steady",
    "scorecard.direction_none": "too few reports",
    "scorecard.change": "Score change",
    "problem.scorecard.not_allowed": (
        "A department sees its own scorecard; every department's is for auditors and admins."
    ),
    "problem.scorecard.bad_period": "A period is a month (2026-10), a quarter (2026-Q4) or a year.",
    "problem.scorecard.bad_part": (
        "A CSV part is summary, responsibilities, replies, objections or quality."
    ),
    "problem.scorecard.bad_format": "The format is csv or xlsx.",
}

SCORECARD_MESSAGES: dict[str, dict[str, str]] = {"zh": _ZH, "en": _EN}
