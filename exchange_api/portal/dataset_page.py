"""The dataset page (信息资源详情) and the catalog's downloads in the portal.

:func:`entry_view` is what ``GET /portal/catalog/{code}`` (``exchange_api.portal.exchange``)
shows of a dataset beyond its request form: the catalog record (``catalog.catalog_record``: the
GB/T 21063 fields), each field with its data element (Chinese and English names, standard), its
GB/T 21063.3 data type, whether it is personal and the mask a grantee sees it through; share and
open type with basis and conditions; grade, owner and steward; freshness against the update cycle
(``catalog.dataset_freshness``); the latest quality score and, for those who may read the
reports, the trend chart and a link to the report; a link to the lineage page for those who may
follow it.

What is offered is decided by ``catalog.policy.authorize`` (``frame.allowed``): the page is
``dataset.view`` (every account). The latest score is a headline figure of the catalog entry,
like its freshness, and shown with it; the trend (per-batch quarantined rows) and the report
itself are ``report.view`` (the owner department, auditors, admins); the lineage link is
``lineage.view`` (auditors, admins, the owner's steward). Each is decided again when followed.

Downloads (``/portal/exports/catalog.xlsx|csv``) are the full spreadsheet for the signed-in
account (``catalog.export``, recorded); the public DCAT-AP links point at the API, which needs no
sign-in. ``_catalog_exports.html`` is the block of links, for any page to include.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from catalog import actions as act
from catalog.catalog_exports import export_catalog
from catalog.catalog_record import CatalogRecord, catalog_record
from catalog.dataset_freshness import freshness_of
from catalog.models import Dataset
from catalog.policy_lineage import LineageTerms
from catalog.principals import Principal
from catalog.resources import DatasetTerms, ReportTerms
from catalog.usage_tables import local_time
from exchange_api.deps import SessionDep
from exchange_api.identify import now_of
from exchange_api.portal.chart import trend_chart
from exchange_api.portal.forms import LangQuery, page_errors
from exchange_api.portal.frame import allowed
from exchange_api.portal.i18n import DEFAULT_LANG, Lang
from exchange_api.portal.pages import PortalPrincipal
from exchange_api.portal.views import field_views
from exchange_api.routes.quality import TREND_LENGTH
from quality.reports import trend

__all__ = ["entry_view", "router"]

router = APIRouter(prefix="/portal", tags=["portal"], include_in_schema=False)


def _fields(
    dataset: Dataset, record: CatalogRecord, lang: Lang, negative: dict[str, str]
) -> list[dict[str, Any]]:
    masks = {f.name: f.mask for f in field_views(dataset)}  # as a grantee sees each field
    return [
        {
            "name": f.name,
            "title": f.title_zh,
            "data_type": f.data_type_zh if lang == "zh" else f.data_type_en,
            "duckdb_type": f.duckdb_type,
            "element_code": f.element_code,
            "element_name": f.element_name_zh if lang == "zh" else f.element_name_en,
            "element_other": f.element_name_en if lang == "zh" else f.element_name_zh,
            "element_standard": f.element_standard,
            "required": f.required,
            "personal": f.personal,
            "mask": masks.get(f.name, ""),
            "masked": bool(masks.get(f.name, "")),
            "negative_basis": negative.get(f.name, ""),
        }
        for f in record.fields
    ]


def _quality(
    session: Session, principal: Principal, dataset: Dataset, now: dt.datetime
) -> dict[str, Any]:
    points = trend(session, dataset, TREND_LENGTH)
    if not points:
        return {"score": None}
    latest = points[-1]
    terms = ReportTerms(report_id=int(latest["report_id"]), dataset=DatasetTerms.of(dataset))
    may_read = allowed(principal, act.REPORT_VIEW, terms, now)
    moment = latest["published_at"] or latest["landed_at"]
    return {
        "score": round(float(latest["score"]), 1),
        "batch_id": latest["batch_id"],
        "at": local_time(dt.datetime.fromisoformat(moment)) if moment else "",
        "report_id": latest["report_id"] if may_read else None,
        "chart": trend_chart(points, current_batch_id=latest["batch_id"]) if may_read else None,
        "restricted": not may_read,
    }


def entry_view(
    session: Session, principal: Principal, dataset: Dataset, lang: Lang, *, now: dt.datetime
) -> dict[str, Any]:
    """What the dataset page shows of ``dataset`` to ``principal`` (template variables)."""
    fresh = freshness_of(session, [dataset], now).get(dataset.id)
    record = catalog_record(dataset, freshness=fresh)
    lineage = LineageTerms(dataset.code, frozenset({dataset.owner_department_id}))
    listed = DatasetTerms.of(dataset).negative  # the negative list (负面清单) as it is now
    return {
        "entry": record,
        "entry_fields": _fields(
            dataset, record, lang, {e.field: e.legal_basis for e in listed if e.field}
        ),
        "negative_dataset": next((e.legal_basis for e in listed if e.field is None), ""),
        "freshness": {
            "state": fresh.state.value if fresh else "unpublished",
            "last": local_time(fresh.last_published_at) if fresh else "",
            "due": local_time(fresh.due_by) if fresh else "",
        },
        "quality": _quality(session, principal, dataset, now),
        "lineage_href": f"/portal/lineage?node={dataset.code}&lang={lang}"
        if allowed(principal, act.LINEAGE_VIEW, lineage, now)
        else "",
    }


def _download(
    request: Request, session: SessionDep, principal: PortalPrincipal, fmt: str, lang: Lang
) -> Response:
    with page_errors(session, lang):
        made = export_catalog(session, principal, fmt, now=now_of(request))
        session.commit()  # recorded before a byte of it leaves
    return Response(
        made.body,
        media_type=made.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{made.name}"',
            "X-Content-SHA256": made.sha256,
            "Cache-Control": "no-store",
        },
    )


@router.get("/exports/catalog.xlsx")
def catalog_xlsx(
    request: Request,
    session: SessionDep,
    principal: PortalPrincipal,
    lang: LangQuery = DEFAULT_LANG,
) -> Response:
    """The full catalog as XLSX for the signed-in account (``catalog.export``, recorded)."""
    return _download(request, session, principal, "xlsx", lang)


@router.get("/exports/catalog.csv")
def catalog_csv(
    request: Request,
    session: SessionDep,
    principal: PortalPrincipal,
    lang: LangQuery = DEFAULT_LANG,
) -> Response:
    """The full catalog as CSV (UTF-8 with a BOM) for the signed-in account (recorded)."""
    return _download(request, session, principal, "csv", lang)
