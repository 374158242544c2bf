"""The strings of the 智能报表 page (report pre-fill) and the sentences of its refusal codes, in
Chinese and English. Merged into ``exchange_api.portal.i18n.MESSAGES``."""

from __future__ import annotations

__all__ = ["REPORT_MESSAGES"]

_ZH: dict[str, str] = {
    "nav.reports": "智能报表",
    "reports.title": "智能报表",
    "reports.note": (
        "一次采集、多方复用：平台按本单位已获授权的共享数据预填报表。每一项标明已复用（来源数据集与快照）"
        "或仍需采集（原因及需申请的数据）；本单位仍在手工采集、而其他部门已共享的项标为重复采集"
        "（《浙江省公共数据条例》不允许重复采集）。少于最小分组人数的统计值不予提供，需自行采集。"
    ),
    "reports.templates": "报表模板",
    "reports.template": "报表",
    "reports.month": "报表月份",
    "reports.month_hint": "如 2026-11",
    "reports.prefill": "预填",
    "reports.field": "填报项",
    "reports.value": "填报值",
    "reports.status": "状态",
    "reports.source": "来源",
    "reports.reason": "原因 / 需申请",
    "reports.repeated": "重复采集",
    "reports.status_reused": "已复用",
    "reports.status_to_collect": "待采集",
    "reports.status_period": "报表月份",
    "reports.status_scope": "填报范围",
    "reports.snapshot": "快照",
    "reports.grant": "授权",
    "reports.via": "关联",
    "reports.download": "下载 XLSX",
    "reports.summary": "已复用 {reused} 项，待采集 {to_collect} 项，重复采集 {repeated} 项",
    "reports.sources": "数据来源",
    "reports.fields_count": "填报项数",
    "reports.audit": "已记入审计日志，事件",
    "problem.report.not_found": "没有该报表模板。",
    "problem.report.month_invalid": "报表月份格式为 YYYY-MM，如 2026-11。",
}

_EN: dict[str, str] = {
    "nav.reports": "Reports",
    "reports.title": "Report pre-fill",
    "reports.note": (
        "Report once, reuse everywhere: the platform pre-fills a report from the data your "
        "department is granted. Each field is marked reused (source dataset and snapshot) or to "
        "collect (why, and what to request); a field your office still collects by hand although "
        "another department shares it is marked repeated collection, which the Zhejiang public "
        "data regulation forbids. Counts under the minimum group size are not sent."
    ),
    "reports.templates": "Report templates",
    "reports.template": "Report",
    "reports.month": "Report month",
    "reports.month_hint": "e.g. 2026-11",
    "reports.prefill": "Pre-fill",
    "reports.field": "Field",
    "reports.value": "Value",
    "reports.status": "Status",
    "reports.source": "Source",
    "reports.reason": "Why / what to request",
    "reports.repeated": "Repeated collection",
    "reports.status_reused": "Reused",
    "reports.status_to_collect": "To collect",
    "reports.status_period": "Report month",
    "reports.status_scope": "Scope",
    "reports.snapshot": "snapshot",
    "reports.grant": "grant",
    "reports.via": "via",
    "reports.download": "Download XLSX",
    "reports.summary": "{reused} reused, {to_collect} to collect, {repeated} repeated collection",
    "reports.sources": "Sources",
    "reports.fields_count": "Fields",
    "reports.audit": "Recorded in the audit log, event",
    "problem.report.not_found": "There is no such report template.",
    "problem.report.month_invalid": "A report month is YYYY-MM, e.g. 2026-11.",
}

REPORT_MESSAGES: dict[str, dict[str, str]] = {"zh": _ZH, "en": _EN}
