"""Reconciliation: what each grant was used for, against what it granted.

:func:`reconcile` answers, per grant in scope, its use in the report's days (reads, rows, bytes,
active days, modes used), its life (state, expiry, quota used) and the findings
``catalog.usage_rules`` defines — reads after the grant ended, volume spikes, reads near expiry,
quota nearly or wholly used, a grant never used, columns and modes never used.

A grant is in scope when its life overlaps the days asked (created before their end, not ended
before their start) or when it was read in them at all (a read after a grant ended must show).
Counts come from ``GROUP BY`` queries over the audit log's envelope columns, in chunks of
grants; "columns never read" needs each read's ``detail``, so it reads one event per distinct
parameter set (``params_sha256``) — a department paging through the same query costs one
detail, not one per page — and stops for a grant once every granted field has been seen.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from catalog import actions as act
from catalog.errors import InvalidInput
from catalog.guard import ensure
from catalog.models import AuditEvent, AuditOutcome, Grant, utcnow
from catalog.principals import Principal
from catalog.resources import PLATFORM
from catalog.usage import USAGE_ACTIONS, Names
from catalog.usage_rules import (
    FINDINGS,
    NEAR_EXPIRY_DAYS,
    SPIKE_LOOKBACK_DAYS,
    Spike,
    columns_used,
    quota_findings,
    spikes,
)
from catalog.usage_window import ReportQuery, Scope, Window, as_date, day_of, local_day

__all__ = ["MAX_GRANTS", "GrantUse", "Reconciliation", "grant_state", "reconcile"]

MAX_GRANTS = 5000
"""The most grants one reconciliation covers (``audit.too_many_grants`` beyond: narrow it)."""
_CHUNK = 400


def grant_state(grant: Grant, now: dt.datetime) -> str:
    """``live``, ``revoked``, ``superseded`` (revoked by its renewal) or ``expired``."""
    if grant.revoked_at is not None:
        return "superseded" if grant.superseded_by_grant_id is not None else "revoked"
    if grant.expires_at is not None and grant.expires_at <= now:
        return "expired"
    return "live"


def _end_of_life(grant: Grant) -> dt.datetime | None:
    ends = [t for t in (grant.expires_at, grant.revoked_at) if t is not None]
    return min(ends) if ends else None


@dataclass(frozen=True, slots=True)
class GrantUse:
    grant_id: int
    dataset_code: str
    dataset_title_zh: str
    dataset_title_en: str
    department_code: str
    department_name: str
    purpose: str
    state: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    fields: tuple[str, ...]
    modes_granted: tuple[str, ...]
    modes_used: tuple[str, ...]
    """Modes used in the report's days."""
    reads: int
    rows: int
    bytes: int
    active_days: int
    last_read: dt.datetime | None
    """The last read ever (up to the report's end), in the days or before them."""
    columns_never_read: tuple[str, ...]
    modes_never_used: tuple[str, ...]
    quota_rows: int | None
    rows_used: int
    near_expiry_reads: int
    near_expiry_rows: int
    after_end_reads: int
    spikes: tuple[Spike, ...]
    findings: tuple[str, ...]

    @property
    def quota_share(self) -> float | None:
        return None if not self.quota_rows else self.rows_used / self.quota_rows


@dataclass(frozen=True, slots=True)
class Reconciliation:
    window: Window
    scope: Scope
    grants: tuple[GrantUse, ...]
    generated_at: dt.datetime

    def count(self, finding: str) -> int:
        return sum(1 for g in self.grants if finding in g.findings)

    @property
    def finding_counts(self) -> tuple[tuple[str, int], ...]:
        return tuple((f, self.count(f)) for f in FINDINGS)


def reconcile(
    session: Session, actor: Principal, query: ReportQuery, *, now: dt.datetime | None = None
) -> Reconciliation:
    """The reconciliation ``query`` asks for, if ``actor`` may see usage (``audit.usage``)."""
    now = now or utcnow()
    ensure(session, actor, act.AUDIT_USAGE, PLATFORM, now=now)
    scope, days, _period = query.resolve(session, today=day_of(now))
    return build_reconciliation(session, scope, days, now=now)


def _ok_reads() -> ColumnElement[bool]:
    return and_(AuditEvent.action.in_(list(USAGE_ACTIONS)), AuditEvent.outcome == AuditOutcome.OK)


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for i in range(0, len(ids), _CHUNK):
        yield list(ids[i : i + _CHUNK])


def _grants(session: Session, scope: Scope, window: Window) -> list[Grant]:
    lives = and_(
        Grant.created_at < window.end,
        or_(Grant.revoked_at.is_(None), Grant.revoked_at >= window.start),
        or_(Grant.expires_at.is_(None), Grant.expires_at >= window.start),
    )
    read_in_window = select(AuditEvent.grant_id).where(
        _ok_reads(),
        AuditEvent.grant_id.is_not(None),
        AuditEvent.occurred_at >= window.start,
        AuditEvent.occurred_at < window.end,
    )
    stmt = select(Grant).where(or_(lives, Grant.id.in_(read_in_window)))
    if scope.department_id is not None:
        stmt = stmt.where(Grant.grantee_department_id == scope.department_id)
    if scope.dataset_id is not None:
        stmt = stmt.where(Grant.dataset_id == scope.dataset_id)
    if scope.grant_id is not None:
        stmt = stmt.where(Grant.id == scope.grant_id)
    grants = list(session.scalars(stmt.order_by(Grant.id).limit(MAX_GRANTS + 1)))
    if len(grants) > MAX_GRANTS:
        raise InvalidInput(
            f"more than {MAX_GRANTS} grants are in scope: narrow the report to a department, "
            "a dataset or fewer days",
            code="audit.too_many_grants",
        )
    return grants


@dataclass
class _Use:
    daily: dict[dt.date, int] = field(default_factory=lambda: defaultdict(int))
    modes_window: set[str] = field(default_factory=set)
    modes_ever: set[str] = field(default_factory=set)
    reads: int = 0
    rows: int = 0
    bytes: int = 0
    active: set[dt.date] = field(default_factory=set)
    last_read: dt.datetime | None = None
    columns: set[str] = field(default_factory=set)
    near_reads: int = 0
    near_rows: int = 0
    after_end: int = 0


def _of(uses: dict[int, _Use], grant_id: int | None) -> _Use:
    assert grant_id is not None  # every query here selects events by grant id
    return uses[grant_id]


def _daily(session: Session, ids: list[int], window: Window, uses: dict[int, _Use]) -> None:
    """Per grant, action and day from the spike lookback to the window's end."""
    day = local_day(AuditEvent.occurred_at)
    since = window.start - dt.timedelta(days=SPIKE_LOOKBACK_DAYS)
    stmt = (
        select(
            AuditEvent.grant_id,
            AuditEvent.action,
            day,
            func.count(),
            func.coalesce(func.sum(AuditEvent.rows_sent), 0),
            func.coalesce(func.sum(AuditEvent.bytes_sent), 0),
        )
        .where(
            _ok_reads(),
            AuditEvent.grant_id.in_(ids),
            AuditEvent.occurred_at >= since,
            AuditEvent.occurred_at < window.end,
        )
        .group_by(AuditEvent.grant_id, AuditEvent.action, day)
    )
    for grant_id, action, d, n, rows, size in session.execute(stmt):
        use, when = _of(uses, grant_id), as_date(d)
        use.daily[when] += int(rows or 0)
        if when >= window.first_day:
            use.reads += int(n)
            use.rows += int(rows or 0)
            use.bytes += int(size or 0)
            use.active.add(when)
            use.modes_window.add(USAGE_ACTIONS[action])


def _lifetime(session: Session, ids: list[int], window: Window, uses: dict[int, _Use]) -> None:
    """Per grant and action, ever (up to the window's end): modes used, the last read."""
    stmt = (
        select(AuditEvent.grant_id, AuditEvent.action, func.max(AuditEvent.occurred_at))
        .where(_ok_reads(), AuditEvent.grant_id.in_(ids), AuditEvent.occurred_at < window.end)
        .group_by(AuditEvent.grant_id, AuditEvent.action)
    )
    for grant_id, action, last in session.execute(stmt):
        use = _of(uses, grant_id)
        use.modes_ever.add(USAGE_ACTIONS[action])
        if last is not None and (use.last_read is None or last > use.last_read):
            use.last_read = last


def _columns(
    session: Session, grants: dict[int, Grant], window: Window, uses: dict[int, _Use]
) -> None:
    """The fields each grant's reads used, ever: one detail per distinct parameter set (events
    written before the envelope have no parameter hash and are each read)."""
    pending = [g for g in grants if set(grants[g].fields) - uses[g].columns]
    for ids in _chunks(pending):
        one_per_params = case((AuditEvent.params_sha256 == "", AuditEvent.id), else_=0)
        firsts = (
            select(func.min(AuditEvent.id))
            .where(_ok_reads(), AuditEvent.grant_id.in_(ids), AuditEvent.occurred_at < window.end)
            .group_by(
                AuditEvent.grant_id, AuditEvent.action, AuditEvent.params_sha256, one_per_params
            )
        )
        first_ids = sorted(i for i in session.scalars(firsts) if i is not None)
        for batch in _chunks(first_ids):
            rows = session.execute(
                select(AuditEvent.grant_id, AuditEvent.action, AuditEvent.detail).where(
                    AuditEvent.id.in_(batch)
                )
            )
            for grant_id, action, detail in rows:
                use = uses[grant_id]
                if set(grants[grant_id].fields) <= use.columns:
                    continue
                use.columns |= columns_used(action, detail if isinstance(detail, dict) else {})


def _thresholds(
    session: Session, grants: list[Grant], window: Window, uses: dict[int, _Use]
) -> None:
    """Reads in the window near each grant's expiry, and at or after its end."""
    near: list[ColumnElement[bool]] = []
    after: list[ColumnElement[bool]] = []
    margin = dt.timedelta(days=NEAR_EXPIRY_DAYS)
    for g in grants:
        end = _end_of_life(g)
        if g.expires_at is not None and g.expires_at - margin < window.end:
            upper = end if end is not None else g.expires_at
            near.append(
                and_(
                    AuditEvent.grant_id == g.id,
                    AuditEvent.occurred_at >= g.expires_at - margin,
                    AuditEvent.occurred_at < upper,
                )
            )
        if end is not None and end < window.end:
            after.append(and_(AuditEvent.grant_id == g.id, AuditEvent.occurred_at >= end))
    in_window = and_(
        _ok_reads(), AuditEvent.occurred_at >= window.start, AuditEvent.occurred_at < window.end
    )
    for conditions, near_kind in ((near, True), (after, False)):
        for i in range(0, len(conditions), _CHUNK // 2):
            stmt = (
                select(
                    AuditEvent.grant_id,
                    func.count(),
                    func.coalesce(func.sum(AuditEvent.rows_sent), 0),
                )
                .where(in_window, or_(*conditions[i : i + _CHUNK // 2]))
                .group_by(AuditEvent.grant_id)
            )
            for grant_id, n, rows in session.execute(stmt):
                use = _of(uses, grant_id)
                if near_kind:
                    use.near_reads += int(n)
                    use.near_rows += int(rows or 0)
                else:
                    use.after_end += int(n)


def build_reconciliation(
    session: Session, scope: Scope, window: Window, *, now: dt.datetime | None = None
) -> Reconciliation:
    """The reconciliation itself, with no access decision (callers decide first)."""
    now = now or utcnow()
    grants = _grants(session, scope, window)
    by_id = {g.id: g for g in grants}
    uses: dict[int, _Use] = {g.id: _Use() for g in grants}
    for ids in _chunks(list(by_id)):
        _daily(session, ids, window, uses)
        _lifetime(session, ids, window, uses)
    _columns(session, by_id, window, uses)
    _thresholds(session, grants, window, uses)
    names = Names.load(
        session,
        departments=(g.grantee_department_id for g in grants),
        datasets=(g.dataset_id for g in grants),
    )
    return Reconciliation(
        window=window,
        scope=scope,
        grants=tuple(_grant_use(g, uses[g.id], names, window, now) for g in grants),
        generated_at=now,
    )


def _grant_use(g: Grant, use: _Use, names: Names, window: Window, now: dt.datetime) -> GrantUse:
    fields = tuple(str(f) for f in g.fields or ())
    granted_modes = tuple(str(m) for m in g.access_modes or ())
    never_read = tuple(f for f in fields if f not in use.columns)
    modes_never = tuple(m for m in granted_modes if m not in use.modes_ever)
    found_spikes = spikes(use.daily, window.first_day, window.last_day)
    flags: set[str] = set(quota_findings(g.quota_rows, g.rows_used or 0))
    if not use.modes_ever:
        flags.add("unused")
    else:
        flags.update({"columns_never_read"} if never_read else set())
        flags.update({"modes_never_used"} if modes_never else set())
    flags.update({"volume_spike"} if found_spikes else set())
    flags.update({"near_expiry"} if use.near_reads else set())
    flags.update({"after_end"} if use.after_end else set())
    dept_code, dept_name = names.department(g.grantee_department_id)
    ds_code, title_zh, title_en = names.dataset(g.dataset_id)
    return GrantUse(
        grant_id=g.id,
        dataset_code=ds_code,
        dataset_title_zh=title_zh,
        dataset_title_en=title_en,
        department_code=dept_code,
        department_name=dept_name,
        purpose=g.purpose,
        state=grant_state(g, now),
        created_at=g.created_at,
        expires_at=g.expires_at,
        revoked_at=g.revoked_at,
        fields=fields,
        modes_granted=granted_modes,
        modes_used=tuple(sorted(use.modes_window)),
        reads=use.reads,
        rows=use.rows,
        bytes=use.bytes,
        active_days=len(use.active),
        last_read=use.last_read,
        columns_never_read=never_read,
        modes_never_used=modes_never,
        quota_rows=g.quota_rows,
        rows_used=g.rows_used or 0,
        near_expiry_reads=use.near_reads,
        near_expiry_rows=use.near_rows,
        after_end_reads=use.after_end,
        spikes=found_spikes,
        findings=tuple(f for f in FINDINGS if f in flags),
    )
