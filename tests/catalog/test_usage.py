"""Usage reports over a real catalog, on SQLite and PostgreSQL: grouping by China Standard Time
day, week and month; filters; refusals; who may see them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.errors import AccessRefused, InvalidInput
from catalog.models import AuditEvent
from catalog.usage import build_usage, periods, usage_report
from catalog.usage_window import Period, ReportQuery, Window, window
from tests.catalog import usage_factories as uf
from tests.catalog.usage_factories import NOW

DAY = dt.timedelta(days=1)


def _utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def test_usage_groups_by_beijing_day_department_dataset_and_grant(
    catalog_session: Session, tmp_path: Path
) -> None:
    w = uf.world(catalog_session, tmp_path)
    swj = w.ex.requester.principal
    g = uf.grant(catalog_session, w.ex, ["citizen_id", "period"])
    other = uf.grant(catalog_session, w.other, ["period"], purpose="统计分析")
    # 15:59 UTC is 23:59 on the 10th in Beijing; 16:00 UTC is already the 11th there
    uf.read(catalog_session, swj, g, _utc(2026, 3, 10, 15, 59), 10)
    uf.read(catalog_session, swj, g, _utc(2026, 3, 10, 16, 0), 20)
    uf.bulk(catalog_session, swj, g, _utc(2026, 3, 11, 1, 0), 500)
    uf.verify(catalog_session, swj, g, _utc(2026, 3, 11, 2, 0))
    uf.refused(catalog_session, swj, g, _utc(2026, 3, 11, 3, 0))
    uf.read(catalog_session, w.other.requester.principal, other, _utc(2026, 3, 12, 3), 7)
    catalog_session.commit()

    report = usage_report(
        catalog_session,
        w.auditor,
        ReportQuery(date_from="2026-03-01", date_to="2026-03-31"),
        now=NOW,
    )
    lines = {(r.period, r.dataset_code, r.grant_id): r for r in report.rows}
    tenth = lines[("2026-03-10", w.ex.dataset.code, g.id)]
    assert (tenth.reads, tenth.rows, tenth.refused) == (1, 10, 0)
    eleventh = lines[("2026-03-11", w.ex.dataset.code, g.id)]
    # verify sends no rows; the refusal is counted beside the reads, not as one
    assert (eleventh.reads, eleventh.rows, eleventh.refused) == (3, 520, 1)
    assert dict(eleventh.modes) == {"query": 1, "bulk": 1, "verify": 1}
    assert eleventh.purposes == ("社保缴费核对",)
    assert eleventh.department_code == w.ex.requester_dept.code
    assert eleventh.accounts == (w.ex.requester.account.name,)
    assert eleventh.bytes == sum(
        e.bytes_sent or 0
        for e in catalog_session.scalars(select(AuditEvent).where(AuditEvent.grant_id == g.id))
        if e.occurred_at >= _utc(2026, 3, 10, 16)
    )
    assert report.total.reads == 5 and report.total.rows == 537 and report.total.refused == 1
    assert len(report.by_period) == 31  # every day of March, empty ones too
    assert [t.key for t in report.by_department][0] == w.ex.requester_dept.code

    weekly = usage_report(
        catalog_session,
        w.auditor,
        ReportQuery(date_from="2026-03-01", date_to="2026-03-31", by="week"),
        now=NOW,
    )
    week = {(r.period, r.grant_id): r for r in weekly.rows}[("2026-W11", g.id)]
    assert (week.reads, week.rows) == (4, 530)  # Mon 9th .. Sun 15th
    monthly = usage_report(
        catalog_session, w.auditor, ReportQuery(date_from="2026-03-01", by="month"), now=NOW
    )
    assert [t.label for t in monthly.by_period] == ["2026-03"]
    assert monthly.total.rows == 537


def test_filters_narrow_the_report(catalog_session: Session, tmp_path: Path) -> None:
    w = uf.world(catalog_session, tmp_path)
    g = uf.grant(catalog_session, w.ex, ["period"])
    g2 = uf.grant(catalog_session, w.ex, ["amount"], purpose="另一用途")
    other = uf.grant(catalog_session, w.other, ["period"])
    for grant, who in ((g, w.ex.requester), (g2, w.ex.requester), (other, w.other.requester)):
        uf.read(catalog_session, who.principal, grant, NOW - DAY, 5)
    catalog_session.commit()

    def rows(**query: str) -> set[int | None]:
        report = usage_report(catalog_session, w.auditor, ReportQuery(**query), now=NOW)
        return {r.grant_id for r in report.rows}

    assert rows() == {g.id, g2.id, other.id}
    assert rows(department=w.ex.requester_dept.code) == {g.id, g2.id}
    assert rows(dataset=w.other.dataset.code) == {other.id}
    assert rows(grant=str(g2.id)) == {g2.id}
    assert rows(date_to=(NOW - 3 * DAY).date().isoformat()) == set()


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"date_from": "2026-13-01"}, "audit.bad_date"),
        ({"date_from": "yesterday"}, "audit.bad_date"),
        ({"date_to": "2026-03-01'; DROP TABLE audit_events; --"}, "audit.bad_date"),
        ({"date_from": "2026-03-10", "date_to": "2026-03-01"}, "audit.range_invalid"),
        ({"date_from": "2020-01-01", "date_to": "2026-03-01"}, "audit.range_too_long"),
        ({"department": "X' OR '1'='1"}, "audit.unknown_department"),
        ({"department": "NOPE"}, "audit.unknown_department"),
        ({"dataset": "no_such_dataset"}, "audit.unknown_dataset"),
        ({"grant": "1 OR 1=1"}, "audit.unknown_grant"),
        ({"grant": "99999999999999999999"}, "audit.unknown_grant"),
        ({"grant": "424242"}, "audit.unknown_grant"),
        ({"by": "year"}, "audit.bad_period"),
    ],
)
def test_bad_filters_are_refused_with_stable_codes(
    catalog_session: Session, tmp_path: Path, query: dict[str, str], code: str
) -> None:
    w = uf.world(catalog_session, tmp_path)
    with pytest.raises(InvalidInput) as caught:
        usage_report(catalog_session, w.auditor, ReportQuery(**query), now=NOW)
    assert caught.value.code == code
    assert caught.value.status == 422


def test_only_auditors_and_admins_see_usage_and_refusals_are_audited(
    catalog_session: Session, tmp_path: Path
) -> None:
    w = uf.world(catalog_session, tmp_path)
    usage_report(catalog_session, w.admin, ReportQuery(), now=NOW)  # admins may, per policy
    for who in (w.ex.requester.principal, w.ex.publisher.principal, w.steward):
        with pytest.raises(AccessRefused) as caught:
            # even a bad filter is not looked at before the decision
            usage_report(catalog_session, who, ReportQuery(department="NOPE"), now=NOW)
        assert caught.value.code == "role.auditor_required"
    refusals = catalog_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "access.refused")
    ).all()
    assert [e.detail["act"] for e in refusals] == ["audit.usage"] * 3


def test_periods_cover_the_window_once_each() -> None:
    days = Window(dt.date(2026, 2, 27), dt.date(2026, 3, 3))
    assert periods(days, Period.DAY)[0] == dt.date(2026, 2, 27)
    assert len(periods(days, Period.DAY)) == 5
    assert periods(days, Period.WEEK) == [dt.date(2026, 2, 23), dt.date(2026, 3, 2)]
    assert periods(days, Period.MONTH) == [dt.date(2026, 2, 1), dt.date(2026, 3, 1)]
    assert window(None, None, today=dt.date(2026, 3, 20)).days == 30
    assert window("2026-03-20", None, today=dt.date(2026, 3, 20)).days == 1


def test_no_usage_is_an_empty_report(catalog_session: Session, tmp_path: Path) -> None:
    uf.world(catalog_session, tmp_path)
    days = Window(dt.date(2026, 3, 1), dt.date(2026, 3, 7))
    from catalog.usage_window import Scope

    report = build_usage(catalog_session, Scope(), days, Period.DAY, now=NOW)
    assert report.rows == ()
    assert [t.reads for t in report.by_period] == [0] * 7
