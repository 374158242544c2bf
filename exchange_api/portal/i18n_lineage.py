"""The strings of the lineage page and the sentences of its refusal codes, in Chinese and
English. Merged into ``exchange_api.portal.i18n.MESSAGES``."""

from __future__ import annotations

__all__ = ["LINEAGE_MESSAGES"]

_ZH: dict[str, str] = {
    "nav.lineage": "数据血缘",
    "lineage.title": "数据血缘",
    "lineage.note": (
        "数据从哪里来、交付给了谁：落地的源文件（以 SHA-256 标识）经批次标准化、发布为数据湖表，"
        "再交付给各部门。审计人员可查看全部血缘；部门数据管理员只能查看本部门信息资源的血缘。"
    ),
    "lineage.node": "节点（信息资源编码或节点标识）",
    "lineage.direction": "方向",
    "lineage.up": "上游（来源）",
    "lineage.down": "下游（去向）",
    "lineage.depth": "层数",
    "lineage.show": "查看",
    "lineage.none": "该节点尚无血缘记录。",
    "lineage.truncated": "边数过多，仅显示前一部分。",
    "lineage.more": "另有 {n} 个未显示",
    "lineage.kind_file": "源文件",
    "lineage.kind_batch": "批次",
    "lineage.kind_dataset": "数据湖表",
    "lineage.kind_delivery": "交付",
    "lineage.edges": "血缘关系",
    "lineage.from": "来源",
    "lineage.to": "去向",
    "lineage.fields": "字段",
    "lineage.snapshot": "快照",
    "lineage.time": "时间",
    "problem.lineage.not_allowed": (
        "只有审计人员可查看全部血缘；部门数据管理员只能查看本部门信息资源的血缘。"
    ),
    "problem.lineage.bad_depth": "层数须为 1 至 10。",
    "problem.lineage.bad_node": (
        "节点须为信息资源编码，或 file:/batch:/delivery:/dataset: 开头的节点标识。"
    ),
    "problem.lineage.unknown_node": "没有该节点的血缘记录。",
}

_EN: dict[str, str] = {
    "nav.lineage": "Lineage",
    "lineage.title": "Data lineage",
    "lineage.note": (
        "Where data came from and who received it: landed files (named by SHA-256) standardised "
        "by batches, published as lake tables, then delivered to departments. Auditors see all "
        "lineage; a department's steward sees its own datasets' only."
    ),
    "lineage.node": "Node (dataset code or node key)",
    "lineage.direction": "Direction",
    "lineage.up": "Upstream (sources)",
    "lineage.down": "Downstream (recipients)",
    "lineage.depth": "Depth",
    "lineage.show": "Show",
    "lineage.none": "There is no lineage of this node yet.",
    "lineage.truncated": "Too many edges: only the first are shown.",
    "lineage.more": "{n} more not shown",
    "lineage.kind_file": "Landed file",
    "lineage.kind_batch": "Batch",
    "lineage.kind_dataset": "Lake table",
    "lineage.kind_delivery": "Delivery",
    "lineage.edges": "Edges",
    "lineage.from": "From",
    "lineage.to": "To",
    "lineage.fields": "Fields",
    "lineage.snapshot": "Snapshot",
    "lineage.time": "Time",
    "problem.lineage.not_allowed": (
        "Only auditors see all lineage; a steward sees its own department's datasets only."
    ),
    "problem.lineage.bad_depth": "Depth must be 1 to 10.",
    "problem.lineage.bad_node": (
        "A node is a dataset code, or a key starting file:, batch:, delivery: or dataset:."
    ),
    "problem.lineage.unknown_node": "There is no lineage of this node.",
}

LINEAGE_MESSAGES: dict[str, dict[str, str]] = {"zh": _ZH, "en": _EN}
