"""The strings of the on-time scorecard page (案件按时办结率, 民呼我为), in Chinese and English.
Merged into ``exchange_api.portal.i18n.MESSAGES``."""

from __future__ import annotations

__all__ = ["CASE_SCORECARD_MESSAGES"]

_ZH: dict[str, str] = {
    "cases.title": "案件按时办结率",
    "cases.link": "民呼我为：案件按时办结率",
    "cases.note": (
        "按承办部门统计所选诉求办理信息中的案件：按时答复（答复时间不晚于办理时限）、超期答复、"
        "截至统计时点已过时限仍未答复、未过时限尚未答复；按时率 = 按时答复 / 案件数。"
        "每个信息资源都经访问控制决策（本部门资源或经授权的统计方式）计数并记入审计日志，"
        "不使用任何脱敏字段。"
    ),
    "cases.datasets": "诉求办理信息资源",
    "cases.no_datasets": "平台上还没有登记承办部门字段的诉求办理信息资源。",
    "cases.as_of": "统计时点",
    "cases.as_of_hint": "如 2026-12-01 或 2026-12-01T09:00（北京时间）；留空为当前时间",
    "cases.show": "统计",
    "cases.pick": "请选择至少一个信息资源。",
    "cases.department": "承办部门",
    "cases.cases": "案件数",
    "cases.on_time": "按时答复",
    "cases.late": "超期答复",
    "cases.open_overdue": "超期未答复",
    "cases.open_in_time": "期内未答复",
    "cases.rate": "按时率",
    "cases.none": "无",
    "cases.empty": "所选信息资源中没有可统计的案件。",
    "cases.counted": "计数来源",
    "cases.audit": "审计事件",
    "cases.partial": "部分分组少于最小分组规模，未计入：",
    "cases.chart": "各承办部门按时率（%）",
    "cases.back": "返回部门考核",
}

_EN: dict[str, str] = {
    "cases.title": "Cases answered on time",
    "cases.link": "Citizen requests (Min Hu Wo Wei): cases answered on time",
    "cases.note": (
        "Per handling department, over the chosen case datasets: replied on time (at or before "
        "the deadline), replied late, unanswered with the deadline passed at the moment counted, "
        "unanswered within the deadline; the on-time rate is on time / cases. Each dataset is "
        "counted through the access decision (your own dataset, or a grant's aggregate mode) "
        "and recorded in the audit log; no masked field is used."
    ),
    "cases.datasets": "Case datasets",
    "cases.no_datasets": "No case dataset with a handling-department field is registered yet.",
    "cases.as_of": "As of",
    "cases.as_of_hint": "e.g. 2026-12-01 or 2026-12-01T09:00 (China Standard Time); blank: now",
    "cases.show": "Count",
    "cases.pick": "Choose at least one dataset.",
    "cases.department": "Handling department",
    "cases.cases": "Cases",
    "cases.on_time": "On time",
    "cases.late": "Late",
    "cases.open_overdue": "Open, past deadline",
    "cases.open_in_time": "Open, within deadline",
    "cases.rate": "On-time rate",
    "cases.none": "none",
    "cases.empty": "The chosen datasets hold no case to count.",
    "cases.counted": "Counted from",
    "cases.audit": "audit events",
    "cases.partial": "Groups under the minimum group size were not counted: ",
    "cases.chart": "On-time rate per handling department (%)",
    "cases.back": "Back to the scorecards",
}

CASE_SCORECARD_MESSAGES = {"zh": _ZH, "en": _EN}
