"""The strings of the dataset page (信息资源详情) and the catalog's download links, and the
sentences of the export refusal codes, in Chinese and English. Merged into
``exchange_api.portal.i18n.MESSAGES``."""

from __future__ import annotations

__all__ = ["EXPORT_MESSAGES"]

_ZH: dict[str, str] = {
    "dsp.national": "目录信息（GB/T 21063）",
    "dsp.resource_code": "信息资源代码",
    "dsp.classification": "信息资源分类",
    "dsp.provider": "信息资源提供方",
    "dsp.provider_code": "提供方代码",
    "dsp.format": "信息资源格式",
    "dsp.publication_date": "发布日期",
    "dsp.related": "关联资源",
    "dsp.tags": "标签",
    "dsp.version": "版本",
    "dsp.none": "—",
    "dsp.summary": "信息资源摘要",
    "dsp.sharing": "共享与开放",
    "dsp.share_conditions": "共享条件",
    "dsp.region_return": "数据回流",
    "dsp.region_return_text": "按行政区划回流，各单位只见本辖区的数据，依据字段",
    "dsp.region_bound": "本单位可见的区划代码前缀",
    "dsp.share_method": "共享方式",
    "dsp.open_type": "开放类型",
    "dsp.open_conditions": "开放条件",
    "dsp.element": "数据元",
    "dsp.standard": "标准",
    "dsp.data_type": "数据类型",
    "dsp.required": "必填",
    "dsp.personal": "个人信息",
    "dsp.mask": "脱敏方式",
    "dsp.yes": "是",
    "dsp.no": "否",
    "dsp.freshness": "更新时效",
    "dsp.last_published": "最近发布",
    "dsp.due_by": "下次应更新不晚于",
    "dsp.quality": "数据质量",
    "dsp.latest_score": "最近一批质量得分",
    "dsp.no_quality": "尚无质量报告。",
    "dsp.quality_report": "查看质量报告",
    "dsp.trend_restricted": "质量趋势与报告仅向提供方、审计人员和平台管理员开放。",
    "dsp.lineage": "查看数据血缘",
    "dsp.open.open": "无条件开放",
    "dsp.open.conditional_open": "有条件开放",
    "dsp.open.not_open": "不予开放",
    "dsp.method.api": "接口",
    "dsp.method.file": "文件",
    "dsp.method.database": "库表",
    "dsp.fresh.fresh": "按期更新",
    "dsp.fresh.stale": "逾期未更新",
    "dsp.fresh.unpublished": "尚未发布",
    "dsp.fresh.irregular": "不定期更新",
    "exports.heading": "目录下载",
    "exports.note": (
        "公开目录（DCAT-AP 3）只含开放类型允许向社会公开的信息资源，无需登录；"
        "完整目录表（GB/T 21063）含全部信息资源的元数据（不含数据），每次下载均记入审计日志。"
    ),
    "exports.dcat_jsonld": "公开目录 JSON-LD",
    "exports.dcat_ttl": "公开目录 Turtle",
    "exports.xlsx": "完整目录表 XLSX",
    "exports.csv": "完整目录表 CSV",
    "problem.catalog.export_not_allowed": "导出目录须使用具有平台角色的账号。",
    "problem.catalog.bad_export_format": "导出格式须为 jsonld、ttl、xlsx 或 csv。",
}

_EN: dict[str, str] = {
    "dsp.national": "Catalog entry (GB/T 21063)",
    "dsp.resource_code": "Resource code",
    "dsp.classification": "Classification",
    "dsp.provider": "Provider",
    "dsp.provider_code": "Provider code",
    "dsp.format": "Resource format",
    "dsp.publication_date": "Publication date",
    "dsp.related": "Related resources",
    "dsp.tags": "Tags",
    "dsp.version": "Version",
    "dsp.none": "—",
    "dsp.summary": "Summary",
    "dsp.sharing": "Sharing and opening",
    "dsp.share_conditions": "Share conditions",
    "dsp.region_return": "Returned by region",
    "dsp.region_return_text": "Returned to lower levels: each department sees only its own "
    "division's rows, by field",
    "dsp.region_bound": "your department's division prefix",
    "dsp.share_method": "Share method",
    "dsp.open_type": "Open type",
    "dsp.open_conditions": "Open conditions",
    "dsp.element": "Data element",
    "dsp.standard": "Standard",
    "dsp.data_type": "Data type",
    "dsp.required": "Required",
    "dsp.personal": "Personal",
    "dsp.mask": "Mask",
    "dsp.yes": "yes",
    "dsp.no": "no",
    "dsp.freshness": "Freshness",
    "dsp.last_published": "Last published",
    "dsp.due_by": "Next update due by",
    "dsp.quality": "Data quality",
    "dsp.latest_score": "Latest batch's quality score",
    "dsp.no_quality": "No quality report yet.",
    "dsp.quality_report": "Open the quality report",
    "dsp.trend_restricted": (
        "The quality trend and reports are for the provider, auditors and platform admins."
    ),
    "dsp.lineage": "Follow its lineage",
    "dsp.open.open": "Open",
    "dsp.open.conditional_open": "Open on conditions",
    "dsp.open.not_open": "Not open",
    "dsp.method.api": "API",
    "dsp.method.file": "file",
    "dsp.method.database": "database",
    "dsp.fresh.fresh": "up to date",
    "dsp.fresh.stale": "overdue",
    "dsp.fresh.unpublished": "never published",
    "dsp.fresh.irregular": "irregular updates",
    "exports.heading": "Download the catalog",
    "exports.note": (
        "The public catalog (DCAT-AP 3) holds only the entries whose open type allows "
        "publication and needs no sign-in; the full catalog (GB/T 21063) holds every entry's "
        "metadata (never data), and each download is recorded in the audit log."
    ),
    "exports.dcat_jsonld": "Public catalog, JSON-LD",
    "exports.dcat_ttl": "Public catalog, Turtle",
    "exports.xlsx": "Full catalog, XLSX",
    "exports.csv": "Full catalog, CSV",
    "problem.catalog.export_not_allowed": (
        "Exporting the catalog needs an account with a platform role."
    ),
    "problem.catalog.bad_export_format": "The format must be jsonld, ttl, xlsx or csv.",
}

EXPORT_MESSAGES: dict[str, dict[str, str]] = {"zh": _ZH, "en": _EN}
