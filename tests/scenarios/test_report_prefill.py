"""智能报表 end to end on the scenario world (issue 15): the 北山街道 office is granted what its
monthly report reads (filed and approved through the library) and pre-fills it. Every reused value
equals the generator's truth and the independent oracle's; the two ``collect`` fields and the
field filtering on a masked ``disability_level`` are ``to_collect`` for a named reason; counts
under the minimum group size are suppressed (to_collect); the three repeated-collection fields are
flagged; sources are the datasets' current snapshots; the pre-fill is audited and traced; a
department without grants learns no value; a revoked grant stops the value."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog import audit
from catalog.db import init_catalog
from catalog.grants import revoke_grant
from catalog.models import AuditEvent, Dataset, LineageEvent
from catalog.settings import Settings
from exchange_api.demo_report import grant_office
from lakehouse.samples.scenarios import scenario_contracts
from tests.fixtures.world_copy import copied_world
from tests.scenarios import oracle
from tests.scenarios.report_world import ReportWorld, run_prefill
from tests.scenarios.scenario_request_world import principal

SMALL = {"dibian_persons", "unemployed_disabled_persons"}  # 9 each for seed 20261201
MASKED_WHERE = "severe_disabled_persons"  # filters on disability_level, masked for a grantee


@pytest.fixture(scope="module")
def granted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReportWorld]:
    var = tmp_path_factory.mktemp("reports") / "var"
    settings = Settings(var_dir=var, environment="test", _env_file=None)
    world = copied_world(settings)
    sessions: sessionmaker[Session] = init_catalog(settings.resolved_catalog_url)
    grants = grant_office(sessions)
    yield ReportWorld(settings, sessions, world, grants)
    sessions.kw["bind"].dispose()


@pytest.fixture(scope="module")
def expected(granted: ReportWorld) -> dict[str, str]:
    contracts = scenario_contracts()
    rows = {
        code: oracle.read_rows(contracts[code], Path(path))
        for code, path in granted.world.extracts.items()
    }
    world = granted.world.world
    values = oracle.report_values(rows, world.street, world.report_month)
    assert values == granted.world.truth.report_values  # the oracle agrees with the generator
    return values


def test_reused_to_collect_and_repeated_collection(
    granted: ReportWorld, expected: dict[str, str]
) -> None:
    report = run_prefill(granted)
    truth = granted.world.truth.report_fields
    platform = {n for n, t in truth.items() if t.dataset is not None}
    assert len(platform) == 8
    assert set(report.reused) == platform - SMALL - {MASKED_WHERE}
    for name in report.reused:
        assert report.field(name).value == expected[name], name
        assert report.field(name).dataset == truth[name].dataset
    collect = {n for n, t in truth.items() if t.fill == "collect"}
    assert len(collect) == 2
    assert set(report.to_collect) == collect | SMALL | {MASKED_WHERE}
    assert {report.field(n).reason_code for n in collect} == {"collect"}
    assert {report.field(n).reason_code for n in SMALL} == {"report.suppressed"}
    masked = report.field(MASKED_WHERE)
    assert masked.reason_code == "field.masked" and masked.value is None
    assert masked.missing == ("cl_disabled_persons.disability_level",)
    repeated = {n for n, t in truth.items() if t.repeated}
    assert len(repeated) == 3 and set(report.repeated) == repeated
    assert report.field("report_month").value == granted.world.world.report_month
    assert report.field("region").value == "330106"
    assert all(f.value is None for f in report.fields if f.status == "to_collect")


def test_a_smaller_minimum_fills_the_small_counts(
    granted: ReportWorld, expected: dict[str, str]
) -> None:
    report = run_prefill(granted, min_group_size=5)
    assert SMALL <= set(report.reused)
    assert len(report.reused) == 7
    for name in report.reused:
        assert report.field(name).value == expected[name], name


def test_sources_are_the_current_snapshots_through_the_office_grants(granted: ReportWorld) -> None:
    report = run_prefill(granted)
    with granted.sessions() as session:
        current = {d.code: d.current_snapshot_id for d in session.scalars(select(Dataset))}
    for source in report.sources:
        assert source.snapshot_id == current[source.dataset]
        assert source.grant_id == granted.grants[source.dataset]
    for name in report.reused:
        field = report.field(name)
        assert field.snapshot_id == current[field.dataset]
        assert field.grant_id == granted.grants[field.dataset]
        if field.via_dataset:
            assert field.via_grant_id == granted.grants[field.via_dataset]


def test_the_prefill_is_audited_and_traced(granted: ReportWorld) -> None:
    report = run_prefill(granted)
    with granted.sessions() as session:
        event = session.get(AuditEvent, report.event_id)
        assert event is not None and event.action == "report.prefilled"
        assert event.object == "report_template:street_monthly"
        assert event.content_sha256 == report.content_sha256
        detail = event.detail
        assert detail["month"] == "2026-11" and detail["template"] == "street_monthly"
        assert set(detail["grant_ids"]) == set(granted.grants.values())
        assert {s.split("@")[0] for s in detail["sources"]} == set(granted.grants)
        assert "severe_disabled_persons:field.masked" in detail["to_collect"]
        assert audit.verify_chain(session).ok
        run = session.scalars(
            select(LineageEvent)
            .where(LineageEvent.job_name.like("%report.street_monthly%"))
            .order_by(LineageEvent.id.desc())
        ).first()
        assert run is not None
        inputs = {i["name"] for i in run.payload["inputs"]}
        assert inputs == {f"lake.main.{c}" for c in granted.grants}


def test_a_department_without_grants_learns_no_value(granted: ReportWorld) -> None:
    """Chosen behaviour: another office may pre-fill (a template is a public form), but every
    platform field comes back to_collect with the dataset to request — no value, no count."""
    report = run_prefill(granted, "scen-mhww", min_group_size=1)
    platform = [f for f in report.fields if f.fill == "platform"]
    assert platform and all(f.status == "to_collect" and f.value is None for f in platform)
    assert {f.reason_code for f in platform} == {"grant.missing"}
    assert report.field("disabled_persons").missing == ("cl_disabled_persons",)
    assert report.sources == ()
    assert len(report.repeated) == 3  # still flagged: the data is shared, request it


def test_a_revoked_grant_stops_the_value(granted: ReportWorld) -> None:  # last: it revokes
    before = run_prefill(granted, min_group_size=5)
    assert before.field("unemployed_disabled_persons").status == "reused"
    with granted.sessions() as session:
        revoke_grant(
            session,
            principal(session, "scen-rsj"),
            granted.grants["rsj_employment_insurance"],
            reason="用途已变更",
        )
        session.commit()
    after = run_prefill(granted, min_group_size=5)
    field = after.field("unemployed_disabled_persons")
    assert field.status == "to_collect" and field.value is None
    assert field.reason_code == "grant.missing"
    assert field.missing == ("rsj_employment_insurance",)
    assert set(after.reused) == set(before.reused) - {"unemployed_disabled_persons"}
