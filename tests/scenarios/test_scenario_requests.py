"""数字助残 end to end on the scenario world (issue 15): 区残联 files one scenario request over
民政, 卫健, 财政 and 人社 data; each owner decides its own member (two narrow); the joined view,
read in one DuckDB query through every member grant, gives exactly the generator's
``truth.eligible`` — and the independent oracle's — while a column an owner dropped never
appears; every member read and the scenario read are audited, the chain verifies, and one lineage
run has every member dataset as input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog import audit
from catalog.db import init_catalog
from catalog.models import AuditEvent, LineageEvent
from catalog.scenario_tables import ScenarioRequest
from catalog.scenarios import scenario_status
from catalog.settings import Settings
from exchange_api.scenario_eligibility import eligible_unpaid
from exchange_api.scenario_path import read_joined
from lakehouse.samples.scenarios import scenario_contracts
from tests.fixtures.world_copy import copied_world
from tests.scenarios import oracle
from tests.scenarios.scenario_request_world import DROPPED, Filed, file_and_decide, principal


@pytest.fixture(scope="module")
def filed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Filed]:
    var = tmp_path_factory.mktemp("scenreq") / "var"
    settings = Settings(var_dir=var, environment="test", _env_file=None)  # type: ignore[call-arg]
    world = copied_world(settings)
    sessions: sessionmaker[Session] = init_catalog(settings.resolved_catalog_url)
    scenario_id, members = file_and_decide(sessions)
    yield Filed(settings, sessions, world, scenario_id, members)
    sessions.kw["bind"].dispose()


def _read(filed: Filed, **kwargs: object) -> dict[str, object]:
    with filed.sessions() as session:
        delivery = read_joined(
            session,
            filed.settings,
            principal(session, "scen-cl"),
            filed.scenario_id,
            limit=10_000,
            **kwargs,  # type: ignore[arg-type]
        )
    page: dict[str, object] = json.loads(delivery.body)
    return page


def test_the_scenario_is_live_once_every_owner_decided(filed: Filed) -> None:
    with filed.sessions() as session:
        scenario = session.get(ScenarioRequest, filed.scenario_id)
        assert scenario is not None and scenario_status(scenario) == "live"
        assert scenario.anchor is not None and scenario.anchor.code == "cl_disabled_persons"
        assert {m.dataset.code for m in scenario.members} == set(filed.members)


def test_eligibility_equals_the_truth_and_the_oracle(filed: Filed) -> None:
    page = _read(filed)
    rows = page["rows"]
    assert isinstance(rows, list) and 0 < len(rows) < 10_000
    found = eligible_unpaid(rows)
    assert found == filed.world.truth.eligible
    contracts = scenario_contracts()
    read_back = {
        code: oracle.read_rows(contracts[code], Path(path))
        for code, path in filed.world.extracts.items()
    }
    assert found == oracle.eligible(read_back)


def test_a_dropped_column_never_appears(filed: Filed) -> None:
    page = _read(filed)
    names = [c["name"] for c in page["columns"]]  # type: ignore[attr-defined]
    assert not set(DROPPED) & set(names)
    assert all(not set(DROPPED) & set(row) for row in page["rows"])  # type: ignore[attr-defined]
    assert not any("care_grade" in n or "insurance_status" in n for n in names)
    # the key is shown once, as the anchor (the register's owner) sees it
    assert [n for n in names if n.endswith(".citizen_id")] == ["cl_disabled_persons.citizen_id"]
    masked = {c["name"] for c in page["columns"] if c["masked"]}  # type: ignore[attr-defined]
    assert "cl_disabled_persons.mobile" not in masked  # the owner reads its own register clear


def test_every_read_is_audited_and_traced(filed: Filed) -> None:
    _read(filed)
    with filed.sessions() as session:
        last = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "scenario.read")
            .order_by(AuditEvent.id.desc())
        ).first()
        assert last is not None and last.object == f"scenario:{filed.scenario_id}"
        members = last.detail["member_events"]
        assert len(members) == 5  # the register and the four grants
        reads = [session.get(AuditEvent, i) for i in members]
        assert all(e is not None and e.action == "data.read" for e in reads)
        assert {e.grant_id for e in reads if e is not None} - {None} == set(
            last.detail["grant_ids"]
        )
        assert all(e is not None and e.rows_sent is not None for e in reads)
        assert audit.verify_chain(session).ok
        run = session.scalars(
            select(LineageEvent)
            .where(LineageEvent.job_name.like("%exchange.scenario.%"))
            .order_by(LineageEvent.id.desc())
        ).first()
        assert run is not None
        inputs = {i["name"] for i in run.payload["inputs"]}
        assert inputs == {f"lake.main.{c}" for c in last.detail["datasets"]}
        assert len(inputs) == 5
