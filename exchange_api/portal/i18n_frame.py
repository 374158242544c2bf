"""Messages of the frame every page shares (the navigation's groups, the skip link) and of the
quality report's sign-off form, in Chinese and English."""

from __future__ import annotations

__all__ = ["FRAME_MESSAGES"]

_ZH: dict[str, str] = {
    "frame.skip": "跳到正文",
    "navgroup.catalog": "数据目录",
    "navgroup.use": "申请与使用",
    "navgroup.provide": "审批与提供",
    "navgroup.audit": "审计与血缘",
    "signoff.form_heading": "签核本报告",
    "signoff.note_label": "签核意见（可选）",
    "signoff.submit": "签核",
    "signoff.explain": "签核后，本报告绑定其快照；签核记入审计日志，不可撤回。",
}

_EN: dict[str, str] = {
    "frame.skip": "Skip to main content",
    "navgroup.catalog": "Data catalog",
    "navgroup.use": "Requests and use",
    "navgroup.provide": "Approvals and supply",
    "navgroup.audit": "Audit and lineage",
    "signoff.form_heading": "Sign this report off",
    "signoff.note_label": "Note (optional)",
    "signoff.submit": "Sign off",
    "signoff.explain": "Signing off binds this report to its snapshot; the sign-off is recorded "
    "in the audit log and cannot be undone.",
}

FRAME_MESSAGES: dict[str, dict[str, str]] = {"zh": _ZH, "en": _EN}
