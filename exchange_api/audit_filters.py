"""The auditor's filters, declared once for the API (``routes.audit``) and the portal
(``portal.audit_pages``): the same query-string names, limits and descriptions, read into the
library's own query values (``catalog.audit_log.LogQuery``, ``catalog.usage_window.ReportQuery``),
which check them only after the access decision — a refused caller learns nothing."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from catalog.audit_log import LogQuery
from catalog.usage_window import ReportQuery

__all__ = ["LogFilters", "ReportFilters", "WindowFilters"]

Department = Annotated[str | None, Query(max_length=200, description="Department code")]
DatasetCode = Annotated[str | None, Query(max_length=200, description="Dataset code")]
GrantId = Annotated[str | None, Query(max_length=40, description="Grant id")]
DateFrom = Annotated[
    str | None,
    Query(alias="from", max_length=40, description="First day, YYYY-MM-DD (China Standard Time)"),
]
DateTo = Annotated[
    str | None, Query(alias="to", max_length=40, description="Last day, YYYY-MM-DD (inclusive)")
]
By = Annotated[str | None, Query(max_length=40, description="day (default), week or month")]
Action = Annotated[
    str | None, Query(max_length=200, description="An action (data.read) or family (data.*)")
]
Outcome = Annotated[str | None, Query(max_length=40, description="ok, refused or error")]
Before = Annotated[str | None, Query(max_length=40, description="The previous page's next_before")]
Limit = Annotated[str | None, Query(max_length=40, description="1 to 500 (default 50)")]


def _blank(value: str | None) -> str | None:
    """An empty field of a form is no filter."""
    return value or None


def log_query(
    department: Department = None,
    dataset: DatasetCode = None,
    grant: GrantId = None,
    action: Action = None,
    outcome: Outcome = None,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    before: Before = None,
    limit: Limit = None,
) -> LogQuery:
    return LogQuery(
        department=_blank(department),
        dataset=_blank(dataset),
        grant=_blank(grant),
        action=_blank(action),
        outcome=_blank(outcome),
        date_from=_blank(date_from),
        date_to=_blank(date_to),
        before=_blank(before),
        limit=_blank(limit),
    )


def report_query(
    department: Department = None,
    dataset: DatasetCode = None,
    grant: GrantId = None,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    by: By = None,
) -> ReportQuery:
    return ReportQuery(
        _blank(department),
        _blank(dataset),
        _blank(grant),
        _blank(date_from),
        _blank(date_to),
        _blank(by),
    )


def window_query(
    department: Department = None,
    dataset: DatasetCode = None,
    grant: GrantId = None,
    date_from: DateFrom = None,
    date_to: DateTo = None,
) -> ReportQuery:
    return ReportQuery(
        _blank(department), _blank(dataset), _blank(grant), _blank(date_from), _blank(date_to)
    )


LogFilters = Annotated[LogQuery, Depends(log_query)]
"""The log's filters and keyset position."""
ReportFilters = Annotated[ReportQuery, Depends(report_query)]
"""A usage report's filters, its period included."""
WindowFilters = Annotated[ReportQuery, Depends(window_query)]
"""The reconciliation's filters (it has no period of aggregation)."""
