"""The strings of the contract page (登记与修订信息资源) and the sentences of its refusal codes,
in Chinese and English. Merged into ``exchange_api.portal.i18n.MESSAGES``."""

from __future__ import annotations

__all__ = ["CONTRACT_MESSAGES"]

_ZH: dict[str, str] = {
    "nav.contracts": "登记资源",
    "contracts.title": "登记与修订信息资源",
    "contracts.note": (
        "粘贴或上传信息资源的契约（YAML，UTF-8）。先预览：若资源已登记，将列出本次修订删除、"
        "改型的字段、共享类型的变化，以及受影响的现有授权；确认后立即生效并记入审计日志。"
    ),
    "contracts.paste": "契约内容（YAML）",
    "contracts.upload": "或上传契约文件",
    "contracts.preview": "预览",
    "contracts.new": "新资源：确认后登记为第 1 版，并按规则生成信息资源代码。",
    "contracts.version": "版本",
    "contracts.field": "字段",
    "contracts.field_title": "中文名称",
    "contracts.data_type": "数据类型",
    "contracts.affected": "受影响的授权",
    "contracts.none_affected": "本次修订不影响任何现有授权。",
    "contracts.grant": "授权编号",
    "contracts.effect": "处理",
    "contracts.effect.narrowed": "收窄（删去字段）",
    "contracts.effect.revoked": "撤销",
    "contracts.dropped": "删去的字段",
    "contracts.reason": "原因",
    "contracts.register": "确认登记",
    "contracts.revise": "确认修订",
    "contracts.done": "已保存：",
    "contracts.resource_code": "信息资源代码",
    "contracts.applied": "已调整的授权数：",
    "contracts.another": "登记或修订另一项资源",
    "problem.contract.invalid": "契约格式不正确。",
    "problem.contract.legal_basis_required": (
        "有条件共享和不予共享的资源必须写明法律依据（share_basis）。"
    ),
    "problem.contract.share_conditions_required": (
        "有条件共享的资源必须写明共享条件（share_conditions）。"
    ),
    "problem.contract.open_conditions_required": (
        "有条件开放的资源必须写明开放条件（open_conditions）。"
    ),
    "problem.contract.yaml_alias": "契约中不允许使用 YAML 锚点和别名。",
    "problem.contract.not_utf8": "契约必须是 UTF-8 编码的文本。",
    "problem.contract.too_large": "契约超过 256 KiB。",
    "problem.contract.invalid_classification": "资源分类应为“类.项.目.细目”数字，如 2.01.003.001。",
    "problem.dataset.not_owner": "只有资源所属部门的提供方或数据管理员可以登记或修订该资源。",
    "problem.dataset.owner_change": "修订不能把资源转给其他部门，此操作仅限平台管理员。",
    "problem.dataset.exists": "该资源已登记，请修订。",
    "problem.dataset.resource_code_changed": "信息资源代码登记后不可更改。",
    "problem.department.not_found": "没有该部门（尚未登记）；契约的所属部门须由平台管理员先添加。",
}

_EN: dict[str, str] = {
    "nav.contracts": "Register data",
    "contracts.title": "Register or revise a dataset",
    "contracts.note": (
        "Paste or upload the dataset's contract (YAML, UTF-8). Preview first: for a registered "
        "dataset it lists the fields the revision removes or retypes, the share type before and "
        "after, and the live grants it affects; once confirmed it applies at once and is audited."
    ),
    "contracts.paste": "Contract (YAML)",
    "contracts.upload": "or upload the contract file",
    "contracts.preview": "Preview",
    "contracts.new": (
        "A new dataset: confirming registers version 1 and generates its resource code."
    ),
    "contracts.version": "Version",
    "contracts.field": "Field",
    "contracts.field_title": "Chinese title",
    "contracts.data_type": "Data type",
    "contracts.affected": "Grants affected",
    "contracts.none_affected": "This revision affects no live grant.",
    "contracts.grant": "Grant",
    "contracts.effect": "Effect",
    "contracts.effect.narrowed": "narrowed (fields dropped)",
    "contracts.effect.revoked": "revoked",
    "contracts.dropped": "Fields dropped",
    "contracts.reason": "Reason",
    "contracts.register": "Register",
    "contracts.revise": "Revise",
    "contracts.done": "Saved:",
    "contracts.resource_code": "resource code",
    "contracts.applied": "Grants adjusted:",
    "contracts.another": "Register or revise another dataset",
    "problem.contract.invalid": "The contract is malformed.",
    "problem.contract.legal_basis_required": (
        "Conditional and not-shared datasets need a legal basis (share_basis)."
    ),
    "problem.contract.share_conditions_required": "A conditional share needs its share_conditions.",
    "problem.contract.open_conditions_required": "Conditional opening needs its open_conditions.",
    "problem.contract.yaml_alias": "YAML anchors and aliases are not allowed in a contract.",
    "problem.contract.not_utf8": "A contract must be UTF-8 text.",
    "problem.contract.too_large": "The contract is over 256 KiB.",
    "problem.contract.invalid_classification": (
        "Classification is dotted digits, e.g. 2.01.003.001."
    ),
    "problem.dataset.not_owner": "Only a publisher or steward of the owner department may do this.",
    "problem.dataset.owner_change": "Moving a dataset to another department is for admins only.",
    "problem.dataset.exists": "This dataset is registered already; revise it.",
    "problem.dataset.resource_code_changed": "A resource code cannot change once registered.",
    "problem.department.not_found": (
        "There is no such department (not registered); an admin adds a contract's owner first."
    ),
}

CONTRACT_MESSAGES: dict[str, dict[str, str]] = {"zh": _ZH, "en": _EN}
