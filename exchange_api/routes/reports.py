"""智能报表: report templates, pre-filled from the caller's granted data.

- ``GET /api/v1/reports/templates`` — the shipped templates (any authenticated account);
- ``GET /api/v1/reports/{template}/prefill?month=YYYY-MM`` — the pre-filled report as JSON:
  each field ``reused`` (value, source dataset, snapshot, grant) or ``to_collect`` (the reason
  and what to request), and the 重复采集 flag; ``&format=xlsx`` — the same as a workbook.

Each pre-fill is decided (``report.prefill``, then ``data.aggregate`` per source through the
caller's own grants), audited (``report.prefilled``, its id in ``X-Zhongtai-Audit-Event``) and
committed before it is sent. Codes: 404 ``report.not_found``; 422 ``report.month_invalid``;
403 ``role.requester_required`` (audited).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse, Response

from exchange_api.deps import CurrentPrincipal, SessionDep, SettingsDep
from exchange_api.openapi import problem_response
from exchange_api.report_path import prefill_report, templates
from exchange_api.report_payloads import PrefilledOut, TemplateOut, prefilled_out, template_out
from exchange_api.report_sheet import report_xlsx

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_PROBLEMS: dict[int | str, dict[str, Any]] = {
    403: problem_response(403, "Pre-filling needs the requester role (role.requester_required)"),
    404: problem_response(404, "No such template (report.not_found)"),
    422: problem_response(422, "A month outside YYYY-MM (report.month_invalid)"),
}


@router.get(
    "/templates",
    response_model=list[TemplateOut],
    summary="The report templates (智能报表) the platform can pre-fill",
)
def list_templates(principal: CurrentPrincipal) -> list[TemplateOut]:
    return [template_out(t) for t in templates()]


@router.get(
    "/{template}/prefill",
    response_model=PrefilledOut,
    responses={
        200: {
            "description": "The pre-filled report (JSON), or the workbook with format=xlsx",
            "content": {_XLSX: {}},
        },
        **_PROBLEMS,
    },
    summary="Pre-fill a report for a month from the caller's granted data",
)
def prefill(
    session: SessionDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    template: Annotated[str, Path(max_length=64, description="Template code, e.g. street_monthly")],
    month: Annotated[str, Query(max_length=16, description="The report month, YYYY-MM")],
    format: Annotated[  # noqa: A002 - the query parameter's documented name
        Literal["json", "xlsx"], Query(description="json (default) or xlsx")
    ] = "json",
) -> Response:
    report = prefill_report(session, settings, principal, template, month)
    headers = {"X-Zhongtai-Audit-Event": str(report.event_id)}
    if format == "xlsx":
        headers["Content-Disposition"] = (
            f'attachment; filename="{report.template}-{report.month}.xlsx"'
        )
        return Response(report_xlsx(report), media_type=_XLSX, headers=headers)
    body = prefilled_out(report).model_dump(mode="json")
    return JSONResponse(body, headers=headers)
