"""The strings of the subscription pages, in Chinese and English, merged into
``exchange_api.portal.i18n.MESSAGES``: page text (``sub.*``), delivery states looked up by value
(``sub.status.<DeliveryStatus>``, ``sub.kind.<TargetKind>``) and the sentence of every refusal
the subscription acts can meet (``problem.<code>``)."""

from __future__ import annotations

__all__ = ["SUBSCRIPTION_MESSAGES"]

_ZH: dict[str, str] = {
    "sub.link": "订阅与投递",
    "sub.title": "订阅",
    "sub.all_title": "我的订阅",
    "sub.all_link": "本单位全部订阅",
    "sub.hint": (
        "每当提供方发布新的数据快照，平台按本授权将脱敏后的数据投递一次：写入本单位的投递"
        "目录，或以 HMAC 签名通知 Webhook。每次投递附清单（文件、行数、SH"
        "A-256），计入配额并记入审计日志。"
    ),
    "sub.empty": "尚无订阅。",
    "sub.create": "新建订阅",
    "sub.kind": "投递方式",
    "sub.kind.folder": "投递目录",
    "sub.kind.webhook": "Webhook 通知",
    "sub.target": "目录名或 URL",
    "sub.target_hint": (
        "目录名为本单位投递目录下的相对路径；Webhook 须为 https 地址（或管理员允许的主机）。"
    ),
    "sub.format": "文件格式",
    "sub.submit": "订阅",
    "sub.cancel": "取消订阅",
    "sub.cancel_reason": "取消原因",
    "sub.cancelled": "已取消",
    "sub.live": "生效中",
    "sub.created": "订阅已建立",
    "sub.secret": "Webhook 签名密钥（仅显示这一次，请立即妥善保存）：",
    "sub.secret_hint": "验证方法：X-Zhongtai-Signature = sha256=HMAC-SHA256(密钥, 请求体)。",
    "sub.grant": "授权",
    "sub.dataset": "信息资源",
    "sub.deliveries": "投递记录",
    "sub.no_deliveries": "尚无投递。",
    "sub.snapshot": "快照",
    "sub.state": "状态",
    "sub.rows": "行数",
    "sub.attempts": "尝试次数",
    "sub.when": "投递时间",
    "sub.error": "原因",
    "sub.download": "下载文件",
    "sub.status.pending": "待投递",
    "sub.status.delivered": "已投递",
    "sub.status.failed": "未投递",
    "problem.subscription.not_found": "没有该订阅，或您无权查看。",
    "problem.subscription.not_grantee": "只有持有该授权单位的使用方可以订阅或下载投递文件。",
    "problem.subscription.not_requester": "只有订阅单位的使用方或平台管理员可以取消订阅。",
    "problem.subscription.bad_target": (
        "投递目标不被允许：目录必须位于本单位投递目录内，Webhook 必须为 https 公网地址或"
        "管理员允许的主机。"
    ),
    "problem.subscription.invalid": (
        "订阅参数无效：投递方式为目录或 Webhook，格式为 parquet 或 csv。"
    ),
    "problem.subscription.duplicate": "该授权已有投递到同一目标的订阅。",
    "problem.subscription.already_cancelled": "该订阅已取消。",
    "problem.delivery.not_found": "没有该投递记录。",
    "problem.delivery.not_delivered": "该投递尚未完成，没有可下载的文件。",
    "problem.delivery.no_file": "该投递没有文件。",
    "problem.delivery.file_changed": "投递文件已被改动或删除，与清单不符，平台拒绝提供。",
}

_EN: dict[str, str] = {
    "sub.link": "Subscriptions and deliveries",
    "sub.title": "Subscriptions",
    "sub.all_title": "My subscriptions",
    "sub.all_link": "All of my department's subscriptions",
    "sub.hint": (
        "Each time the provider publishes a new snapshot, the platform delivers the rows "
        "this grant allows, masked, once: into your department's drop folder, or "
        "announced to a webhook signed with HMAC. Every delivery carries a manifest "
        "(files, rows, SHA-256), uses quota and is audited."
    ),
    "sub.empty": "No subscription yet.",
    "sub.create": "New subscription",
    "sub.kind": "Delivered to",
    "sub.kind.folder": "Drop folder",
    "sub.kind.webhook": "Webhook",
    "sub.target": "Folder name or URL",
    "sub.target_hint": (
        "A folder is a relative path inside your department's drop folder; a webhook "
        "must be https (or a host the admin allowed)."
    ),
    "sub.format": "File format",
    "sub.submit": "Subscribe",
    "sub.cancel": "Cancel subscription",
    "sub.cancel_reason": "Reason",
    "sub.cancelled": "Cancelled",
    "sub.live": "Active",
    "sub.created": "Subscription created",
    "sub.secret": "The webhook signing secret (shown this once only; store it now):",
    "sub.secret_hint": "Verify: X-Zhongtai-Signature = sha256=HMAC-SHA256(secret, body).",
    "sub.grant": "Grant",
    "sub.dataset": "Dataset",
    "sub.deliveries": "Deliveries",
    "sub.no_deliveries": "No delivery yet.",
    "sub.snapshot": "Snapshot",
    "sub.state": "State",
    "sub.rows": "Rows",
    "sub.attempts": "Attempts",
    "sub.when": "Delivered at",
    "sub.error": "Reason",
    "sub.download": "Download file",
    "sub.status.pending": "Pending",
    "sub.status.delivered": "Delivered",
    "sub.status.failed": "Not delivered",
    "problem.subscription.not_found": "There is no such subscription, or you may not see it.",
    "problem.subscription.not_grantee": (
        "Only a requester of the department holding the grant may subscribe or download deliveries."
    ),
    "problem.subscription.not_requester": (
        "Only a requester of the subscribing department, or an admin, may cancel it."
    ),
    "problem.subscription.bad_target": (
        "That target is not allowed: a folder must lie inside your department's drop "
        "folder; a webhook must be https to a public address or a host the admin allowed."
    ),
    "problem.subscription.invalid": (
        "Invalid subscription: delivered to a folder or a webhook, as parquet or csv."
    ),
    "problem.subscription.duplicate": "This grant is already delivered to that target.",
    "problem.subscription.already_cancelled": "This subscription is already cancelled.",
    "problem.delivery.not_found": "There is no such delivery.",
    "problem.delivery.not_delivered": (
        "This delivery is not complete; there is no file to download."
    ),
    "problem.delivery.no_file": "This delivery has no file.",
    "problem.delivery.file_changed": (
        "The delivered file was changed or removed and no longer matches its manifest; "
        "it is not handed over."
    ),
}

SUBSCRIPTION_MESSAGES: dict[str, dict[str, str]] = {"zh": _ZH, "en": _EN}
