"""The strings of a grant's download page (bulk mode), in Chinese and English, and the sentences
of the refusals only a download meets. Merged into ``exchange_api.portal.i18n.MESSAGES``."""

from __future__ import annotations

__all__ = ["BULK_MESSAGES"]

_ZH: dict[str, str] = {
    "grants.download": "批量下载",
    "download.title": "批量下载",
    "download.note": "下载的文件只含本授权的字段和行，个人信息字段按授权脱敏；"
    "每次下载都记入审计日志（行数、字节数、SHA-256），并计入行数配额。",
    "download.format": "文件格式",
    "download.format.parquet": "Parquet（列式，推荐）",
    "download.format.csv": "CSV 文本",
    "download.format.arrow": "Arrow IPC 流",
    "download.encoding": "CSV 编码",
    "download.encoding.utf-8": "UTF-8",
    "download.encoding.gbk": "GBK（生僻字无法表示时将拒绝）",
    "download.encoding.gb18030": "GB18030（可表示全部汉字）",
    "download.fields": "字段（不选则全部）",
    "download.submit": "下载",
    "download.quota_hint": "配额小于数据行数时只下载配额内的行，审计记录标明“不完整”。",
    "download.not_allowed": "该授权不包含批量下载方式。",
    "problem.encoding.unrepresentable": "数据中有 GBK 无法表示的字符（如生僻字），"
    "请改用 GB18030 或 UTF-8 编码。",
    "problem.bulk.invalid_format": "文件格式或编码不受支持；编码仅适用于 CSV。",
    "problem.spool.disk_full": "服务器暂存空间不足，文件未发送，请稍后重试。",
}

_EN: dict[str, str] = {
    "grants.download": "Download",
    "download.title": "Download",
    "download.note": "The file holds only this grant's fields and rows, personal fields masked as "
    "the grant says; every download is audited (rows, bytes, SHA-256) and counted against "
    "the row quota.",
    "download.format": "Format",
    "download.format.parquet": "Parquet (columnar, recommended)",
    "download.format.csv": "CSV text",
    "download.format.arrow": "Arrow IPC stream",
    "download.encoding": "CSV encoding",
    "download.encoding.utf-8": "UTF-8",
    "download.encoding.gbk": "GBK (refused if a rare character cannot be held)",
    "download.encoding.gb18030": "GB18030 (holds every character)",
    "download.fields": "Fields (none ticked: all)",
    "download.submit": "Download",
    "download.quota_hint": "When the quota is smaller than the data, only the quota's rows are "
    "sent and the audit record says the file is incomplete.",
    "download.not_allowed": "This grant does not include the bulk mode.",
    "problem.encoding.unrepresentable": "The data holds a character GBK cannot represent (a rare "
    "character); choose GB18030 or UTF-8.",
    "problem.bulk.invalid_format": "Unsupported format or encoding; an encoding applies to CSV "
    "only.",
    "problem.spool.disk_full": "The server's spool space is full; nothing was sent. Try later.",
}

BULK_MESSAGES: dict[str, dict[str, str]] = {"zh": _ZH, "en": _EN}
