"""Reconciliation of use against grants, on SQLite and PostgreSQL, and its rules as plain
functions: columns and modes never used, grants never used, volume spikes, reads near expiry and
after the end, quota."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from catalog.errors import AccessRefused
from catalog.grants import consume_quota, revoke_grant
from catalog.usage_reconcile import reconcile
from catalog.usage_rules import (
    SPIKE_FACTOR,
    SPIKE_LOOKBACK_DAYS,
    SPIKE_MIN_BASELINE_DAYS,
    SPIKE_MIN_ROWS,
    columns_used,
    quota_findings,
    spikes,
)
from catalog.usage_window import ReportQuery
from tests.catalog import usage_factories as uf
from tests.catalog.usage_factories import NOW

DAY = dt.timedelta(days=1)
MARCH = ReportQuery(date_from="2026-03-01", date_to="2026-03-20")


def test_reconciliation_flags_each_kind_of_misuse(catalog_session: Session, tmp_path: Path) -> None:
    s = catalog_session
    w = uf.world(s, tmp_path)
    swj = w.ex.requester.principal
    fields = ["citizen_id", "person_name", "period", "amount"]
    steady = uf.grant(s, w.ex, fields, modes=("query", "bulk"), quota_rows=10_000)
    unused = uf.grant(s, w.ex, ["period"])
    ending = uf.grant(s, w.ex, ["period"], expires_at=dt.datetime(2026, 3, 18, tzinfo=dt.UTC))
    revoked = uf.grant(s, w.ex, ["amount"])
    # steady: 50 rows a day for a week, then a 1,000-row day; never bulk; amount never read
    for i in range(7):
        uf.read(
            s,
            swj,
            steady,
            dt.datetime(2026, 3, 1 + i, 2, tzinfo=dt.UTC),
            50,
            columns=("citizen_id", "period"),
        )
    uf.read(
        s,
        swj,
        steady,
        dt.datetime(2026, 3, 9, 2, tzinfo=dt.UTC),
        1000,
        columns=("person_name", "period"),
        filters=({"field": "amount", "op": "gt", "value": 1},),
    )
    consume_quota(s, steady, 9_500)
    # ending: read three days before it expires
    uf.read(s, swj, ending, dt.datetime(2026, 3, 15, 2, tzinfo=dt.UTC), 30)
    # revoked on the 10th, yet read on the 12th (a defect the decision should have stopped)
    revoke_grant(
        s,
        w.ex.publisher.principal,
        revoked.id,
        "违规使用",
        now=dt.datetime(2026, 3, 10, tzinfo=dt.UTC),
    )
    uf.read(s, swj, revoked, dt.datetime(2026, 3, 12, 2, tzinfo=dt.UTC), 5)
    s.commit()

    recon = reconcile(s, w.auditor, MARCH, now=NOW)
    by_id = {g.grant_id: g for g in recon.grants}
    assert {steady.id, unused.id, ending.id, revoked.id} <= set(by_id)

    g = by_id[steady.id]
    assert (g.reads, g.rows, g.active_days) == (8, 1350, 8)
    assert g.columns_never_read == ("amount",)  # filtered on is not read
    assert g.modes_never_used == ("bulk",)
    assert [(sp.day, sp.rows, sp.typical) for sp in g.spikes] == [(dt.date(2026, 3, 9), 1000, 50.0)]
    assert g.quota_share == pytest.approx(0.95)
    assert g.findings == ("volume_spike", "quota_high", "columns_never_read", "modes_never_used")
    assert g.purpose == "社保缴费核对" and g.department_code == w.ex.requester_dept.code

    u = by_id[unused.id]
    assert u.findings == ("unused",) and u.reads == 0 and u.columns_never_read == ("period",)

    e = by_id[ending.id]
    assert (e.near_expiry_reads, e.near_expiry_rows) == (1, 30)
    assert "near_expiry" in e.findings and e.state == "expired"

    r = by_id[revoked.id]
    assert r.after_end_reads == 1 and r.findings[0] == "after_end" and r.state == "revoked"
    assert recon.count("unused") >= 1 and dict(recon.finding_counts)["after_end"] == 1


def test_scope_and_lifetime(catalog_session: Session, tmp_path: Path) -> None:
    s = catalog_session
    w = uf.world(s, tmp_path)
    old = uf.grant(
        s,
        w.ex,
        ["period"],
        at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        expires_at=dt.datetime(2025, 6, 1, tzinfo=dt.UTC),
    )
    theirs = uf.grant(s, w.other, ["period"])
    # read long before the report's days: not "unused", though idle in them
    mine = uf.grant(s, w.ex, ["period"], at=dt.datetime(2025, 12, 1, tzinfo=dt.UTC))
    uf.read(s, w.ex.requester.principal, mine, dt.datetime(2025, 12, 2, tzinfo=dt.UTC), 3)
    s.commit()
    scoped = reconcile(
        s,
        w.auditor,
        ReportQuery(department=w.ex.requester_dept.code, date_from="2026-03-01"),
        now=NOW,
    )
    ids = {g.grant_id for g in scoped.grants}
    assert old.id not in ids  # ended before the days asked
    assert theirs.id not in ids  # another department's
    use = {g.grant_id: g for g in scoped.grants}[mine.id]
    assert use.reads == 0 and "unused" not in use.findings
    assert use.last_read == dt.datetime(2025, 12, 2, tzinfo=dt.UTC)
    with pytest.raises(AccessRefused):
        reconcile(s, w.ex.publisher.principal, MARCH, now=NOW)


def test_columns_never_read_reads_one_detail_per_parameter_set(
    catalog_session: Session, tmp_path: Path
) -> None:
    """A department paging through the same query: the columns come from its first page."""
    s = catalog_session
    w = uf.world(s, tmp_path)
    g = uf.grant(s, w.ex, ["citizen_id", "period"])
    for i in range(30):
        uf.read(
            s, w.ex.requester.principal, g, NOW - dt.timedelta(hours=i + 1), 10, columns=("period",)
        )
    uf.verify(s, w.ex.requester.principal, g, NOW - dt.timedelta(minutes=5))
    s.commit()
    use = reconcile(s, w.auditor, ReportQuery(grant=g.id), now=NOW).grants[0]
    assert use.columns_never_read == ()  # verify matched on citizen_id
    assert use.reads == 31


# --- the rules, as plain functions ----------------------------------------------------------


def _days(start: dt.date, rows: list[int]) -> dict[dt.date, int]:
    return {start + dt.timedelta(days=i): n for i, n in enumerate(rows) if n}


def test_spike_rule_edges() -> None:
    d0 = dt.date(2026, 3, 1)
    base = [40] * SPIKE_MIN_BASELINE_DAYS
    assert spikes(_days(d0, [*base, 200]), d0, d0 + 10 * dt.timedelta(days=1))
    assert not spikes(_days(d0, [*base, 199]), d0, d0 + dt.timedelta(days=10))  # < 5 × 40
    assert not spikes(_days(d0, [*base[:-1], 1000]), d0, d0 + dt.timedelta(days=10))  # 2 days
    assert not spikes(_days(d0, [1, 1, 1, 99]), d0, d0 + dt.timedelta(days=10))  # < 100 rows
    far = {d0: 10, d0 + dt.timedelta(days=1): 10, d0 + dt.timedelta(days=2): 10}
    late = d0 + dt.timedelta(days=2 + SPIKE_LOOKBACK_DAYS + 1)
    assert not spikes({**far, late: 5000}, d0, late)  # the baseline fell out of the lookback
    # the window excludes the lookback days themselves
    data = _days(d0, [*base, 200, *base, 400])
    found = spikes(data, d0 + dt.timedelta(days=5), d0 + dt.timedelta(days=20))
    assert [s.day for s in found] == [d0 + dt.timedelta(days=7)]


@given(
    st.lists(st.integers(min_value=0, max_value=5000), min_size=1, max_size=60),
    st.integers(min_value=0, max_value=59),
)
def test_a_spike_is_always_big_against_its_trailing_median(rows: list[int], cut: int) -> None:
    import statistics

    d0 = dt.date(2026, 1, 1)
    data = _days(d0, rows)
    for s in spikes(
        data, d0 + dt.timedelta(days=min(cut, len(rows) - 1)), d0 + dt.timedelta(days=60)
    ):
        before = [
            n
            for d, n in data.items()
            if s.day - dt.timedelta(days=SPIKE_LOOKBACK_DAYS) <= d < s.day
        ]
        assert len(before) >= SPIKE_MIN_BASELINE_DAYS
        assert s.typical == statistics.median(before)
        assert s.rows >= SPIKE_MIN_ROWS and s.rows >= SPIKE_FACTOR * s.typical


def test_columns_used_and_quota_rules() -> None:
    assert columns_used("data.read", {"columns": ["a", "b"], "filters": [{"field": "c"}]}) == {
        "a",
        "b",
    }
    assert columns_used("data.aggregated", {"group_by": ["r"], "measures": ["count", "sum_x"]}) == {
        "r",
        "x",
    }
    assert columns_used("data.verified", {"match_on": ["k"], "compare": ["n"]}) == {"k", "n"}
    assert columns_used("subscription.file_fetched", {"file": "x"}) == set()
    assert columns_used("data.read", {"columns": "not a list"}) == set()
    assert quota_findings(None, 10**9) == ()
    assert quota_findings(100, 89) == ()
    assert quota_findings(100, 90) == ("quota_high",)
    assert quota_findings(100, 100) == ("quota_exhausted",)
