"""Scenario requests (应用场景): file one (every member through the ordinary request path), list
and show them with each member's decision, and read the joined view — paged JSON or NDJSON,
decided, read in one query and audited by ``exchange_api.scenario_path``. Each owner decides
its member at ``/api/v1/requests/{id}/approve`` or ``/refuse``, as any request."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Response, status
from sqlalchemy.orm import Session

from catalog import scenarios
from catalog.conditions import Condition
from catalog.requests import grant_of
from catalog.scenario_tables import ScenarioRequest
from exchange_api.deps import CurrentPrincipal, SessionDep, SettingsDep
from exchange_api.payloads import BIGINT_MAX, PathId
from exchange_api.routes.requests import RulesDep, request_public
from exchange_api.scenario_path import read_joined
from exchange_api.scenario_payloads import (
    ScenarioCreate,
    ScenarioPublic,
    ScenarioQueryIn,
    file_body,
)

router = APIRouter(prefix="/api/v1/scenarios", tags=["scenarios"])


def scenario_public(session: Session, scenario: ScenarioRequest) -> ScenarioPublic:
    return ScenarioPublic(
        id=scenario.id,
        title=scenario.title,
        purpose=scenario.purpose,
        legal_basis=scenario.legal_basis,
        requester_department=scenario.requester.code,
        join_field=scenario.join_field,
        anchor_dataset=scenario.anchor.code if scenario.anchor is not None else None,
        anchor_fields=list(scenario.anchor_fields),
        status=scenarios.scenario_status(scenario),
        created_at=scenario.created_at,
        members=[request_public(m, grant_of(session, m)) for m in scenario.members],
    )


@router.post("", status_code=status.HTTP_201_CREATED, summary="File a scenario request")
def file_scenario(
    body: ScenarioCreate, session: SessionDep, principal: CurrentPrincipal, rules: RulesDep
) -> ScenarioPublic:
    scenario = file_body(session, principal, body, rules=rules)
    session.commit()
    return scenario_public(session, scenario)


@router.get("", summary="Scenario requests you may see")
def list_scenarios(session: SessionDep, principal: CurrentPrincipal) -> list[ScenarioPublic]:
    return [scenario_public(session, s) for s in scenarios.list_scenarios(session, principal)]


@router.get("/{scenario_id}", summary="One scenario request with each member's decision")
def get_scenario(
    scenario_id: PathId, session: SessionDep, principal: CurrentPrincipal
) -> ScenarioPublic:
    scenario = scenarios.get_scenario(session, scenario_id, principal)
    session.commit()  # a refusal is audited; the view itself changes nothing
    return scenario_public(session, scenario)


def _sent(body: bytes, event_id: int, digest: str, fmt: str) -> Response:
    return Response(
        content=body,
        media_type="application/x-ndjson" if fmt == "ndjson" else "application/json",
        headers={"X-Zhongtai-Audit-Event": str(event_id), "X-Content-SHA256": digest},
    )


@router.get("/{scenario_id}/rows", summary="The joined view, each column masked by its grant")
def read_rows(
    scenario_id: PathId,
    session: SessionDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    limit: int = Query(default=1000, ge=1, le=10_000),
    offset: int = Query(default=0, ge=0, le=BIGINT_MAX),
    format: Literal["json", "ndjson"] = Query(default="json"),  # noqa: A002
) -> Response:
    delivery = read_joined(
        session, settings, principal, scenario_id, limit=limit, offset=offset, fmt=format
    )
    return _sent(delivery.body, delivery.event.id, delivery.content_sha256, format)


@router.post("/{scenario_id}/query", summary="The joined view with per-member filters (bound)")
def query_rows(
    scenario_id: PathId,
    body: ScenarioQueryIn,
    session: SessionDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
) -> Response:
    filters = {
        code: tuple(Condition.from_json(c.model_dump(mode="json")) for c in conditions)
        for code, conditions in body.filters.items()
    }
    delivery = read_joined(
        session,
        settings,
        principal,
        scenario_id,
        filters=filters,
        limit=body.limit,
        offset=body.offset,
    )
    return _sent(delivery.body, delivery.event.id, delivery.content_sha256, "json")
