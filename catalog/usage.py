"""Usage reports: who read what, how much, under which grant and for which purpose, per period.

:func:`usage_report` answers, for the days and scope asked (``catalog.usage_window``), one line
per period × department × dataset × grant: the reads, rows and bytes sent, the purposes stated,
the accounts that read, how many reads of each access mode, and the reads refused. Totals per
period (every period of the window, empty ones too, for the chart), per department and per
dataset come with it.

What counts as a read is the audit log's own record of data leaving the platform
(:data:`USAGE_ACTIONS`, outcome ``ok``): the envelope columns ``rows_sent`` and ``bytes_sent``
are summed, so a verify or aggregate answer counts as a read and its bytes but sends no rows, and
fetching a delivered subscription file again adds bytes, not rows (its rows were counted when it
was delivered). Refusals (``data.read_refused``) are counted beside the reads. The department is
the reading account's (``actor_department_id``); an owner reading its own data has no grant.

The counting happens in SQL — one ``GROUP BY`` over the indexed columns, the day computed in the
database as a China Standard Time day (``usage_window.local_day``) — on SQLite and PostgreSQL
alike; only days are grouped there, weeks (ISO, from Monday) and months are folded from them
here. Nothing reads ``detail``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog import actions as act
from catalog.guard import ensure
from catalog.models import Account, AuditEvent, AuditOutcome, Dataset, Department, utcnow
from catalog.principals import Principal
from catalog.resources import PLATFORM
from catalog.usage_window import (
    Period,
    ReportQuery,
    Scope,
    Window,
    as_date,
    day_of,
    local_day,
)

__all__ = [
    "REFUSED_ACTIONS",
    "USAGE_ACTIONS",
    "Names",
    "Total",
    "UsageReport",
    "UsageRow",
    "build_usage",
    "period_label",
    "period_start",
    "periods",
    "usage_report",
]

USAGE_ACTIONS: dict[str, str] = {
    "data.read": "query",
    "data.bulk_delivered": "bulk",
    "data.verified": "verify",
    "data.aggregated": "aggregate",
    "data.changes_read": "changes",
    "subscription.delivered": "subscribe",
    "subscription.file_fetched": "subscribe",
}
"""Audited acts that send shared data, and the access mode each is a use of."""
REFUSED_ACTIONS: tuple[str, ...] = ("data.read_refused",)


def period_start(day: dt.date, period: Period) -> dt.date:
    if period is Period.WEEK:
        return day - dt.timedelta(days=day.weekday())
    if period is Period.MONTH:
        return day.replace(day=1)
    return day


def period_label(start: dt.date, period: Period) -> str:
    if period is Period.WEEK:
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if period is Period.MONTH:
        return start.strftime("%Y-%m")
    return start.isoformat()


def periods(window: Window, period: Period) -> list[dt.date]:
    """The start of every period the window touches, in order."""
    out: list[dt.date] = []
    day = window.first_day
    while day <= window.last_day:
        start = period_start(day, period)
        if not out or out[-1] != start:
            out.append(start)
        day += dt.timedelta(days=1)
    return out


@dataclass(frozen=True, slots=True)
class Names:
    """Codes and names of the departments, datasets and accounts a report mentions."""

    departments: dict[int, tuple[str, str]] = field(default_factory=dict)
    datasets: dict[int, tuple[str, str, str]] = field(default_factory=dict)
    accounts: dict[int, str] = field(default_factory=dict)

    @classmethod
    def load(
        cls,
        session: Session,
        departments: Iterable[int | None] = (),
        datasets: Iterable[int | None] = (),
        accounts: Iterable[int | None] = (),
    ) -> Names:
        dept_ids = {i for i in departments if i is not None}
        ds_ids = {i for i in datasets if i is not None}
        acct_ids = {i for i in accounts if i is not None}
        names = cls()
        if dept_ids:
            for d in session.scalars(select(Department).where(Department.id.in_(dept_ids))):
                names.departments[d.id] = (d.code, d.name)
        if ds_ids:
            for s in session.scalars(select(Dataset).where(Dataset.id.in_(ds_ids))):
                names.datasets[s.id] = (s.code, s.title_zh, s.title_en)
        if acct_ids:
            rows = session.execute(select(Account.id, Account.name).where(Account.id.in_(acct_ids)))
            names.accounts.update({i: n for i, n in rows})
        return names

    def department(self, department_id: int | None) -> tuple[str, str]:
        if department_id is None:
            return ("", "")
        return self.departments.get(department_id, (f"#{department_id}", ""))

    def dataset(self, dataset_id: int | None) -> tuple[str, str, str]:
        if dataset_id is None:
            return ("", "", "")
        return self.datasets.get(dataset_id, (f"#{dataset_id}", "", ""))


@dataclass(frozen=True, slots=True)
class UsageRow:
    """One period × department × dataset × grant."""

    period: str
    period_start: dt.date
    department_code: str
    department_name: str
    dataset_code: str
    dataset_title_zh: str
    dataset_title_en: str
    grant_id: int | None
    purposes: tuple[str, ...]
    accounts: tuple[str, ...]
    modes: tuple[tuple[str, int], ...]
    """Reads per access mode, most first."""
    reads: int
    rows: int
    bytes: int
    refused: int


@dataclass(frozen=True, slots=True)
class Total:
    """Reads, rows, bytes and refusals under one key (a period, department or dataset)."""

    key: str
    label: str
    reads: int = 0
    rows: int = 0
    bytes: int = 0
    refused: int = 0


@dataclass(frozen=True, slots=True)
class UsageReport:
    window: Window
    period: Period
    scope: Scope
    rows: tuple[UsageRow, ...]
    by_period: tuple[Total, ...]
    by_department: tuple[Total, ...]
    by_dataset: tuple[Total, ...]
    total: Total
    generated_at: dt.datetime


def usage_report(
    session: Session, actor: Principal, query: ReportQuery, *, now: dt.datetime | None = None
) -> UsageReport:
    """The usage report ``query`` asks for, if ``actor`` may see usage (``audit.usage``);
    refusals are audited and raised; a bad filter is ``InvalidInput`` (``usage_window``)."""
    now = now or utcnow()
    ensure(session, actor, act.AUDIT_USAGE, PLATFORM, now=now)
    scope, days, period = query.resolve(session, today=day_of(now))
    return build_usage(session, scope, days, period, now=now)


@dataclass
class _Acc:
    purposes: set[str] = field(default_factory=set)
    accounts: set[int] = field(default_factory=set)
    modes: Counter[str] = field(default_factory=Counter)
    reads: int = 0
    rows: int = 0
    bytes: int = 0
    refused: int = 0

    def add(self, reads: int, rows: int, size: int, refused: int) -> None:
        self.reads += reads
        self.rows += rows
        self.bytes += size
        self.refused += refused


def build_usage(
    session: Session,
    scope: Scope,
    window: Window,
    period: Period,
    *,
    now: dt.datetime | None = None,
) -> UsageReport:
    """The report itself, with no access decision (callers decide first)."""
    day = local_day(AuditEvent.occurred_at)
    keys = (
        day,
        AuditEvent.actor_department_id,
        AuditEvent.actor_account_id,
        AuditEvent.dataset_id,
        AuditEvent.grant_id,
        AuditEvent.action,
        AuditEvent.outcome,
        AuditEvent.purpose,
    )
    stmt = (
        select(
            *keys,
            func.count(),
            func.coalesce(func.sum(AuditEvent.rows_sent), 0),
            func.coalesce(func.sum(AuditEvent.bytes_sent), 0),
        )
        .where(
            AuditEvent.action.in_([*USAGE_ACTIONS, *REFUSED_ACTIONS]),
            AuditEvent.occurred_at >= window.start,
            AuditEvent.occurred_at < window.end,
        )
        .group_by(*keys)
    )
    if scope.department_id is not None:
        stmt = stmt.where(AuditEvent.actor_department_id == scope.department_id)
    if scope.dataset_id is not None:
        stmt = stmt.where(AuditEvent.dataset_id == scope.dataset_id)
    if scope.grant_id is not None:
        stmt = stmt.where(AuditEvent.grant_id == scope.grant_id)

    lines: dict[tuple[dt.date, int | None, int | None, int | None], _Acc] = defaultdict(_Acc)
    for (
        d,
        dept,
        account,
        dataset,
        grant,
        action,
        outcome,
        purpose,
        n,
        rows,
        size,
    ) in session.execute(stmt):
        acc = lines[(period_start(as_date(d), period), dept, dataset, grant)]
        if action in USAGE_ACTIONS and outcome == AuditOutcome.OK:
            acc.add(int(n), int(rows or 0), int(size or 0), 0)
            acc.modes[USAGE_ACTIONS[action]] += int(n)
            if purpose:
                acc.purposes.add(purpose)
            if account is not None:
                acc.accounts.add(account)
        else:
            acc.add(0, 0, 0, int(n))

    names = Names.load(
        session,
        departments=(k[1] for k in lines),
        datasets=(k[2] for k in lines),
        accounts=(a for acc in lines.values() for a in acc.accounts),
    )
    rows_out = [_row(key, acc, names, period) for key, acc in lines.items()]
    rows_out.sort(
        key=lambda r: (r.period_start, r.department_code, r.dataset_code, r.grant_id or 0)
    )
    return UsageReport(
        window=window,
        period=period,
        scope=scope,
        rows=tuple(rows_out),
        by_period=_by_period(rows_out, window, period),
        by_department=_totals(rows_out, lambda r: (r.department_code, r.department_name)),
        by_dataset=_totals(rows_out, lambda r: (r.dataset_code, r.dataset_title_zh)),
        total=_sum("", "", rows_out),
        generated_at=now or utcnow(),
    )


def _row(
    key: tuple[dt.date, int | None, int | None, int | None],
    acc: _Acc,
    names: Names,
    period: Period,
) -> UsageRow:
    start, dept, dataset, grant = key
    dept_code, dept_name = names.department(dept)
    ds_code, title_zh, title_en = names.dataset(dataset)
    return UsageRow(
        period=period_label(start, period),
        period_start=start,
        department_code=dept_code,
        department_name=dept_name,
        dataset_code=ds_code,
        dataset_title_zh=title_zh,
        dataset_title_en=title_en,
        grant_id=grant,
        purposes=tuple(sorted(acc.purposes)),
        accounts=tuple(sorted(names.accounts.get(a, f"#{a}") for a in acc.accounts)),
        modes=tuple(sorted(acc.modes.items(), key=lambda m: (-m[1], m[0]))),
        reads=acc.reads,
        rows=acc.rows,
        bytes=acc.bytes,
        refused=acc.refused,
    )


def _sum(key: str, label: str, rows: Iterable[UsageRow]) -> Total:
    reads = size = count = refused = 0
    for r in rows:
        reads, count, size, refused = (
            reads + r.reads,
            count + r.rows,
            size + r.bytes,
            refused + r.refused,
        )
    return Total(key, label, reads, count, size, refused)


def _totals(
    rows: list[UsageRow], key_of: Callable[[UsageRow], tuple[str, str]]
) -> tuple[Total, ...]:
    groups: dict[tuple[str, str], list[UsageRow]] = defaultdict(list)
    for r in rows:
        groups[key_of(r)].append(r)
    totals = [_sum(code, label, members) for (code, label), members in groups.items()]
    return tuple(sorted(totals, key=lambda t: (-t.rows, -t.reads, t.key)))


def _by_period(rows: list[UsageRow], window: Window, period: Period) -> tuple[Total, ...]:
    groups: dict[dt.date, list[UsageRow]] = defaultdict(list)
    for r in rows:
        groups[r.period_start].append(r)
    return tuple(
        _sum(start.isoformat(), period_label(start, period), groups.get(start, ()))
        for start in periods(window, period)
    )
