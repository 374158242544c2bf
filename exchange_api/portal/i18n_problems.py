"""What a portal error page says, in Chinese and English: a title per HTTP status, and a sentence
per stable problem code the exchange pages meet (``problem.<code>``).

Merged into ``exchange_api.portal.i18n.MESSAGES``. A code without a sentence here is shown with
its status's sentence (``forms.problem_text``); the code itself is always on the page, and an
English page adds the error's own message (written for people, never quoting data values).
"""

from __future__ import annotations

__all__ = ["PROBLEM_MESSAGES"]

_ZH: dict[str, str] = {
    "error.400": "请求有误",
    "error.401": "需要登录",
    "error.403": "操作被拒绝",
    "error.404": "未找到",
    "error.409": "与当前状态冲突",
    "error.413": "提交内容过大",
    "error.422": "填写内容有误",
    "error.429": "请求过于频繁",
    "error.500": "内部错误",
    "error.503": "服务暂不可用",
    "problem.csrf.invalid": "表单校验失败：该表单不是从本门户页面提交的，或登录已变更。"
    "请刷新页面后重新提交。",
    "problem.form.invalid": "表单中有不符合要求的内容。",
    "problem.form.required": "请填写必填项。",
    "problem.request.not_found": "没有该共享申请，或您无权查看。",
    "problem.grant.not_found": "没有该授权，或您无权查看。",
    "problem.objection.not_found": "没有该异议，或您无权查看。",
    "problem.dataset.not_found": "没有该信息资源。",
    "problem.request.not_owner": "只有该资源提供方的发布人员可以审批此申请。",
    "problem.scenario.not_found": "没有该应用场景，或您无权查看。",
    "problem.scenario.not_live": "该应用场景尚有资源提供方未作出决定，暂不能读取联合视图。",
    "problem.scenario.not_requester": "只有提出该应用场景的单位的申请人员可以读取联合视图。",
    "problem.scenario.no_title": "应用场景须有名称。",
    "problem.scenario.no_join": "请选择各资源据以关联的字段。",
    "problem.scenario.invalid_members": "应用场景须关联 2 至 12 项资源，"
    "其中至多一项为本单位资源，且至少一项为其他单位资源。",
    "problem.scenario.duplicate_dataset": "同一资源选择了两次。",
    "problem.scenario.join_field_missing": "所选资源中有一项没有关联字段。",
    "problem.scenario.unknown_member": "该资源不在应用场景中。",
    "problem.request.not_requester": "只有申请单位的申请人员可以办理此操作。",
    "problem.grant.not_owner": "只有该资源提供方的发布人员可以撤销授权。",
    "problem.grant.not_grantee": "只有持有该授权单位的申请人员可以申请续期。",
    "problem.role.requester_required": "该操作需要申请人员角色。",
    "problem.request.own_dataset": "不能申请本单位自己的资源。",
    "problem.request.already_decided": "该申请已办结，不能再次办理。",
    "problem.request.expired": "该申请要求的使用期限已过，不能批准。",
    "problem.request.no_purpose": "共享申请必须说明用途。",
    "problem.request.no_fields": "请至少选择一个字段。",
    "problem.request.unknown_field": "所选字段不属于该资源。",
    "problem.request.duplicate_field": "同一字段选择了两次。",
    "problem.request.invalid_access_mode": "使用方式无效。",
    "problem.request.no_modes": "请至少选择一种使用方式。",
    "problem.request.invalid_match_field": "精确比对字段必须是所申请的脱敏字段。",
    "problem.request.invalid_quota": "行数配额须为正整数。",
    "problem.request.invalid_expiry": "到期日无效或已过。",
    "problem.request.invalid_filter": "行范围条件与字段类型不符。",
    "problem.request.reason_required": "拒绝申请必须说明理由。",
    "problem.approval.not_narrower": "批准只能缩小申请范围，不能超出。",
    "problem.grant.reason_required": "撤销授权必须说明原因。",
    "problem.grant.already_revoked": "该授权已被撤销。",
    "problem.grant.revoked": "该授权已被撤销。",
    "problem.grant.expired": "该授权已到期。",
    "problem.grant.missing": "本单位没有该资源的有效授权。",
    "problem.grant.mode_not_allowed": "该授权不允许这种使用方式。",
    "problem.grant.outside_row_filter": "查询条件超出了授权的行范围（如其他区县的数据），"
    "已拒绝并记录。",
    "problem.request.outside_region": "该资源按行政区划回流，只能申请本单位所辖区域的数据。",
    "problem.grant.invalid": "该授权的行范围已与资源不符，暂停使用，请联系提供方。",
    "problem.quota.exceeded": "该授权的行数配额已用完。",
    "problem.dataset.not_shared": "该资源不予共享。",
    "problem.dataset.not_published": "该资源尚未发布数据。",
    "problem.field.masked": "脱敏字段只能按授权的精确比对字段逐条比对。",
    "problem.field.unknown": "字段不属于该资源。",
    "problem.field.not_granted": "字段不在授权范围内。",
    "problem.objection.reason_required": "异议必须说明理由。",
    "problem.objection.answer_required": "答复异议必须填写答复意见。",
    "problem.objection.not_refused": "只能对被拒绝的申请提出异议。",
    "problem.objection.already_open": "该申请已有待答复的异议。",
    "problem.objection.already_answered": "该异议已答复。",
    "problem.field.empty": "没有可读取的字段。",
    "problem.limit.invalid": "分页参数超出范围。",
    "problem.grant.ambiguous": "本单位持有该资源的多个有效授权，请从“我的授权”中选择其一。",
    "problem.request.invalid_replaces": "续期所指的授权不是本单位在该资源上的有效授权。",
    "problem.auth.locked": "该地址无效尝试过多，已被暂时锁定，请稍后再试。",
    "problem.rate.limited": "请求过于频繁，请稍后再试。",
    "problem.key.missing": "所需密钥（脱敏或审计签名）不可用，暂不能办理。",
}

_EN: dict[str, str] = {
    "error.400": "Bad request",
    "error.401": "Sign-in required",
    "error.403": "Refused",
    "error.404": "Not found",
    "error.409": "Conflict with the current state",
    "error.413": "Too large",
    "error.422": "Invalid form",
    "error.429": "Too many requests",
    "error.500": "Internal error",
    "error.503": "Service unavailable",
    "problem.csrf.invalid": "The form was refused: it was not sent from this portal's own page, "
    "or the sign-in has changed. Reload the page and send it again.",
    "problem.form.invalid": "Part of the form is not valid.",
    "problem.form.required": "Fill in the required fields.",
    "problem.request.not_found": "There is no such share request, or you may not see it.",
    "problem.grant.not_found": "There is no such grant, or you may not see it.",
    "problem.objection.not_found": "There is no such objection, or you may not see it.",
    "problem.dataset.not_found": "There is no such dataset.",
    "problem.request.not_owner": "Only a publisher of the dataset's owner may decide this request.",
    "problem.scenario.not_found": "There is no such scenario request, or you may not see it.",
    "problem.scenario.not_live": "Some owner has not decided its part yet: the joined view is "
    "not readable.",
    "problem.scenario.not_requester": "Only a requester of the department that filed the "
    "scenario may read its joined view.",
    "problem.scenario.no_title": "A scenario needs a title.",
    "problem.scenario.no_join": "Choose the field the datasets are joined on.",
    "problem.scenario.invalid_members": "A scenario joins 2 to 12 datasets: at most one of your "
    "own department's, and at least one of another department's.",
    "problem.scenario.duplicate_dataset": "A dataset is chosen twice.",
    "problem.scenario.join_field_missing": "One of the datasets chosen has no join field.",
    "problem.scenario.unknown_member": "That dataset is not a member of the scenario.",
    "problem.request.not_requester": "Only a requester of the department that filed the request "
    "may do this.",
    "problem.grant.not_owner": "Only a publisher of the dataset's owner may revoke its grants.",
    "problem.grant.not_grantee": "Only a requester of the department holding the grant may ask "
    "to renew it.",
    "problem.role.requester_required": "This needs the requester role.",
    "problem.request.own_dataset": "A department cannot request its own dataset.",
    "problem.request.already_decided": "The request is already closed.",
    "problem.request.expired": "The access the request asked for has already expired.",
    "problem.request.no_purpose": "A share request must state its purpose.",
    "problem.request.no_fields": "Choose at least one field.",
    "problem.request.unknown_field": "A chosen field is not a field of this dataset.",
    "problem.request.duplicate_field": "A field was chosen twice.",
    "problem.request.invalid_access_mode": "That access mode does not exist.",
    "problem.request.no_modes": "Choose at least one access mode.",
    "problem.request.invalid_match_field": "A match key must be one of the requested fields, "
    "and a masked one.",
    "problem.request.invalid_quota": "A row quota is a positive whole number.",
    "problem.request.invalid_expiry": "The expiry date is not valid, or already past.",
    "problem.request.invalid_filter": "The row condition does not fit the field.",
    "problem.request.reason_required": "Refusing a request needs a reason.",
    "problem.approval.not_narrower": "An approval may only narrow the request, never widen it.",
    "problem.grant.reason_required": "Revoking a grant needs a reason.",
    "problem.grant.already_revoked": "The grant is already revoked.",
    "problem.grant.revoked": "The grant was revoked.",
    "problem.grant.expired": "The grant has expired.",
    "problem.grant.missing": "Your department holds no live grant on this dataset.",
    "problem.grant.mode_not_allowed": "The grant does not allow this access mode.",
    "problem.grant.outside_row_filter": "The filter asks for rows outside the grant's row "
    "filter (another division's rows, say); it was refused and recorded.",
    "problem.request.outside_region": "This dataset is returned to lower levels by region: a "
    "department may ask only for the rows of its own division.",
    "problem.grant.invalid": "The grant's row filter no longer fits the dataset; it is suspended "
    "until the owner acts.",
    "problem.quota.exceeded": "The grant's row quota is used up.",
    "problem.dataset.not_shared": "This dataset is not shared.",
    "problem.dataset.not_published": "No data of this dataset is published yet.",
    "problem.field.masked": "A masked field can only be matched, one exact value at a time, "
    "when the grant names it as a match key.",
    "problem.field.unknown": "That field is not a field of this dataset.",
    "problem.field.not_granted": "That field is not in the grant.",
    "problem.objection.reason_required": "An objection needs a reason.",
    "problem.objection.answer_required": "Answering an objection needs an answer.",
    "problem.objection.not_refused": "Only a refusal can be objected to.",
    "problem.objection.already_open": "The request already has an objection awaiting an answer.",
    "problem.objection.already_answered": "The objection was already answered.",
    "problem.field.empty": "No field is left to read.",
    "problem.limit.invalid": "The page asked for is out of range.",
    "problem.grant.ambiguous": "Your department holds several live grants on this dataset; "
    "choose one from My grants.",
    "problem.request.invalid_replaces": "The grant to renew is not a live grant of your "
    "department on this dataset.",
    "problem.auth.locked": "Too many failed attempts from this address; try again later.",
    "problem.rate.limited": "Too many requests; slow down and try again.",
    "problem.key.missing": "A key it needs (masking or audit signing) is unavailable, so this "
    "cannot be done now.",
}

PROBLEM_MESSAGES: dict[str, dict[str, str]] = {"zh": _ZH, "en": _EN}
