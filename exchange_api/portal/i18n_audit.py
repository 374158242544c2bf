"""The strings of the auditor's pages (the audit log, usage and reconciliation) and the sentences
of their refusal codes, in Chinese and English. Merged into ``exchange_api.portal.i18n.MESSAGES``;
the finding labels are the ones the report files use (``catalog.usage_tables.FINDING_LABELS``)."""

from __future__ import annotations

from catalog.usage_tables import FINDING_LABELS

__all__ = ["AUDIT_MESSAGES"]

_ZH: dict[str, str] = {
    "nav.audit": "审计日志",
    "nav.usage": "用量与核对",
    "audit.title": "审计日志",
    "audit.note": "审计日志记录谁在何时做了什么、依据哪项授权和用途、发送了多少及其 SHA-256，"
    "不含共享数据本身。浏览不记入日志；下载报表会记入。",
    "audit.chain_ok": "审计链完整：已逐条校验 {n} 条事件的哈希链接。",
    "audit.chain_broken": "审计链已被破坏：第 {id} 条事件（{damage}）。",
    "audit.checkpoints": (
        "已验证 {n} 个签名检查点，签名覆盖至第 {id} 条事件；其后 {u} 条尚待下一次签名。"
    ),
    "audit.no_checkpoint": "尚无经可信密钥验证的签名检查点。",
    "audit.checked_at": "完整校验时间（北京时间）：",
    "audit.filters": "筛选条件",
    "audit.department": "部门",
    "audit.dataset": "信息资源",
    "audit.grant": "授权编号",
    "audit.action": "事件类型",
    "audit.outcome": "结果",
    "audit.from": "起始日期",
    "audit.to": "截止日期",
    "audit.all": "全部",
    "audit.apply": "筛选",
    "audit.clear": "清除条件",
    "audit.id": "序号",
    "audit.time": "时间（北京时间）",
    "audit.actor": "操作账户",
    "audit.object": "对象",
    "audit.purpose": "用途",
    "audit.sent": "发送",
    "audit.rows": "行",
    "audit.bytes": "字节",
    "audit.detail": "详情",
    "audit.platform": "平台",
    "audit.empty": "没有符合条件的事件。",
    "audit.older": "更早的事件",
    "audit.newest": "回到最新",
    "outcome.ok": "成功",
    "outcome.refused": "拒绝",
    "outcome.error": "失败",
    "usage.title": "用量与核对",
    "usage.note": (
        "统计按北京时间的自然日、周（周一起）或月汇总；"
        "读取以审计日志中发送数据的事件为准，核验和统计只计次数和字节，不计行数。"
    ),
    "usage.window": "统计区间",
    "usage.by": "统计周期",
    "usage.by_day": "日",
    "usage.by_week": "周",
    "usage.by_month": "月",
    "usage.reads": "读取次数",
    "usage.rows": "行数",
    "usage.bytes": "字节数",
    "usage.refused": "被拒次数",
    "usage.chart_period": "各周期发送行数",
    "usage.chart_department": "各部门发送行数",
    "usage.chart_dataset": "各信息资源发送行数",
    "usage.chart_findings": "核对发现（涉及授权数）",
    "usage.lines": "用量明细",
    "usage.period": "周期",
    "usage.modes": "读取方式",
    "usage.accounts": "读取账户",
    "usage.empty": "所选范围内没有读取记录。",
    "usage.download": "下载",
    "usage.download_note": "下载的报表会记入审计日志（含文件的 SHA-256）。",
    "usage.csv": "CSV（UTF-8）",
    "usage.csv_gbk": "CSV（GB18030）",
    "usage.xlsx": "Excel（XLSX）",
    "recon.title": "授权使用核对",
    "recon.rules": (
        "规则：单日行数不少于 100 且达到此前 30 天内活跃日中位数的 5 倍"
        "（至少 3 个活跃日）为激增；到期前 7 天内的读取为到期前读取；配额用到 90% 提示将用尽；"
        "从未读取的字段与方式按授权全部有效期计算。"
    ),
    "recon.state": "状态",
    "recon.quota": "配额使用",
    "recon.never_read": "从未读取的字段",
    "recon.never_used": "从未使用的方式",
    "recon.spikes": "激增日",
    "recon.near_expiry": "到期前读取",
    "recon.after_end": "终止后读取",
    "recon.last_read": "最近读取",
    "recon.findings": "发现",
    "recon.none": "无",
    "recon.empty": "范围内没有授权。",
    "problem.role.auditor_required": (
        "该操作仅限审计人员（查看审计日志、用量报表和核验审计链，平台管理员亦可）。"
    ),
    "problem.audit.bad_date": "日期格式应为 YYYY-MM-DD。",
    "problem.audit.range_invalid": "起始日期不能晚于截止日期。",
    "problem.audit.range_too_long": "一份用量报表最多覆盖 366 天，请缩短区间。",
    "problem.audit.unknown_department": "没有该代码的部门。",
    "problem.audit.unknown_dataset": "没有该代码的信息资源。",
    "problem.audit.unknown_grant": "没有该编号的授权。",
    "problem.audit.bad_period": "统计周期应为日、周或月。",
    "problem.audit.bad_action": "事件类型应为事件名称（如 data.read）或类别（如 data.*）。",
    "problem.audit.bad_outcome": "结果应为成功、拒绝或失败。",
    "problem.audit.bad_cursor": "翻页位置无效。",
    "problem.audit.limit_invalid": "每页条数应为 1 至 500。",
    "problem.audit.too_many_grants": "范围内授权过多，请按部门、信息资源或更短的区间筛选。",
    "problem.usage.bad_format": "下载格式应为 CSV 或 XLSX。",
    "problem.usage.bad_encoding": "CSV 编码应为 UTF-8、GBK 或 GB18030。",
    "problem.usage.bad_report": "报表应为用量或核对。",
    "problem.usage.encoding_unrepresentable": (
        "报表中有 GBK 无法表示的字符，请选择 GB18030 或 UTF-8。"
    ),
}

_EN: dict[str, str] = {
    "nav.audit": "Audit log",
    "nav.usage": "Usage",
    "audit.title": "Audit log",
    "audit.note": "The log records who did what and when, under which grant and purpose, how much "
    "was sent and its SHA-256 — never the shared data itself. Browsing is not recorded; "
    "downloading a report is.",
    "audit.chain_ok": "Audit chain intact: every hash link of {n} events verified.",
    "audit.chain_broken": "Audit chain BROKEN at event {id} ({damage}).",
    "audit.checkpoints": "{n} signed checkpoints verified, signed up to event {id}; {u} events "
    "since await the next signature.",
    "audit.no_checkpoint": "No checkpoint signed by a trusted key yet.",
    "audit.checked_at": "Last full check (Beijing time):",
    "audit.filters": "Filters",
    "audit.department": "Department",
    "audit.dataset": "Dataset",
    "audit.grant": "Grant",
    "audit.action": "Action",
    "audit.outcome": "Outcome",
    "audit.from": "From",
    "audit.to": "To",
    "audit.all": "All",
    "audit.apply": "Filter",
    "audit.clear": "Clear",
    "audit.id": "Seq.",
    "audit.time": "Time (UTC+8)",
    "audit.actor": "Actor",
    "audit.object": "Object",
    "audit.purpose": "Purpose",
    "audit.sent": "Sent",
    "audit.rows": "rows",
    "audit.bytes": "bytes",
    "audit.detail": "Detail",
    "audit.platform": "platform",
    "audit.empty": "No event matches.",
    "audit.older": "Older events",
    "audit.newest": "Back to the newest",
    "outcome.ok": "ok",
    "outcome.refused": "refused",
    "outcome.error": "error",
    "usage.title": "Usage and reconciliation",
    "usage.note": "Counted per Beijing day, week (from Monday) or month; a read is an audited "
    "event that sent data; verify and aggregate count as reads and bytes, not rows.",
    "usage.window": "Days",
    "usage.by": "Per",
    "usage.by_day": "day",
    "usage.by_week": "week",
    "usage.by_month": "month",
    "usage.reads": "Reads",
    "usage.rows": "Rows",
    "usage.bytes": "Bytes",
    "usage.refused": "Refused",
    "usage.chart_period": "Rows sent per period",
    "usage.chart_department": "Rows sent per department",
    "usage.chart_dataset": "Rows sent per dataset",
    "usage.chart_findings": "Reconciliation findings (grants)",
    "usage.lines": "Usage",
    "usage.period": "Period",
    "usage.modes": "Modes",
    "usage.accounts": "Accounts",
    "usage.empty": "No reads in these days.",
    "usage.download": "Download",
    "usage.download_note": "Downloads are recorded in the audit log (with the file's SHA-256).",
    "usage.csv": "CSV (UTF-8)",
    "usage.csv_gbk": "CSV (GB18030)",
    "usage.xlsx": "Excel (XLSX)",
    "recon.title": "Reconciliation",
    "recon.rules": "Rules: a day of at least 100 rows and 5 times the median of the grant's active "
    "days in the 30 before it (3 at least) is a spike; reads in the 7 days before expiry are "
    "near expiry; 90% of the quota is nearly used; columns and modes never used count over the "
    "grant's whole life.",
    "recon.state": "State",
    "recon.quota": "Quota used",
    "recon.never_read": "Columns never read",
    "recon.never_used": "Modes never used",
    "recon.spikes": "Spike days",
    "recon.near_expiry": "Near expiry",
    "recon.after_end": "After the end",
    "recon.last_read": "Last read",
    "recon.findings": "Findings",
    "recon.none": "none",
    "recon.empty": "No grant in scope.",
    "problem.role.auditor_required": "Only auditors may do this (the platform admin may also "
    "read the audit log and usage reports and verify the chain).",
    "problem.audit.bad_date": "A date is YYYY-MM-DD.",
    "problem.audit.range_invalid": "From must not be after to.",
    "problem.audit.range_too_long": "A usage report covers at most 366 days.",
    "problem.audit.unknown_department": "No department has that code.",
    "problem.audit.unknown_dataset": "No dataset has that code.",
    "problem.audit.unknown_grant": "No grant has that number.",
    "problem.audit.bad_period": "Per day, week or month.",
    "problem.audit.bad_action": "An action is a name (data.read) or a family (data.*).",
    "problem.audit.bad_outcome": "The outcome is ok, refused or error.",
    "problem.audit.bad_cursor": "That page position is not valid.",
    "problem.audit.limit_invalid": "A page holds 1 to 500 events.",
    "problem.audit.too_many_grants": "Too many grants in scope: filter by department, dataset or "
    "fewer days.",
    "problem.usage.bad_format": "Download as CSV or XLSX.",
    "problem.usage.bad_encoding": "CSV is UTF-8, GBK or GB18030.",
    "problem.usage.bad_report": "The report is usage or reconciliation.",
    "problem.usage.encoding_unrepresentable": "The report has a character GBK cannot hold: "
    "choose GB18030 or UTF-8.",
}

for _lang, _messages in (("zh", _ZH), ("en", _EN)):
    labels = FINDING_LABELS["zh" if _lang == "zh" else "en"]
    _messages.update({f"finding.{code}": label for code, label in labels.items()})

AUDIT_MESSAGES: dict[str, dict[str, str]] = {"zh": _ZH, "en": _EN}
