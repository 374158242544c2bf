"""The strings of the negative-list page (负面清单), and the sentences of its refusal codes, in
Chinese and English. Merged into ``exchange_api.portal.i18n.MESSAGES``."""

from __future__ import annotations

__all__ = ["NEGATIVE_MESSAGES"]

_ZH: dict[str, str] = {
    "nav.negative": "负面清单",
    "dsp.negative_dataset": "本资源已列入负面清单，不予共享。法律依据：",
    "dsp.negative_field": "负面清单",
    "negative.title": "负面清单",
    "negative.note": (
        "列入负面清单的数据集或字段不予共享：申请、审批和经已有授权的读取、核验、统计、批量下载、"
        "变更与订阅一律拒绝，并告知法律依据。数据集的提供部门仍可使用自己的数据。"
        "超过复核日期的条目继续有效，并标记为待复核。"
    ),
    "negative.dataset": "数据集",
    "negative.field": "字段",
    "negative.whole": "整个数据集",
    "negative.basis": "法律依据",
    "negative.review_date": "复核日期",
    "negative.due": "待复核",
    "negative.added": "列入时间",
    "negative.lifted": "已解除",
    "negative.lift_reason": "解除理由",
    "negative.empty": "负面清单为空。",
    "negative.add": "列入负面清单",
    "negative.field_hint": "字段名（留空则列入整个数据集）",
    "negative.submit": "列入",
    "negative.lift": "解除",
    "negative.lift_submit": "解除此条目",
    "negative.only_due": "只看待复核",
    "negative.show_lifted": "含已解除",
    "negative.filter": "筛选",
    "negative.all": "全部数据集",
    "problem.negative_list.field": (
        "该字段已列入负面清单，不予共享。请不要申请、读取或以其作筛选、匹配、分组。"
    ),
    "problem.negative_list.dataset": "该数据集已列入负面清单，不予共享。",
    "problem.negative_list.not_manager": (
        "只有数据集提供部门的发布人员或平台管理员可以维护其负面清单。"
    ),
    "problem.negative.basis_required": "请填写法律依据。",
    "problem.negative.invalid_review": "复核日期须为今天或以后的日期（YYYY-MM-DD）。",
    "problem.negative.unknown_field": "该数据集没有这个字段。",
    "problem.negative.already_listed": "该数据集或字段已在负面清单中。",
    "problem.negative.already_lifted": "该条目已解除。",
    "problem.negative.reason_required": "请填写解除理由。",
    "problem.negative.not_found": "没有这个负面清单条目。",
}

_EN: dict[str, str] = {
    "nav.negative": "Negative list",
    "dsp.negative_dataset": "This dataset is on the negative list and is not shared. Legal basis:",
    "dsp.negative_field": "Negative list",
    "negative.title": "Negative list",
    "negative.note": (
        "Datasets and fields on the negative list are not shared: requests, approvals, and reads,"
        " verification, aggregates, bulk downloads, changes and subscriptions through existing "
        "grants are refused, with the legal basis. The owner department still uses its own "
        "data. An entry past its review date stays in force and is marked as due for review."
    ),
    "negative.dataset": "Dataset",
    "negative.field": "Field",
    "negative.whole": "Whole dataset",
    "negative.basis": "Legal basis",
    "negative.review_date": "Review date",
    "negative.due": "Due for review",
    "negative.added": "Listed",
    "negative.lifted": "Lifted",
    "negative.lift_reason": "Reason lifted",
    "negative.empty": "The negative list is empty.",
    "negative.add": "Add to the negative list",
    "negative.field_hint": "Field name (empty: the whole dataset)",
    "negative.submit": "Add",
    "negative.lift": "Lift",
    "negative.lift_submit": "Lift this entry",
    "negative.only_due": "Due for review only",
    "negative.show_lifted": "Include lifted",
    "negative.filter": "Filter",
    "negative.all": "All datasets",
    "problem.negative_list.field": (
        "This field is on the negative list and is not shared: do not request, read, filter, "
        "match or group by it."
    ),
    "problem.negative_list.dataset": "This dataset is on the negative list and is not shared.",
    "problem.negative_list.not_manager": (
        "Only a publisher of the dataset's owner department, or an admin, keeps its entries."
    ),
    "problem.negative.basis_required": "Give the legal basis.",
    "problem.negative.invalid_review": "The review date is today or later (YYYY-MM-DD).",
    "problem.negative.unknown_field": "The dataset has no such field.",
    "problem.negative.already_listed": "The dataset or field is already on the negative list.",
    "problem.negative.already_lifted": "The entry was lifted already.",
    "problem.negative.reason_required": "Give the reason for lifting it.",
    "problem.negative.not_found": "There is no such negative-list entry.",
}

NEGATIVE_MESSAGES: dict[str, dict[str, str]] = {"zh": _ZH, "en": _EN}
