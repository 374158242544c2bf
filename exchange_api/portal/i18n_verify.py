"""The strings of the verify (核验) page, and the sentences of the verify and aggregate refusal
codes, in Chinese and English. Merged into ``exchange_api.portal.i18n.MESSAGES``."""

from __future__ import annotations

__all__ = ["VERIFY_MESSAGES"]

_ZH: dict[str, str] = {
    "verify.title": "数据核验",
    "verify.link": "核验",
    "verify.note": (
        "提交的记录与共享数据比对：每条只显示一致、未找到或哪些字段不一致，"
        "不显示任何已存储的值。每条记录计入一行配额，无论是否一致。"
    ),
    "verify.form": "核验记录",
    "verify.match_on": "查找依据",
    "verify.compare": "比对字段",
    "verify.one": "单条记录",
    "verify.batch": "小批量（CSV）",
    "verify.batch_hint": (
        "每行一条记录，字段顺序为“查找依据、比对字段”；首行可为字段名。"
        "最多 {n} 条。填写后忽略单条记录。"
    ),
    "verify.submit": "核验",
    "verify.results": "核验结果",
    "verify.key": "查找值",
    "verify.result": "结果",
    "verify.differing": "不一致字段",
    "verify.match": "一致",
    "verify.not_found": "未找到",
    "verify.differs": "不一致",
    "verify.no_fields": "此授权没有可核验的字段（脱敏字段须为授权的匹配字段）。",
    "verify.back": "返回我的授权",
    "problem.verify.fields_invalid": "查找依据与比对字段各须列出 1 至 20 个字段，且不得重复。",
    "problem.verify.batch_size": "每次核验 1 至 10,000 条记录（门户页面最多 100 条）。",
    "problem.verify.record_invalid": "记录的字段或取值不符合要求。",
    "problem.verify.input": "请提供记录或文件之一。",
    "problem.aggregate.invalid": "统计请求不符合要求：分组、计数与求和字段有误。",
    "problem.filter.invalid": "筛选条件不符合要求：字段、运算符或取值有误。",
    "problem.aggregate.too_many_groups": "分组过多，请减少分组字段或增加筛选条件。",
}

_EN: dict[str, str] = {
    "verify.title": "Verify records",
    "verify.link": "Verify",
    "verify.note": (
        "Submitted records are compared with the shared data: each shows only match, not found"
        " or which fields differ, never a stored value. Every record costs one row of quota, m"
        "atched or not."
    ),
    "verify.form": "Verify",
    "verify.match_on": "Find by",
    "verify.compare": "Compare",
    "verify.one": "One record",
    "verify.batch": "Small batch (CSV)",
    "verify.batch_hint": (
        "One record per line, fields in the order 'find by, compare'; the first line may name "
        "the fields. At most {n} records. When filled, the single record is ignored."
    ),
    "verify.submit": "Verify",
    "verify.results": "Results",
    "verify.key": "Looked up",
    "verify.result": "Result",
    "verify.differing": "Fields that differ",
    "verify.match": "match",
    "verify.not_found": "not found",
    "verify.differs": "differs",
    "verify.no_fields": (
        "This grant has no field to verify (a masked field must be one of its match keys)."
    ),
    "verify.back": "Back to my grants",
    "problem.verify.fields_invalid": "Find-by and compare each name 1 to 20 fields, none twice.",
    "problem.verify.batch_size": (
        "Verify 1 to 10,000 records per call (at most 100 on the portal page)."
    ),
    "problem.verify.record_invalid": "A record's fields or values are not as required.",
    "problem.verify.input": "Give records or a file, one of the two.",
    "problem.aggregate.invalid": (
        "The aggregate asks for something invalid: check its groups, counts and sums."
    ),
    "problem.filter.invalid": "A filter is invalid: check its field, operator and value.",
    "problem.aggregate.too_many_groups": "Too many groups: group by fewer fields or filter.",
}

VERIFY_MESSAGES: dict[str, dict[str, str]] = {"zh": _ZH, "en": _EN}
