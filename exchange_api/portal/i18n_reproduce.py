"""The strings of the auditor's reproduce-a-read page, and the sentences of its refusal codes, in
Chinese and English. Merged into ``exchange_api.portal.i18n.MESSAGES``."""

from __future__ import annotations

__all__ = ["REPRODUCE_MESSAGES"]

_ZH: dict[str, str] = {
    "reproduce.title": "重现数据读取",
    "reproduce.note": (
        "按审计记录中的访问计划（字段、脱敏、行过滤条件、排序与分页）在当时的数据快照上重新执行，"
        "并按原样序列化，核对其 SHA-256 与当时发送内容的记录是否一致。"
        "不使用当前的授权或数据合同；重现本身也记入审计日志。"
    ),
    "reproduce.event": "审计事件",
    "reproduce.action": "事件类型",
    "reproduce.occurred_at": "发生时间",
    "reproduce.department": "读取部门",
    "reproduce.dataset": "信息资源",
    "reproduce.grant": "授权",
    "reproduce.owner_read": "提供方自读（无授权）",
    "reproduce.purpose": "用途",
    "reproduce.snapshot": "数据快照",
    "reproduce.columns": "字段",
    "reproduce.masked": "脱敏字段",
    "reproduce.filters": "行过滤条件",
    "reproduce.no_filters": "无",
    "reproduce.format": "格式与编码",
    "reproduce.recorded": "记录的发送内容",
    "reproduce.replayed": "重现结果",
    "reproduce.sha256": "SHA-256",
    "reproduce.rows": "行数",
    "reproduce.bytes": "字节数",
    "reproduce.submit": "重现并核对",
    "reproduce.verdict": "核对结论",
    "reproduce.verdict.match": "一致：重现内容与当时发送的完全相同",
    "reproduce.verdict.mismatch": "不一致：重现内容与记录不符",
    "reproduce.verdict.unordered": (
        "无法逐字节核对：该文件按多线程顺序写出，已重现相同行数，但行序无法重现"
    ),
    "reproduce.tampered": "警告：该审计事件已与其哈希链不符（记录被改动）。",
    "reproduce.audit_event": "本次重现的审计事件",
    "reproduce.preview": "重现内容（前 {n} 行）",
    "reproduce.no_preview": (
        "该记录为批量文件，页面不显示其内容；"
        "请用 zhongtai audit reproduce --out 或接口 …/reproduce/content 获取重现文件。"
    ),
    "reproduce.empty": "该次读取没有发送任何行。",
    "reproduce.change": "变更",
    "reproduce.lookup": "按事件编号重现",
    "reproduce.lookup_field": "审计事件编号",
    "reproduce.go": "打开",
    "action.data.read": "数据查询",
    "action.data.bulk_delivered": "批量下载",
    "action.data.changes_read": "变更读取",
    "action.data.aggregated": "统计汇总",
    "problem.audit.event_not_found": "没有该编号的审计事件。",
    "problem.audit.not_a_read": "该审计事件不是一次数据读取，无法重现。",
    "problem.audit.not_replayable": (
        "该读取无法重现（核验请求的记录不予保存，或记录早于访问计划的保存）。"
    ),
    "problem.audit.snapshot_expired": "该读取所用的数据快照已从数据湖中清除，无法重现。",
    "problem.audit.dataset_gone": "该读取的信息资源已不在目录中。",
    "problem.audit.record_invalid": "该审计记录无法解析，可能已被改动。",
}

_EN: dict[str, str] = {
    "reproduce.title": "Reproduce a read",
    "reproduce.note": (
        "The access plan in the audit record (columns, masks, row filter, order and page) is run "
        "again on the data snapshot of the time and serialised as it was, and its SHA-256 is "
        "compared with the record of what was sent. Today's grant and contract are not used; "
        "the replay itself is audited."
    ),
    "reproduce.event": "Audit event",
    "reproduce.action": "Event",
    "reproduce.occurred_at": "When",
    "reproduce.department": "Read by",
    "reproduce.dataset": "Dataset",
    "reproduce.grant": "Grant",
    "reproduce.owner_read": "the owner's own read (no grant)",
    "reproduce.purpose": "Purpose",
    "reproduce.snapshot": "Snapshot",
    "reproduce.columns": "Columns",
    "reproduce.masked": "Masked",
    "reproduce.filters": "Row filter",
    "reproduce.no_filters": "none",
    "reproduce.format": "Format and encoding",
    "reproduce.recorded": "Recorded as sent",
    "reproduce.replayed": "Replayed",
    "reproduce.sha256": "SHA-256",
    "reproduce.rows": "Rows",
    "reproduce.bytes": "Bytes",
    "reproduce.submit": "Reproduce and compare",
    "reproduce.verdict": "Verdict",
    "reproduce.verdict.match": "Match: the replay is byte for byte what was sent",
    "reproduce.verdict.mismatch": "Mismatch: the replay differs from the record",
    "reproduce.verdict.unordered": (
        "Cannot compare byte for byte: the file was written in thread order; the same number "
        "of rows was replayed, but not their order"
    ),
    "reproduce.tampered": "Warning: this audit event no longer matches its hash chain (edited).",
    "reproduce.audit_event": "This replay's audit event",
    "reproduce.preview": "Replayed content (first {n} rows)",
    "reproduce.no_preview": (
        "This record is a bulk file; the page does not show it. Get the replayed file with "
        "zhongtai audit reproduce --out, or the API's …/reproduce/content."
    ),
    "reproduce.empty": "This read sent no row.",
    "reproduce.change": "Change",
    "reproduce.lookup": "Reproduce by event number",
    "reproduce.lookup_field": "Audit event number",
    "reproduce.go": "Open",
    "action.data.read": "query",
    "action.data.bulk_delivered": "bulk download",
    "action.data.changes_read": "changes",
    "action.data.aggregated": "aggregate",
    "problem.audit.event_not_found": "There is no audit event with that number.",
    "problem.audit.not_a_read": "That audit event is not a read of data: it cannot be replayed.",
    "problem.audit.not_replayable": (
        "That read cannot be replayed (a verification's records are never kept, or it was "
        "recorded before reads kept their plan)."
    ),
    "problem.audit.snapshot_expired": (
        "The snapshot that read used has been expired from the lake: it cannot be replayed."
    ),
    "problem.audit.dataset_gone": "The dataset that read was of is no longer catalogued.",
    "problem.audit.record_invalid": "The audit record does not parse: it may have been edited.",
}

REPRODUCE_MESSAGES: dict[str, dict[str, str]] = {"zh": _ZH, "en": _EN}
