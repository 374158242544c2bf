"""The full catalog as a GB/T 21063-style spreadsheet (政务信息资源目录表), Chinese headings.

Two tables: **信息资源目录** — one row per dataset, every catalog field in the order GB/T 21063.3
lists the core metadata (code, name, provider, summary, format, 信息项, share and open
attributes, update cycle, publication date, related resources) followed by this platform's own
(grade, steward, tags, version, status, freshness); and **信息项** — one row per field, with its
data type and data element. XLSX carries both sheets; CSV (UTF-8 with a BOM, so Excel reads the
Chinese) carries the first, whose 信息项 column lists every field. Cells are written as text and a
CSV cell that would start a formula is quoted (``catalog.usage_files``).
"""

from __future__ import annotations

from collections.abc import Sequence

from catalog.catalog_record import CatalogRecord, FieldRecord
from catalog.usage_tables import Table, local_time

__all__ = [
    "CATALOG_HEADINGS",
    "FIELD_HEADINGS",
    "LABELS",
    "catalog_table",
    "field_table",
    "fields_cell",
]

CATALOG_HEADINGS: tuple[str, ...] = (
    "信息资源代码",
    "信息资源名称",
    "信息资源英文名称",
    "信息资源分类",
    "信息资源提供方",
    "提供方代码",
    "信息资源摘要",
    "信息资源格式",
    "信息项",
    "共享类型",
    "共享条件",
    "共享方式",
    "共享依据",
    "开放类型",
    "开放条件",
    "更新周期",
    "发布日期",
    "关联资源代码",
    "分级",
    "数据管理员",
    "标签",
    "版本",
    "状态",
    "最近发布时间",
    "时效",
)
FIELD_HEADINGS: tuple[str, ...] = (
    "信息资源代码",
    "信息资源名称",
    "序号",
    "信息项名称",
    "字段名",
    "数据类型",
    "存储类型",
    "数据元代码",
    "数据元名称",
    "数据元英文名称",
    "数据元标准",
    "必填",
    "个人信息",
    "脱敏方式",
)

LABELS: dict[str, dict[str, str]] = {
    "share_type": {"unconditional": "无条件共享", "conditional": "有条件共享",
                   "not_shared": "不予共享"},
    "open_type": {"open": "无条件开放", "conditional_open": "有条件开放", "not_open": "不予开放"},
    "grade": {"core": "核心数据", "important": "重要数据", "general": "一般数据"},
    "cycle": {
        "realtime": "实时",
        "daily": "每日",
        "weekly": "每周",
        "monthly": "每月",
        "quarterly": "每季度",
        "yearly": "每年",
        "irregular": "不定期",
    },
    "method": {"api": "接口", "file": "文件", "database": "库表"},
    "status": {"draft": "草稿", "published": "已发布", "retired": "已停用"},
    "freshness": {"fresh": "按期更新", "stale": "逾期未更新", "unpublished": "尚未发布",
                  "irregular": "不定期"},
}  # fmt: skip


def _label(kind: str, value: str) -> str:
    return LABELS[kind].get(value, value)


def _yes(value: bool) -> str:
    return "是" if value else "否"


def fields_cell(fields: Sequence[FieldRecord]) -> str:
    """The 信息项 column: ``名称（字段名，数据类型，数据元：名称）`` per field, ``；``-joined."""
    parts = []
    for f in fields:
        element = f"，数据元：{f.element_name_zh}" if f.element_code else ""
        parts.append(f"{f.title_zh}（{f.name}，{f.data_type_zh}{element}）")
    return "；".join(parts)


def _catalog_row(r: CatalogRecord) -> tuple[object, ...]:
    freshness = r.freshness
    return (
        r.identifier,
        r.title_zh,
        r.title_en,
        r.classification,
        r.provider_name,
        r.provider_code,
        r.description,
        r.resource_format,
        fields_cell(r.fields),
        _label("share_type", r.share_type),
        r.share_conditions,
        "、".join(_label("method", m) for m in r.share_method),
        r.share_basis,
        _label("open_type", r.open_type),
        r.open_conditions,
        _label("cycle", r.update_cycle),
        r.publication_date.isoformat() if r.publication_date else "",
        "、".join(r.related_resources),
        _label("grade", r.grade),
        r.steward,
        "、".join(r.tags),
        r.version,
        _label("status", r.status),
        local_time(freshness.last_published_at) if freshness else "",
        _label("freshness", freshness.state.value) if freshness else "",
    )


def catalog_table(records: Sequence[CatalogRecord]) -> Table:
    """信息资源目录: one row per dataset."""
    return Table("信息资源目录", CATALOG_HEADINGS, [_catalog_row(r) for r in records])


def field_table(records: Sequence[CatalogRecord]) -> Table:
    """信息项: one row per field of every dataset."""
    rows: list[tuple[object, ...]] = []
    for r in records:
        for f in r.fields:
            rows.append(
                (
                    r.identifier,
                    r.title_zh,
                    f.position,
                    f.title_zh,
                    f.name,
                    f.data_type_zh,
                    f.duckdb_type,
                    f.element_code,
                    f.element_name_zh,
                    f.element_name_en,
                    f.element_standard,
                    _yes(f.required),
                    _yes(f.personal),
                    f.mask,
                )
            )
    return Table("信息项", FIELD_HEADINGS, rows)
