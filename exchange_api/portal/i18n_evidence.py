"""The strings of the auditor's evidence page and the sentences of its refusal codes, in Chinese
and English. Merged into ``exchange_api.portal.i18n.MESSAGES``."""

from __future__ import annotations

__all__ = ["EVIDENCE_MESSAGES"]

_ZH: dict[str, str] = {
    "nav.evidence": "证据包",
    "evidence.title": "审计证据包",
    "evidence.note": (
        "证据包是审计日志的一段完整副本（逐条事件及其哈希链、签名检查点、签名公钥与签名清单），"
        "可在离线环境中独立核验，无需信任平台的运维人员。导出本身记入审计日志，"
        "并记录清单与压缩包的 SHA-256。"
    ),
    "evidence.from": "起始日期（UTC）",
    "evidence.to": "截止日期（UTC）",
    "evidence.period_hint": "两端均含当日；不填则导出全部日志。",
    "evidence.submit": "导出证据包（ZIP）",
    "evidence.verify_title": "离线核验",
    "evidence.verify_note": (
        "在任一装有本平台命令行的计算机上，用您事先取得并妥善保管的平台公钥核验："
        "命令逐条重算哈希链、核对每个检查点的签名与清单签名，并指出第一处被改动的事件。"
    ),
    "evidence.keys": "签名密钥指纹（请与您持有的公钥比对）",
    "evidence.current_key": "（当前）",
    "evidence.no_key": "尚无审计签名密钥。",
    "evidence.past": "此前导出的证据包",
    "evidence.none_yet": "尚未导出过证据包。",
    "evidence.range": "事件范围",
    "evidence.period": "期间",
    "evidence.whole_log": "全部日志",
    "evidence.digests": "SHA-256",
    "evidence.manifest": "清单",
    "problem.evidence.bad_date": "日期格式应为 YYYY-MM-DD。",
    "problem.evidence.bad_period": "起始日期晚于截止日期。",
    "problem.evidence.empty": "该期间没有审计事件。",
    "problem.evidence.bad_archive": "该文件不是有效的证据包。",
}

_EN: dict[str, str] = {
    "nav.evidence": "Evidence",
    "evidence.title": "Audit evidence bundles",
    "evidence.note": (
        "An evidence bundle is a complete copy of a stretch of the audit log (every event with "
        "its hash chain, the signed checkpoints, the signing public keys and a signed manifest) "
        "that can be verified offline, without trusting the platform's operators. The export "
        "itself is recorded in the audit log, with the SHA-256 of the manifest and of the ZIP."
    ),
    "evidence.from": "From (UTC)",
    "evidence.to": "To (UTC)",
    "evidence.period_hint": "Both days are included; leave both empty for the whole log.",
    "evidence.submit": "Export the bundle (ZIP)",
    "evidence.verify_title": "Verify offline",
    "evidence.verify_note": (
        "On any computer with this platform's command line, verify it against the platform's "
        "public key you obtained beforehand and keep safe: the command re-derives the hash "
        "chain, checks every checkpoint's and the manifest's signature, and names the first "
        "altered event."
    ),
    "evidence.keys": "Signing key fingerprints (compare with the public key you hold)",
    "evidence.current_key": "(current)",
    "evidence.no_key": "There is no audit signing key yet.",
    "evidence.past": "Bundles exported before",
    "evidence.none_yet": "No bundle has been exported yet.",
    "evidence.range": "Events",
    "evidence.period": "Period",
    "evidence.whole_log": "the whole log",
    "evidence.digests": "SHA-256",
    "evidence.manifest": "manifest",
    "problem.evidence.bad_date": "A date must be YYYY-MM-DD.",
    "problem.evidence.bad_period": "The first day is after the last.",
    "problem.evidence.empty": "There is no audit event in that period.",
    "problem.evidence.bad_archive": "The file is not a valid evidence bundle.",
}

EVIDENCE_MESSAGES: dict[str, dict[str, str]] = {"zh": _ZH, "en": _EN}
