"""One pre-fill of a report template (智能报表), for the API, the CLI and the portal alike.

:func:`prefill_report` checks the template name (``report.not_found``) and the month
(``report.month_invalid``), opens the lake, calls ``lakehouse.report_fill.prefill`` — decided by
policy source by source, audited as ``report.prefilled``, traced in lineage — and commits. The
minimum group size is the platform's (``ZHONGTAI_MIN_GROUP_SIZE``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from catalog.keys import mask_master_key
from catalog.principals import Principal
from catalog.report_prefill import find_template, parse_month, template_names
from catalog.settings import Settings
from lakehouse.connection import connect
from lakehouse.report_fill import PrefilledReport, prefill
from schemas.report_templates import Fill

__all__ = ["TemplateSummary", "prefill_report", "templates"]


@dataclass(frozen=True, slots=True)
class TemplateSummary:
    code: str
    title_zh: str
    owner_department: str
    period: str
    fields: int
    platform_fields: int
    collected_today: int


def templates() -> list[TemplateSummary]:
    """Every shipped report template (a public form: who may fill what is decided per source)."""
    found = []
    for name in template_names():
        t = find_template(name)
        found.append(
            TemplateSummary(
                t.code,
                t.title_zh,
                t.owner_department,
                t.period,
                len(t.fields),
                sum(1 for f in t.fields if f.fill is Fill.PLATFORM),
                sum(1 for f in t.fields if f.repeated_collection),
            )
        )
    return found


def prefill_report(
    session: Session, settings: Settings, principal: Principal, name: str, month: str
) -> PrefilledReport:
    template = find_template(name)
    chosen = parse_month(month)
    with connect(settings) as con:
        report = prefill(
            session,
            con,
            principal,
            template,
            chosen,
            mask_master=lambda: mask_master_key(settings),
            min_group_size=settings.min_group_size,
        )
    session.commit()
    return report
