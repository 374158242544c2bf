"""HTTP shapes of 智能报表 (``exchange_api.routes.reports``): a template summary and a
pre-filled report, as ``lakehouse.report_fill.report_json`` lays it out."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from exchange_api.report_path import TemplateSummary
from lakehouse.report_fill import PrefilledReport, report_json

__all__ = ["PrefilledOut", "TemplateOut", "prefilled_out", "template_out"]


class TemplateOut(BaseModel):
    code: str
    title_zh: str
    owner_department: str
    period: str
    fields: int
    platform_fields: int
    collected_today: int


class ViaOut(BaseModel):
    dataset: str
    snapshot_id: int | None
    grant_id: int | None


class SourceOut(BaseModel):
    dataset: str
    snapshot_id: int | None
    grant_id: int | None
    measure: str
    via: ViaOut | None


class ReasonOut(BaseModel):
    code: str
    text: str
    missing: list[str]


class FieldOut(BaseModel):
    name: str
    title_zh: str
    fill: Literal["period", "scope", "platform", "collect"]
    status: Literal["reused", "to_collect", "period", "scope"]
    value: str | None
    source: SourceOut | None
    reason: ReasonOut | None
    collected_today: bool
    repeated_collection: bool


class SourceUseOut(BaseModel):
    dataset: str
    snapshot_id: int
    grant_id: int | None
    fields: list[str]


class CountsOut(BaseModel):
    reused: int
    to_collect: int
    repeated_collection: int


class PrefilledOut(BaseModel):
    template: str
    title_zh: str
    month: str
    department: str
    min_group_size: int
    counts: CountsOut
    fields: list[FieldOut]
    sources: list[SourceUseOut]
    audit_event: int | None


def template_out(t: TemplateSummary) -> TemplateOut:
    return TemplateOut(
        code=t.code,
        title_zh=t.title_zh,
        owner_department=t.owner_department,
        period=t.period,
        fields=t.fields,
        platform_fields=t.platform_fields,
        collected_today=t.collected_today,
    )


def prefilled_out(report: PrefilledReport) -> PrefilledOut:
    return PrefilledOut.model_validate({**report_json(report), "audit_event": report.event_id})
