"""Scenario requests over HTTP and the CLI, attacked as a hostile department would (issue 15):
the joined view never shows a dropped column (API JSON, NDJSON, CLI); another department cannot
read a scenario (refused and audited); one owner cannot decide another's member; a scenario with
an undecided member is not live; a revoked member grant refuses the whole read (audited); a filter
on a masked column is refused; a masked key never appears in clear; a rotated token is refused."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog import accounts
from catalog.db import init_catalog
from catalog.errors import AccessRefused, NotFound
from catalog.grants import revoke_grant
from catalog.models import Account, AuditEvent
from catalog.requests import approve_request, get_request, grant_of
from catalog.scenarios import MemberAsk, file_scenario
from catalog.settings import Settings
from exchange_api.app import create_app
from exchange_api.scenario_world import ScenarioWorld
from tests.fixtures.cli_runner import run_zhongtai
from tests.fixtures.world_copy import copied_world
from tests.scenarios.scenario_request_world import DROPPED, file_and_decide, principal

API = "/api/v1/scenarios"


@dataclass
class Arena:
    settings: Settings
    sessions: sessionmaker[Session]
    world: ScenarioWorld
    client: TestClient
    scenario_id: int

    def headers(self, account: str) -> dict[str, str]:
        return self.world.tokens.headers(account)


@pytest.fixture(scope="module")
def arena(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Arena]:
    var = tmp_path_factory.mktemp("scenattack") / "var"
    settings = Settings(var_dir=var, environment="test", _env_file=None)  # type: ignore[call-arg]
    world = copied_world(settings)
    sessions: sessionmaker[Session] = init_catalog(settings.resolved_catalog_url)
    scenario_id, _ = file_and_decide(sessions)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield Arena(settings, sessions, world, client, scenario_id)
    sessions.kw["bind"].dispose()


def _last(arena: Arena, action: str) -> AuditEvent:
    with arena.sessions() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id.desc())
        ).first()
        assert event is not None
        return event


def test_api_lists_shows_and_reads_without_a_dropped_column(arena: Arena) -> None:
    listed = arena.client.get(API, headers=arena.headers("scen-cl"))
    assert listed.status_code == 200 and [s["id"] for s in listed.json()] == [arena.scenario_id]
    shown = arena.client.get(f"{API}/{arena.scenario_id}", headers=arena.headers("scen-wjw"))
    assert shown.status_code == 200 and shown.json()["status"] == "live"
    page = arena.client.get(
        f"{API}/{arena.scenario_id}/rows?limit=10000", headers=arena.headers("scen-cl")
    )
    assert page.status_code == 200, page.text
    body = page.json()
    names = {c["name"] for c in body["columns"]}
    assert not names & set(DROPPED) and body["row_count"] > 0
    assert page.headers["X-Zhongtai-Audit-Event"] == str(_last(arena, "scenario.read").id)
    lines = arena.client.get(
        f"{API}/{arena.scenario_id}/rows?limit=50&format=ndjson", headers=arena.headers("scen-cl")
    )
    rows = [json.loads(line) for line in lines.text.splitlines()]
    assert len(rows) == 50 and all(not set(r) & set(DROPPED) for r in rows)


def test_cli_read_shows_no_dropped_column(arena: Arena) -> None:
    s = arena.settings
    env = dict(
        ZHONGTAI_VAR_DIR=str(s.var_dir),
        ZHONGTAI_CATALOG_URL=s.catalog_url,
        ZHONGTAI_LAKE_CATALOG=s.lake_catalog,
        ZHONGTAI_ENVIRONMENT="test",
        ZHONGTAI_ENV_FILE=os.devnull,
        ZHONGTAI_TOKEN=arena.world.tokens.by_account["scen-cl"],
        COLUMNS="200",
    )
    done = run_zhongtai("scenario", "read", str(arena.scenario_id), "--ndjson", env=env)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert rows and all(not set(r) & set(DROPPED) for r in rows)
    shown = run_zhongtai("scenario", "show", str(arena.scenario_id), env=env)
    assert shown.returncode == 0 and '"status": "live"' in shown.stdout


def test_another_department_is_refused_and_audited(arena: Arena) -> None:
    for account in ("scen-bsjd", "scen-mhww"):
        answer = arena.client.get(f"{API}/{arena.scenario_id}/rows", headers=arena.headers(account))
        assert answer.status_code == 404
        assert answer.json()["code"] == "scenario.not_found"
        refused = _last(arena, "access.refused")
        assert refused.object == f"scenario:{arena.scenario_id}"
    # an owner of a member sees the scenario but does not read the joined view
    owner = arena.client.get(f"{API}/{arena.scenario_id}/rows", headers=arena.headers("scen-czj"))
    assert owner.status_code == 403 and owner.json()["code"] == "scenario.not_requester"


def test_a_filter_on_a_masked_column_is_refused(arena: Arena) -> None:
    someone = next(iter(arena.world.truth.eligible))
    answer = arena.client.post(
        f"{API}/{arena.scenario_id}/query",
        headers=arena.headers("scen-cl"),
        json={
            "filters": {
                "mzj_assistance_status": [{"field": "citizen_id", "op": "eq", "value": someone}]
            }
        },
    )
    assert answer.status_code == 403 and answer.json()["code"] == "field.masked"
    assert _last(arena, "scenario.read_refused").detail["code"] == "field.masked"
    allowed = arena.client.post(
        f"{API}/{arena.scenario_id}/query",
        headers=arena.headers("scen-cl"),
        json={
            "filters": {
                "rsj_employment_insurance": [{"field": "period", "op": "eq", "value": "2026-11"}]
            },
            "limit": 10000,
        },
    )
    assert allowed.status_code == 200, allowed.text
    periods = {r["rsj_employment_insurance.period"] for r in allowed.json()["rows"]}
    assert periods <= {"2026-11", None}


def test_a_masked_key_never_appears_in_clear(arena: Arena) -> None:
    """北山街道 owns no dataset here: the anchor is its first member, whose grant masks the ID."""
    with arena.sessions() as session:
        scenario = file_scenario(
            session,
            principal(session, "scen-bsjd"),
            title="街道救助对象补贴核对",
            purpose="核对辖区救助对象的残疾人补贴发放",
            legal_basis="《社会救助暂行办法》",
            join_field="citizen_id",
            members=[
                MemberAsk("mzj_assistance_status", ("citizen_id", "assistance_type", "street")),
                MemberAsk("czj_disability_subsidies", ("citizen_id", "subsidy_type")),
            ],
        )
        scenario_id = scenario.id
        ids = {m.dataset.code: m.id for m in scenario.members}
        session.commit()
    for code, account in (
        ("mzj_assistance_status", "scen-mzj"),
        ("czj_disability_subsidies", "scen-czj"),
    ):
        with arena.sessions() as session:
            approve_request(session, principal(session, account), ids[code])
            session.commit()
    page = arena.client.get(
        f"{API}/{scenario_id}/rows?limit=10000", headers=arena.headers("scen-bsjd")
    )
    assert page.status_code == 200, page.text
    body = page.json()
    assert body["row_count"] > 0
    assert {"mzj_assistance_status.citizen_id": True}.items() <= {
        c["name"]: c["masked"] for c in body["columns"]
    }.items()
    assert any(r["czj_disability_subsidies.matched"] for r in body["rows"])  # it did join
    clear = {p.citizen_id for p in arena.world.world.people}
    assert not any(cid in page.text for cid in clear)


def test_owners_decide_only_their_own_member_and_revocation_refuses(arena: Arena) -> None:
    scenario_id, members = file_and_decide(arena.sessions, decide=False)
    not_live = arena.client.get(f"{API}/{scenario_id}/rows", headers=arena.headers("scen-cl"))
    assert not_live.status_code == 403 and not_live.json()["code"] == "scenario.not_live"
    with arena.sessions() as session, pytest.raises((AccessRefused, NotFound)):
        approve_request(session, principal(session, "scen-mzj"), members["wjw_care_assessment"])
    with arena.sessions() as session:  # the attempt changed nothing
        member = get_request(session, members["wjw_care_assessment"], principal(session, "scen-cl"))
        assert member.status.value == "pending"
    from tests.scenarios.scenario_request_world import NARROWED, OWNERS

    for code, account in OWNERS.items():
        with arena.sessions() as session:
            approve_request(
                session, principal(session, account), members[code], fields=NARROWED.get(code)
            )
            session.commit()
    assert (
        arena.client.get(f"{API}/{scenario_id}/rows", headers=arena.headers("scen-cl")).status_code
        == 200
    )
    with arena.sessions() as session:
        grant = grant_of(
            session,
            get_request(
                session, members["czj_disability_subsidies"], principal(session, "scen-czj")
            ),
        )
        assert grant is not None
        revoke_grant(session, principal(session, "scen-czj"), grant.id, "职责调整，停止提供")
        session.commit()
    refused = arena.client.get(f"{API}/{scenario_id}/rows", headers=arena.headers("scen-cl"))
    assert refused.status_code == 403 and refused.json()["code"] == "grant.revoked"
    event = _last(arena, "scenario.read_refused")
    assert (
        event.object == f"scenario:{scenario_id}"
        and event.detail["member_dataset"] == "czj_disability_subsidies"
    )
    assert _last(arena, "data.read_refused").detail["code"] == "grant.revoked"


def test_a_rotated_token_is_refused(arena: Arena) -> None:
    old = arena.headers("scen-cl")
    with arena.sessions() as session:
        account = session.scalars(select(Account).where(Account.name == "scen-cl")).one()
        accounts.rotate(session, principal(session, "scen-cl"), account.id)
        session.commit()
    replay = arena.client.get(f"{API}/{arena.scenario_id}/rows", headers=old)
    assert replay.status_code == 401
