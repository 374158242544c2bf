"""Every string the portal shows, in Chinese (the default) and English (``?lang=en``).

Templates call ``t("key")``; a key missing in either language is a test failure
(``tests/portal/test_i18n.py``), and so is a key a template uses that is not defined here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from exchange_api.portal.i18n_audit import AUDIT_MESSAGES
from exchange_api.portal.i18n_bulk import BULK_MESSAGES
from exchange_api.portal.i18n_case_scorecards import CASE_SCORECARD_MESSAGES
from exchange_api.portal.i18n_contracts import CONTRACT_MESSAGES
from exchange_api.portal.i18n_elements import ELEMENT_MESSAGES
from exchange_api.portal.i18n_evidence import EVIDENCE_MESSAGES
from exchange_api.portal.i18n_exchange import EXCHANGE_MESSAGES
from exchange_api.portal.i18n_exports import EXPORT_MESSAGES
from exchange_api.portal.i18n_frame import FRAME_MESSAGES
from exchange_api.portal.i18n_lineage import LINEAGE_MESSAGES
from exchange_api.portal.i18n_lists import LIST_MESSAGES
from exchange_api.portal.i18n_negative import NEGATIVE_MESSAGES
from exchange_api.portal.i18n_problems import PROBLEM_MESSAGES
from exchange_api.portal.i18n_reports import REPORT_MESSAGES
from exchange_api.portal.i18n_reproduce import REPRODUCE_MESSAGES
from exchange_api.portal.i18n_scenarios import SCENARIO_MESSAGES
from exchange_api.portal.i18n_scorecards import SCORECARD_MESSAGES
from exchange_api.portal.i18n_search import SEARCH_MESSAGES
from exchange_api.portal.i18n_subscriptions import SUBSCRIPTION_MESSAGES
from exchange_api.portal.i18n_verify import VERIFY_MESSAGES
from schemas import load_elements

__all__ = ["DEFAULT_LANG", "LANGS", "MESSAGES", "Lang", "rule_description", "translator"]

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
DEFAULT_LANG: Lang = "zh"

MESSAGES: dict[Lang, dict[str, str]] = {
    "zh": {
        "app.name": "中台 · 政务数据共享交换平台",
        "report.title": "数据质量报告",
        "report.dataset": "信息资源",
        "report.owner": "提供方",
        "report.batch": "批次",
        "report.snapshot": "快照",
        "report.no_snapshot": "未发布（无快照）",
        "report.source": "源文件",
        "report.source_sha256": "源文件 SHA-256",
        "report.created_at": "生成时间",
        "report.switch_lang": "English",
        "summary.heading": "概览",
        "summary.rows_in": "输入行数",
        "summary.rows_passed": "通过行数",
        "summary.rows_quarantined": "隔离行数",
        "summary.score": "质量得分",
        "summary.decision": "处理结论",
        "summary.ge": "Great Expectations 校验",
        "summary.ge_passed": "全部通过",
        "summary.ge_failed": "存在未通过项",
        "summary.ge_evaluated": "已评估期望数",
        "decision.publish": "发布",
        "decision.publish_with_quarantine": "发布（问题行已隔离）",
        "decision.reject": "整批拒收",
        "rules.heading": "规则校验结果",
        "rules.code": "规则编码",
        "rules.field": "字段",
        "rules.description": "说明",
        "rules.failed": "未通过行数",
        "rules.none": "无",
        "findings.heading": "批次级检查",
        "findings.check": "检查项",
        "findings.result": "结果",
        "findings.detail": "详情",
        "findings.passed": "通过",
        "findings.failed": "未通过",
        "findings.empty": "本批次无批次级检查结果。",
        "samples.heading": "隔离样例（已脱敏）",
        "samples.failed_rules": "未通过规则",
        "samples.empty": "无隔离行可展示。",
        "samples.note": "个人信息字段在数据库内按合同脱敏后展示；查看样例已记入审计日志。",
        "trend.heading": "质量趋势（最近批次）",
        "trend.score": "质量得分",
        "trend.quarantined": "隔离行数",
        "trend.batch": "批次",
        "trend.empty": "尚无历史批次。",
        "trend.caption": "折线：质量得分（左轴，0–100）；柱：隔离行数（右轴）。",
        "signoff.heading": "签核",
        "signoff.by": "签核人",
        "signoff.at": "签核时间",
        "signoff.note": "签核意见",
        "signoff.pending": "尚未签核。仅提供方的数据管理员可签核已发布快照的报告"
        "（通过 API 或命令 zhongtai quality sign-off）。",
        "signoff.done": "已签核，签核绑定快照",
        "footer.schema": "报告 JSON 结构",
        "footer.json": "JSON 格式",
        "login.title": "登录",
        "login.token": "访问令牌",
        "login.hint": "请输入本单位账户的访问令牌。登录状态保存 8 小时，退出后立即失效。",
        "login.submit": "登录",
        "login.invalid": "令牌无效、已过期或已被吊销。",
        "login.cross_site": "拒绝来自其他站点的登录请求。",
        "login.locked": "该地址无效尝试过多，已被暂时锁定，请稍后再试。",
        "home.title": "数据质量报告",
        "home.signed_in_as": "当前单位",
        "home.logout": "退出",
        "home.dataset_title": "名称",
        "home.signed": "已签核",
        "home.unsigned": "未签核",
        "home.open_report": "查看报告",
        "home.no_report": "尚无质量报告。",
        "home.empty": "没有您可查看质量报告的信息资源。",
    },
    "en": {
        "app.name": "Zhongtai · government data-sharing exchange",
        "report.title": "Data quality report",
        "report.dataset": "Dataset",
        "report.owner": "Owner",
        "report.batch": "Batch",
        "report.snapshot": "Snapshot",
        "report.no_snapshot": "not published (no snapshot)",
        "report.source": "Source file",
        "report.source_sha256": "Source SHA-256",
        "report.created_at": "Created",
        "report.switch_lang": "中文",
        "summary.heading": "Summary",
        "summary.rows_in": "Rows in",
        "summary.rows_passed": "Rows passed",
        "summary.rows_quarantined": "Rows quarantined",
        "summary.score": "Score",
        "summary.decision": "Decision",
        "summary.ge": "Great Expectations validation",
        "summary.ge_passed": "all passed",
        "summary.ge_failed": "some expectations failed",
        "summary.ge_evaluated": "expectations evaluated",
        "decision.publish": "Published",
        "decision.publish_with_quarantine": "Published, failing rows quarantined",
        "decision.reject": "Batch rejected",
        "rules.heading": "Rule results",
        "rules.code": "Rule code",
        "rules.field": "Field",
        "rules.description": "Description",
        "rules.failed": "Rows failed",
        "rules.none": "none",
        "findings.heading": "Batch-level checks",
        "findings.check": "Check",
        "findings.result": "Result",
        "findings.detail": "Detail",
        "findings.passed": "passed",
        "findings.failed": "failed",
        "findings.empty": "No batch-level findings for this batch.",
        "samples.heading": "Quarantined samples (masked)",
        "samples.failed_rules": "Failed rules",
        "samples.empty": "No quarantined rows to show.",
        "samples.note": "Personal fields are masked inside the database per the contract; "
        "viewing samples is recorded in the audit log.",
        "trend.heading": "Quality trend (last batches)",
        "trend.score": "Score",
        "trend.quarantined": "Quarantined rows",
        "trend.batch": "Batch",
        "trend.empty": "No earlier batches yet.",
        "trend.caption": "Line: score (left axis, 0-100); bars: quarantined rows (right axis).",
        "signoff.heading": "Sign-off",
        "signoff.by": "Signed off by",
        "signoff.at": "Signed off at",
        "signoff.note": "Note",
        "signoff.pending": "Not signed off yet. Only a steward of the owner department may "
        "sign off a report bound to a published snapshot (through the API or with "
        "zhongtai quality sign-off).",
        "signoff.done": "Signed off, bound to snapshot",
        "footer.schema": "Report JSON schema",
        "footer.json": "as JSON",
        "login.title": "Sign in",
        "login.token": "Access token",
        "login.hint": "Enter your department account's access token. You stay signed in for 8 "
        "hours, or until you sign out.",
        "login.submit": "Sign in",
        "login.invalid": "The token is not valid, has expired, or has been revoked.",
        "login.cross_site": "A sign-in from another site is refused.",
        "login.locked": "Too many failed attempts from this address; try again later.",
        "home.title": "Data quality reports",
        "home.signed_in_as": "signed in for",
        "home.logout": "Sign out",
        "home.dataset_title": "Title",
        "home.signed": "signed off",
        "home.unsigned": "not signed off",
        "home.open_report": "open report",
        "home.no_report": "No quality report yet.",
        "home.empty": "There is no dataset whose quality reports you may read.",
    },
}


for _lang in LANGS:
    MESSAGES[_lang].update(EXCHANGE_MESSAGES[_lang])
    MESSAGES[_lang].update(PROBLEM_MESSAGES[_lang])
    MESSAGES[_lang].update(VERIFY_MESSAGES[_lang])
    MESSAGES[_lang].update(SUBSCRIPTION_MESSAGES[_lang])
    MESSAGES[_lang].update(BULK_MESSAGES[_lang])
    MESSAGES[_lang].update(AUDIT_MESSAGES[_lang])
    MESSAGES[_lang].update(REPRODUCE_MESSAGES[_lang])
    MESSAGES[_lang].update(EVIDENCE_MESSAGES[_lang])
    MESSAGES[_lang].update(LINEAGE_MESSAGES[_lang])
    MESSAGES[_lang].update(NEGATIVE_MESSAGES[_lang])
    MESSAGES[_lang].update(SCORECARD_MESSAGES[_lang])
    MESSAGES[_lang].update(CASE_SCORECARD_MESSAGES[_lang])
    MESSAGES[_lang].update(REPORT_MESSAGES[_lang])
    MESSAGES[_lang].update(LIST_MESSAGES[_lang])
    MESSAGES[_lang].update(EXPORT_MESSAGES[_lang])
    MESSAGES[_lang].update(ELEMENT_MESSAGES[_lang])
    MESSAGES[_lang].update(CONTRACT_MESSAGES[_lang])
    MESSAGES[_lang].update(SEARCH_MESSAGES[_lang])
    MESSAGES[_lang].update(FRAME_MESSAGES[_lang])
    MESSAGES[_lang].update(SCENARIO_MESSAGES[_lang])


def translator(lang: Lang) -> Callable[[str], str]:
    """``t(key)`` for ``lang``; an unknown key raises ``KeyError`` (never a silent blank)."""
    messages = MESSAGES[lang]

    def t(key: str) -> str:
        return messages[key]

    return t


_CHECK_ZH = {
    "format": "格式不符合标准",
    "check_digit": "校验码错误",
    "birth_date": "出生日期无效",
    "region": "行政区划代码不存在",
    "legacy_15": "15位旧号码（需换发18位号码）",
    "authority": "登记管理部门码与机构类别码组合无效",
    "org_code": "内嵌组织机构代码校验失败",
    "known": "不在标准代码表中",
    "range": "超出取值范围",
    "length": "超出长度限制",
}
_RULE_ZH = {
    "cast": "值无法转换为字段类型",
    "required": "必填值缺失",
    "primary_key.unique": "主键在本批次中重复",
    "cross.id_birth_date": "出生日期与公民身份号码不一致",
    "cross.id_sex": "性别与公民身份号码不一致",
}


def rule_description(code: str, english: str, lang: Lang) -> str:
    """A rule's description in ``lang``: the compiled English one, or Chinese built from the
    rule code (``cast:f``, ``required:f``, ``<element>.<check>[:field]``, ``cross.*``)."""
    if lang == "en":
        return english
    head = code.split(":", 1)[0]
    if head in _RULE_ZH:
        return _RULE_ZH[head]
    element_code, _, check = head.partition(".")
    element = load_elements().get(element_code)
    if element is None or check not in _CHECK_ZH:
        return english
    return f"{element.name_zh}{_CHECK_ZH[check]}（{element.standard}）"
