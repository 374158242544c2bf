"""A usage or reconciliation report downloaded as a file, and recorded as such.

:func:`export_report` is what ``GET /api/v1/audit/usage?format=…``, the portal's download links
and ``zhongtai audit usage|reconcile --format csv|xlsx`` all call: the access decision
(``audit.usage``), the report, the file (``catalog.usage_files``), and an
``audit.usage_exported`` event with the filters and the SHA-256 of exactly the bytes handed over
(``catalog.usage_events`` says why exports are recorded and on-screen views are not). The caller
commits, after which the file may be sent.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from catalog import actions as act
from catalog import audit
from catalog.errors import InvalidInput
from catalog.guard import ensure
from catalog.models import utcnow
from catalog.principals import Principal
from catalog.resources import PLATFORM
from catalog.usage import build_usage
from catalog.usage_events import UsageExported
from catalog.usage_files import FileFormat, csv_bytes, parse_encoding, parse_format, xlsx_bytes
from catalog.usage_reconcile import build_reconciliation
from catalog.usage_tables import (
    Lang,
    Table,
    filters_table,
    reconciliation_table,
    totals_table,
    usage_table,
)
from catalog.usage_window import ReportQuery, Scope, Window, day_of

__all__ = ["REPORTS", "ExportedFile", "ReportKind", "Tables", "export_report", "report_tables"]

ReportKind = Literal["usage", "reconciliation"]
REPORTS: tuple[ReportKind, ...] = ("usage", "reconciliation")


@dataclass(frozen=True, slots=True)
class ExportedFile:
    name: str
    media_type: str
    body: bytes
    sha256: str
    row_count: int
    event_id: int


def _kind(value: str) -> ReportKind:
    for kind in REPORTS:
        if value == kind:
            return kind
    raise InvalidInput("report must be usage or reconciliation", code="usage.bad_report")


@dataclass(frozen=True, slots=True)
class Tables:
    """A report as tables: its lines first, then its totals (usage) and its filters."""

    tables: list[Table]
    scope: Scope
    window: Window
    period: str


def report_tables(
    session: Session,
    kind: ReportKind,
    query: ReportQuery,
    *,
    lang: Lang,
    now: dt.datetime,
) -> Tables:
    """The tables of a report (no access decision: callers decide first)."""
    scope, days, period = query.resolve(session, today=day_of(now))
    by = period.value if kind == "usage" else ""
    if kind == "usage":
        report = build_usage(session, scope, days, period, now=now)
        tables = [usage_table(report, lang), totals_table(report, lang)]
    else:
        recon = build_reconciliation(session, scope, days, now=now)
        tables = [reconciliation_table(recon, lang)]
    tables.append(filters_table(days, scope, now, lang, by))
    return Tables(tables, scope, days, by)


def export_report(
    session: Session,
    actor: Principal,
    query: ReportQuery,
    *,
    report: str,
    file_format: str,
    encoding: str | None = None,
    lang: Lang = "zh",
    now: dt.datetime | None = None,
) -> ExportedFile:
    """The report as a CSV or XLSX file, its export recorded in the caller's transaction."""
    now = now or utcnow()
    ensure(session, actor, act.AUDIT_USAGE, PLATFORM, now=now)
    kind = _kind(report)
    fmt = parse_format(file_format)
    charset = parse_encoding(encoding) if fmt is FileFormat.CSV else ""
    made = report_tables(session, kind, query, lang=lang, now=now)
    lines = made.tables[0]
    body = csv_bytes(lines, parse_encoding(charset)) if charset else xlsx_bytes(made.tables)
    digest = hashlib.sha256(body).hexdigest()
    first, last = made.window.first_day.isoformat(), made.window.last_day.isoformat()
    event = audit.record(
        session,
        UsageExported(
            dataset_id=made.scope.dataset_id,
            grant_id=made.scope.grant_id,
            report=kind,
            format=fmt.value,
            encoding=charset,
            date_from=first,
            date_to=last,
            period=made.period,
            department=made.scope.department_code,
            dataset=made.scope.dataset_code,
            row_count=len(lines.rows),
            bytes_sent=len(body),
            content_sha256=digest,
        ),
        actor=actor,
        now=now,
    )
    suffix = f"_{charset}" if charset and charset != "utf-8" else ""
    return ExportedFile(
        name=f"{kind}_{first}_{last}{suffix}.{fmt.value}",
        media_type=fmt.media_type + ("; charset=" + charset if charset else ""),
        body=body,
        sha256=digest,
        row_count=len(lines.rows),
        event_id=event.id,
    )
