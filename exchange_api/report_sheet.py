"""A pre-filled report (智能报表) as an XLSX workbook: sheet 《报表》 with one row per field —
its value, status (已复用 / 待采集 / 报表月份 / 填报范围), source dataset and snapshot, and the
重复采集 flag — and sheet 《数据来源》 with every source read (dataset, snapshot, grant, fields)."""

from __future__ import annotations

import io

from openpyxl import Workbook

from lakehouse.report_fill import PrefilledReport

__all__ = ["FIELD_HEADERS", "SOURCE_HEADERS", "STATUS_ZH", "report_xlsx"]

STATUS_ZH = {"reused": "已复用", "to_collect": "待采集", "period": "报表月份", "scope": "填报范围"}
FIELD_HEADERS = (
    "字段",
    "字段名称",
    "填报值",
    "状态",
    "来源数据集",
    "快照",
    "授权",
    "关联数据集",
    "待采集原因",
    "需申请",
    "重复采集",
)
SOURCE_HEADERS = ("数据集", "快照", "授权", "用于字段")


def report_xlsx(report: PrefilledReport) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "报表"
    sheet.append([f"{report.title_zh}（{report.month}，{report.department}）"])
    sheet.append(list(FIELD_HEADERS))
    for f in report.fields:
        sheet.append(
            [
                f.name,
                f.title_zh,
                f.value if f.value is not None else "",
                STATUS_ZH.get(f.status, f.status),
                f.dataset,
                f.snapshot_id,
                f.grant_id,
                f.via_dataset,
                f.reason,
                "、".join(f.missing),
                "是" if f.repeated_collection else "否",
            ]
        )
    sources = book.create_sheet("数据来源")
    sources.append(list(SOURCE_HEADERS))
    for s in report.sources:
        sources.append([s.dataset, s.snapshot_id, s.grant_id or "本部门", "、".join(s.fields)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
