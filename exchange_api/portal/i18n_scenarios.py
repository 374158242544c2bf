"""The scenario requests' pages (应用场景, ``exchange_api.portal.scenario_pages`` and
``scenario_data_pages``) in Chinese and English; merged into ``exchange_api.portal.i18n``."""

from __future__ import annotations

__all__ = ["SCENARIO_MESSAGES"]

_ZH: dict[str, str] = {
    "nav.scenarios": "应用场景",
    "scen.title": "应用场景",
    "scen.note": "一个应用场景以同一用途和法定职责申请多项资源，按关联字段联合使用；"
    "每项其他单位的资源作为一件共享申请，由其提供方分别审批。",
    "scen.list": "可查看的应用场景",
    "scen.empty": "暂无可查看的应用场景。",
    "scen.requester": "申请单位",
    "scen.join_field": "关联字段",
    "scen.anchor": "本单位资源",
    "scen.anchor_hint": "申请单位自有的资源，按提供方身份读取，无需申请。",
    "scen.status.pending": "审批中",
    "scen.status.live": "已生效",
    "scen.status.closed": "已关闭",
    "scen.file": "提出应用场景申请",
    "scen.file_hint": "勾选每项资源所需的字段；勾选了字段的资源即为场景成员，"
    "关联字段自动加入每项资源。"
    "全部成员一并提交：任一项被拒绝，整个场景不予提交。",
    "scen.join_hint": "各资源据以关联的字段（通常为公民身份号码）。",
    "scen.field_title": "场景名称",
    "scen.submit": "提交应用场景申请",
    "scen.error": "应用场景未能提交",
    "scen.one": "应用场景",
    "scen.members": "成员资源",
    "scen.granted": "批准的授权",
    "scen.decide": "前往待审批办理",
    "scen.follow": "查看该申请",
    "scen.read": "查看联合视图",
    "scen.left_out": "未纳入联合视图的资源",
    "scen.left_out_hint": "被拒绝、撤回或批准时未含关联字段的成员不参与联合。",
    "scen.data": "联合视图",
    "scen.data_note": "各列按其授权脱敏；列名为“资源.字段”。每次读取均记入审计并计入各授权的配额。",
    "scen.download": "下载本页：",
    "scen.format.ndjson": "NDJSON（每行一条 JSON）",
    "scen.format.json": "JSON",
    "scen.back": "返回应用场景",
}

_EN: dict[str, str] = {
    "nav.scenarios": "Scenarios",
    "scen.title": "Scenario requests",
    "scen.note": "A scenario asks for several datasets under one purpose and legal duty, joined on "
    "one field; each dataset of another department is an ordinary share request, decided by its "
    "owner.",
    "scen.list": "Scenarios you may see",
    "scen.empty": "There are no scenarios you may see.",
    "scen.requester": "Requesting department",
    "scen.join_field": "Join field",
    "scen.anchor": "own dataset",
    "scen.anchor_hint": "The requesting department's own dataset, read as its owner reads it; "
    "no request needed.",
    "scen.status.pending": "pending",
    "scen.status.live": "live",
    "scen.status.closed": "closed",
    "scen.file": "File a scenario request",
    "scen.file_hint": "Tick the fields wanted from each dataset; a dataset with a field ticked is "
    "a member, and the join field is added to every member. All members are filed together: if one "
    "is refused, nothing is filed.",
    "scen.join_hint": "The field the datasets are joined on (usually the citizen ID).",
    "scen.field_title": "Title",
    "scen.submit": "File the scenario",
    "scen.error": "The scenario was not filed",
    "scen.one": "Scenario",
    "scen.members": "Members",
    "scen.granted": "Grant",
    "scen.decide": "Decide it in the inbox",
    "scen.follow": "Follow the request",
    "scen.read": "Open the joined view",
    "scen.left_out": "Left out of the joined view",
    "scen.left_out_hint": "A member refused, withdrawn or granted without the join field takes no "
    "part in the join.",
    "scen.data": "Joined view",
    "scen.data_note": "Each column is masked as its grant says; headers are dataset.field. Every "
    "read is audited and counted against each member grant's quota.",
    "scen.download": "Download this page:",
    "scen.format.ndjson": "NDJSON (one JSON row a line)",
    "scen.format.json": "JSON",
    "scen.back": "Back to the scenario",
}

SCENARIO_MESSAGES: dict[str, dict[str, str]] = {"zh": _ZH, "en": _EN}
