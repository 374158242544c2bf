"""The strings of the responsibility-list and demand-list pages (``lists.*``, ``resp.*``,
``demand.*``), the labels of update cycles and demand states looked up by value
(``cycle.<value>``, ``demand.status.<DemandStatus>``) and the sentence of every refusal their
acts can meet (``problem.<code>``), in Chinese and English. Merged into
``exchange_api.portal.i18n.MESSAGES``."""

from __future__ import annotations

__all__ = ["LIST_MESSAGES"]

_ZH: dict[str, str] = {
    "nav.lists": "三张清单",
    "lists.responsibilities": "责任清单",
    "lists.demands": "需求清单",
    "lists.negative": "负面清单",
    "lists.department": "部门",
    "lists.all_departments": "全部部门",
    "lists.filter": "筛选",
    "lists.created": "登记时间",
    "lists.dataset": "信息资源",
    "lists.none": "—",
    "lists.reason": "理由",
    "lists.public_note": (
        "责任清单在平台内公开；需求清单公开标题、需求部门、状态和匹配的信息资源，应用场景、"
        "法定职责和所需字段仅需求部门、被匹配资源的提供方、审计人员和平台管理员可见。"
    ),
    "resp.title": "责任清单",
    "resp.note": "各部门应当提供的数据、更新周期和最低质量要求，以及履行该责任的信息资源。",
    "resp.empty": "清单中没有责任事项。",
    "resp.item": "责任事项",
    "resp.duty": "应提供的数据",
    "resp.legal_basis": "法律依据",
    "resp.cycle": "更新周期",
    "resp.min_score": "最低质量得分",
    "resp.linked": "履责信息资源",
    "resp.not_linked": "尚未关联",
    "resp.retired": "已废止",
    "resp.show_retired": "包括已废止事项",
    "resp.add": "新增责任事项",
    "resp.title_zh": "名称（中文）",
    "resp.title_en": "名称（英文，可选）",
    "resp.submit_add": "新增",
    "resp.link": "关联信息资源",
    "resp.submit_link": "关联",
    "resp.retire": "废止",
    "resp.submit_retire": "废止该事项",
    "demand.title": "需求清单",
    "demand.note": "各部门提出的数据需求、应用场景和法定职责，匹配的信息资源及办理状态。",
    "demand.empty": "清单中没有需求。",
    "demand.item": "需求",
    "demand.requester": "需求部门",
    "demand.name": "需求名称",
    "demand.scenario": "应用场景",
    "demand.legal_duty": "法定职责",
    "demand.fields": "所需字段",
    "demand.fields_hint": "每行一个，或用逗号、顿号分隔。",
    "demand.status": "状态",
    "demand.all_states": "全部状态",
    "demand.status.open": "待匹配",
    "demand.status.matched": "已匹配",
    "demand.status.requested": "已申请",
    "demand.status.fulfilled": "已满足",
    "demand.status.declined": "未能满足",
    "demand.restricted": "详情仅需求部门、提供方、审计人员和平台管理员可见。",
    "demand.request": "共享申请",
    "demand.file": "提出需求",
    "demand.submit_file": "提交需求",
    "demand.match": "匹配信息资源",
    "demand.candidates": "候选信息资源",
    "demand.other_code": "或输入信息资源编码",
    "demand.submit_match": "匹配",
    "demand.record_request": "登记共享申请",
    "demand.no_requests": "本部门尚无针对该信息资源的有效共享申请，请先在目录中提交申请。",
    "demand.submit_request": "登记",
    "demand.fulfil": "确认已满足",
    "demand.decline": "不予满足",
    "demand.submit_decline": "提交",
    "demand.declined_because": "未能满足的理由",
    "cycle.realtime": "实时",
    "cycle.daily": "每日",
    "cycle.weekly": "每周",
    "cycle.monthly": "每月",
    "cycle.quarterly": "每季度",
    "cycle.yearly": "每年",
    "cycle.irregular": "不定期",
    "problem.responsibility.invalid": (
        "责任事项填写有误：名称不超过 200 字，内容和依据不超过 2000 字且不能为空，更新周期须为"
        "实时、每日、每周、每月、每季度、每年或不定期，最低质量得分须在 0 到 100 之间。"
    ),
    "problem.responsibility.not_found": "没有该责任事项。",
    "problem.responsibility.not_own_department": (
        "只有责任部门的提供方或数据管理员（或平台管理员）可以关联该责任事项。"
    ),
    "problem.responsibility.dataset_not_own": "责任事项只能由责任部门自己的信息资源履行。",
    "problem.responsibility.retired": "该责任事项已废止。",
    "problem.responsibility.already_linked": "该责任事项已关联到这一信息资源。",
    "problem.demand.invalid": (
        "需求填写有误：名称不超过 200 字，应用场景和法定职责不超过 2000 字且不能为空，所需字段"
        "最多 50 个、每个不超过 64 字。"
    ),
    "problem.demand.not_found": "没有该需求。",
    "problem.demand.not_own_department": "只能为本部门提出需求。",
    "problem.demand.not_requester": "只有需求部门的使用方（或平台管理员）可以办理此事项。",
    "problem.demand.not_owner": "只有被匹配信息资源的提供方（或平台管理员）可以办理此事项。",
    "problem.demand.not_party": "该需求的详情仅需求部门、提供方、审计人员和平台管理员可见。",
    "problem.demand.own_dataset": "需求只能匹配其他部门的信息资源。",
    "problem.demand.closed": "该需求已办结。",
    "problem.demand.wrong_status": "该需求当前的状态不能办理此事项。",
    "problem.demand.same": "该需求已匹配到这一信息资源。",
    "problem.demand.already_requested": "该需求已有办理中的共享申请。",
    "problem.demand.request_mismatch": "该共享申请不是本部门针对所匹配信息资源的申请。",
    "problem.demand.request_closed": "该共享申请已被拒绝或撤回。",
    "problem.demand.request_not_approved": "该需求的共享申请尚未批准。",
}

_EN: dict[str, str] = {
    "nav.lists": "The three lists",
    "lists.responsibilities": "Responsibility list",
    "lists.demands": "Demand list",
    "lists.negative": "Negative list",
    "lists.department": "Department",
    "lists.all_departments": "All departments",
    "lists.filter": "Filter",
    "lists.created": "Registered",
    "lists.dataset": "Dataset",
    "lists.none": "-",
    "lists.reason": "Reason",
    "lists.public_note": (
        "The responsibility list is public within the platform. Of the demand list, the title, "
        "requesting department, status and matched dataset are public; the scenario, legal duty "
        "and fields wanted are for the requesting department, the matched dataset's owner, "
        "auditors and admins."
    ),
    "resp.title": "Responsibility list",
    "resp.note": (
        "What each department must provide, how often and at what minimum quality, and the "
        "dataset that fulfils it."
    ),
    "resp.empty": "There are no responsibilities on the list.",
    "resp.item": "Responsibility",
    "resp.duty": "To provide",
    "resp.legal_basis": "Legal basis",
    "resp.cycle": "Update cycle",
    "resp.min_score": "Minimum quality score",
    "resp.linked": "Fulfilled by",
    "resp.not_linked": "not linked yet",
    "resp.retired": "retired",
    "resp.show_retired": "include retired items",
    "resp.add": "Add a responsibility",
    "resp.title_zh": "Title (Chinese)",
    "resp.title_en": "Title (English, optional)",
    "resp.submit_add": "Add",
    "resp.link": "Link a dataset",
    "resp.submit_link": "Link",
    "resp.retire": "Retire",
    "resp.submit_retire": "Retire it",
    "demand.title": "Demand list",
    "demand.note": (
        "What departments asked for, with the scenario and legal duty, the dataset matched and "
        "where each demand stands."
    ),
    "demand.empty": "There are no demands on the list.",
    "demand.item": "Demand",
    "demand.requester": "Requesting department",
    "demand.name": "Title",
    "demand.scenario": "Scenario",
    "demand.legal_duty": "Legal duty",
    "demand.fields": "Fields wanted",
    "demand.fields_hint": "One per line, or separated by commas.",
    "demand.status": "Status",
    "demand.all_states": "All states",
    "demand.status.open": "open",
    "demand.status.matched": "matched",
    "demand.status.requested": "requested",
    "demand.status.fulfilled": "fulfilled",
    "demand.status.declined": "declined",
    "demand.restricted": (
        "Details are for the requesting department, the dataset's owner, auditors and admins."
    ),
    "demand.request": "Share request",
    "demand.file": "File a demand",
    "demand.submit_file": "File",
    "demand.match": "Match a dataset",
    "demand.candidates": "Candidate datasets",
    "demand.other_code": "or type a dataset code",
    "demand.submit_match": "Match",
    "demand.record_request": "Record the share request",
    "demand.no_requests": (
        "Your department has no live share request for this dataset: file one from the catalog."
    ),
    "demand.submit_request": "Record",
    "demand.fulfil": "Mark fulfilled",
    "demand.decline": "Decline",
    "demand.submit_decline": "Decline",
    "demand.declined_because": "Declined because",
    "cycle.realtime": "real time",
    "cycle.daily": "daily",
    "cycle.weekly": "weekly",
    "cycle.monthly": "monthly",
    "cycle.quarterly": "quarterly",
    "cycle.yearly": "yearly",
    "cycle.irregular": "irregular",
    "problem.responsibility.invalid": (
        "The responsibility is not valid: a title of at most 200 characters, a duty and legal "
        "basis of at most 2,000 and not empty, a cycle from real time to irregular, and a "
        "minimum score from 0 to 100."
    ),
    "problem.responsibility.not_found": "There is no such responsibility.",
    "problem.responsibility.not_own_department": (
        "Only a publisher or steward of the responsible department (or an admin) links it."
    ),
    "problem.responsibility.dataset_not_own": (
        "A responsibility is fulfilled only by a dataset of the department that bears it."
    ),
    "problem.responsibility.retired": "This responsibility was retired.",
    "problem.responsibility.already_linked": "This responsibility is already linked to it.",
    "problem.demand.invalid": (
        "The demand is not valid: a title of at most 200 characters, a scenario and legal duty "
        "of at most 2,000 and not empty, at most 50 fields of 64 characters each."
    ),
    "problem.demand.not_found": "There is no such demand.",
    "problem.demand.not_own_department": "A demand is filed for your own department only.",
    "problem.demand.not_requester": (
        "Only a requester of the requesting department (or an admin) may do this."
    ),
    "problem.demand.not_owner": (
        "Only a publisher of the matched dataset's owner department (or an admin) may do this."
    ),
    "problem.demand.not_party": (
        "A demand's details are for its department, the dataset's owner, auditors and admins."
    ),
    "problem.demand.own_dataset": "A demand is matched to another department's dataset.",
    "problem.demand.closed": "This demand is closed.",
    "problem.demand.wrong_status": "This demand's state does not allow that.",
    "problem.demand.same": "This demand is already matched to that dataset.",
    "problem.demand.already_requested": "This demand already has a share request under way.",
    "problem.demand.request_mismatch": (
        "That is not your department's share request for the matched dataset."
    ),
    "problem.demand.request_closed": "That share request was refused or withdrawn.",
    "problem.demand.request_not_approved": "This demand's share request is not approved yet.",
}

LIST_MESSAGES: dict[str, dict[str, str]] = {"zh": _ZH, "en": _EN}
