"""``zhongtai audit usage|reconcile|events``: the auditor's reports and the log, from a terminal.

Each acts as the auditor (or admin) whose token is in ``ZHONGTAI_TOKEN`` (or is asked for,
unechoed) and calls the library the API and the portal call — ``catalog.usage``,
``catalog.usage_reconcile``, ``catalog.audit_log``, ``catalog.usage_export`` — through the same
decision; a refused token or role is audited and exits 2 with its code, as does a bad filter
(``audit.bad_date`` …). ``--format table`` (default) prints; ``csv`` and ``xlsx`` write a file
(``--out``; CSV may go to standard output), recorded as ``audit.usage_exported`` before it is
written, as a download is.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table as RichTable

from catalog.settings import get_settings
from exchange_api.cli_audit_group import audit_app

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from catalog.principals import Principal
    from catalog.usage_tables import Lang, Table

__all__ = ["audit_app"]

console = Console()
err = Console(stderr=True)

_DEPARTMENT = typer.Option(None, "--department", help="Department code (the reading department).")
_DATASET = typer.Option(None, "--dataset", help="Dataset code.")
_GRANT = typer.Option(None, "--grant", help="Grant id.")
_FROM = typer.Option(None, "--from", help="First day, YYYY-MM-DD (China Standard Time).")
_TO = typer.Option(None, "--to", help="Last day, YYYY-MM-DD (inclusive; default today).")
_FORMAT = typer.Option("table", "--format", help="table (print), csv or xlsx (write a file).")
_OUT = typer.Option(None, "--out", help="File to write (csv: standard output without it).")
_ENCODING = typer.Option("utf-8", "--encoding", help="CSV: utf-8 (with BOM), gbk or gb18030.")
_LANG = typer.Option("zh", "--lang", help="zh (default) or en.")

_USAGE_SHOWN = (0, 2, 4, 5, 9, 10, 11, 12)
"""Columns of the usage table printed on a terminal: period, department, dataset, grant,
reads, rows, bytes, refused (files hold them all)."""
_RECONCILE_SHOWN = (0, 2, 4, 6, 12, 13, 16, 17, 20, 21, 26)
"""grant, department, dataset, state, reads, rows, last read, columns never read, rows used,
quota used, findings."""


@contextmanager
def _auditor() -> Iterator[tuple[Session, Principal]]:
    from catalog.db import make_engine, make_sessionmaker
    from catalog.guard import keeping_refusals
    from exchange_api.cli_accounts import acting_principal

    factory = make_sessionmaker(make_engine(get_settings().resolved_catalog_url))
    with factory() as session, keeping_refusals(session):
        yield session, acting_principal(session)


def _lang(value: str) -> Lang:
    if value == "en":
        return "en"
    if value != "zh":
        err.print("[red]--lang must be zh or en[/red]")
        raise typer.Exit(2)
    return "zh"


def _print(table: Table, shown: Sequence[int], caption: str = "") -> None:
    out = RichTable(title=table.title, caption=caption or None)
    for index in shown:
        out.add_column(table.headers[index], overflow="fold")
    for row in table.rows:
        out.add_row(*("" if row[i] is None else str(row[i]) for i in shown))
    console.print(out)


def _report(
    kind: str,
    department: str | None,
    dataset: str | None,
    grant: str | None,
    date_from: str | None,
    date_to: str | None,
    by: str | None,
    fmt: str,
    out: Path | None,
    encoding: str,
    lang: str,
) -> None:
    from catalog import actions as act
    from catalog.guard import ensure
    from catalog.models import utcnow
    from catalog.resources import PLATFORM
    from catalog.usage_export import export_report, report_tables
    from catalog.usage_window import ReportQuery

    language = _lang(lang)
    query = ReportQuery(department, dataset, grant, date_from, date_to, by)
    if fmt.strip().lower() == "xlsx" and out is None:
        err.print("[red]--format xlsx writes a file: give --out FILE[/red]")
        raise typer.Exit(2)
    with _auditor() as (session, principal):
        now = utcnow()
        if fmt.strip().lower() == "table":
            ensure(session, principal, act.AUDIT_USAGE, PLATFORM, now=now)
            made = report_tables(
                session,
                "usage" if kind == "usage" else "reconciliation",
                query,
                lang=language,
                now=now,
            )
            shown = _USAGE_SHOWN if kind == "usage" else _RECONCILE_SHOWN
            days = f"{made.window.first_day} – {made.window.last_day}"
            _print(made.tables[0], shown, days)
            if kind == "usage":
                _print(made.tables[1], range(len(made.tables[1].headers)))
            return
        done = export_report(
            session,
            principal,
            query,
            report=kind,
            file_format=fmt,
            encoding=encoding,
            lang=language,
            now=now,
        )
        session.commit()  # recorded before it is written, as a download is
    if out is None:
        sys.stdout.buffer.write(done.body)
        sys.stdout.buffer.flush()
        return
    out.write_bytes(done.body)
    err.print(
        f"wrote {done.row_count} lines to {out} ({len(done.body)} bytes, SHA-256 {done.sha256}); "
        f"recorded as audit event {done.event_id}"
    )


@audit_app.command("usage")
def audit_usage(
    department: str | None = _DEPARTMENT,
    dataset: str | None = _DATASET,
    grant: str | None = _GRANT,
    date_from: str | None = _FROM,
    date_to: str | None = _TO,
    by: str = typer.Option("day", "--by", help="day, week or month."),
    fmt: str = _FORMAT,
    out: Path | None = _OUT,
    encoding: str = _ENCODING,
    lang: str = _LANG,
) -> None:
    """Who read what: reads, rows and bytes per period, department, dataset and grant."""
    _report("usage", department, dataset, grant, date_from, date_to, by, fmt, out, encoding, lang)


@audit_app.command("reconcile")
def audit_reconcile(
    department: str | None = _DEPARTMENT,
    dataset: str | None = _DATASET,
    grant: str | None = _GRANT,
    date_from: str | None = _FROM,
    date_to: str | None = _TO,
    fmt: str = _FORMAT,
    out: Path | None = _OUT,
    encoding: str = _ENCODING,
    lang: str = _LANG,
) -> None:
    """Use against grants: unused grants and columns, spikes, reads near expiry, quota."""
    _report(
        "reconciliation",
        department,
        dataset,
        grant,
        date_from,
        date_to,
        None,
        fmt,
        out,
        encoding,
        lang,
    )


@audit_app.command("events")
def audit_events(
    department: str | None = _DEPARTMENT,
    dataset: str | None = _DATASET,
    grant: str | None = _GRANT,
    action: str | None = typer.Option(None, "--action", help="data.read, or a family: data.*"),
    outcome: str | None = typer.Option(None, "--outcome", help="ok, refused or error."),
    date_from: str | None = _FROM,
    date_to: str | None = _TO,
    before: str | None = typer.Option(None, "--before", help="Events before this id."),
    limit: str = typer.Option("50", "--limit", help="1 to 500."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per event."),
) -> None:
    """The audit log, newest first: who did what to what, and what was sent (never the rows)."""
    from catalog.audit_log import LogQuery, read_log
    from catalog.usage_tables import local_time

    query = LogQuery(department, dataset, grant, action, outcome, date_from, date_to, before, limit)
    with _auditor() as (session, principal):
        page = read_log(session, principal, query)
    if as_json:
        for e in page.entries:
            line = {
                "id": e.id,
                "occurred_at": e.occurred_at.isoformat(),
                "action": e.action,
                "outcome": e.outcome,
                "actor": e.actor_name,
                "department": e.department_code,
                "object": e.object,
                "dataset": e.dataset_code,
                "grant_id": e.grant_id,
                "purpose": e.purpose,
                "rows_sent": e.rows_sent,
                "bytes_sent": e.bytes_sent,
                "content_sha256": e.content_sha256,
                "detail": e.detail,
            }
            sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
    else:
        table = RichTable(
            caption=f"next: --before {page.next_before}" if page.next_before else None
        )
        for name in (
            "id",
            "time (UTC+8)",
            "action",
            "outcome",
            "actor",
            "department",
            "object",
            "rows",
            "bytes",
        ):
            table.add_column(name, overflow="fold")
        for e in page.entries:
            table.add_row(
                str(e.id),
                local_time(e.occurred_at),
                e.action,
                e.outcome,
                e.actor_name,
                e.department_code,
                e.object,
                _n(e.rows_sent),
                _n(e.bytes_sent),
            )
        console.print(table)


def _n(value: int | None) -> str:
    return "" if value is None else str(value)
