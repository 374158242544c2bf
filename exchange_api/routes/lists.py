"""The responsibility list (责任清单) and the demand list (需求清单) over HTTP.

- ``GET  /api/v1/lists/responsibilities?department=&include_retired=`` — the list (any account);
- ``POST /api/v1/lists/responsibilities`` — add a department's duty (admins);
- ``GET  /api/v1/lists/responsibilities/{id}``;
- ``PATCH /api/v1/lists/responsibilities/{id}`` — ``{"op": "link", "dataset": …}`` (the
  department's publisher or steward, its own dataset only) or ``{"op": "retire", "reason": …}``
  (admins);
- ``GET  /api/v1/lists/demands?department=&status=&dataset=`` — the list (each demand whole for
  its parties, its public part for everyone else: ``catalog.policy_lists``);
- ``POST /api/v1/lists/demands`` — file a demand for the caller's own department (requesters);
- ``GET  /api/v1/lists/demands/{id}`` — one demand, with candidate datasets while it is open;
- ``PATCH /api/v1/lists/demands/{id}`` — ``match`` (dataset), ``request`` (request_id),
  ``fulfil``, ``decline`` (reason).

Every act goes through the library (``catalog.responsibilities``, ``catalog.demands``) and so the
one access decision and the audit chain; refusals are problem+json with stable codes.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session

from catalog import demands, responsibilities
from catalog.list_tables import DemandItem
from catalog.principals import Principal
from exchange_api.deps import CurrentPrincipal, SessionDep
from exchange_api.identify import now_of
from exchange_api.list_payloads import (
    DemandCreate,
    DemandPatch,
    DemandPublic,
    ResponsibilityCreate,
    ResponsibilityPatch,
    ResponsibilityPublic,
    demand_public,
    responsibility_public,
)
from exchange_api.openapi import problem_response
from exchange_api.payloads import PathId

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/lists", tags=["lists"])

_NAMED: dict[int | str, dict[str, Any]] = {
    404: problem_response(404, "The department or dataset named does not exist")
}


@router.get(
    "/responsibilities",
    summary="The responsibility list (责任清单), optionally of one department",
    responses=_NAMED,
)
def list_responsibilities(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    department: str | None = Query(None, max_length=64),
    include_retired: bool = False,
) -> list[ResponsibilityPublic]:
    found = responsibilities.list_responsibilities(
        session,
        principal,
        department_code=department,
        include_retired=include_retired,
        now=now_of(request),
    )
    return [responsibility_public(item) for item in found]


@router.post(
    "/responsibilities", status_code=201, summary="Add a duty to a department's list (admins)"
)
def add_responsibility(
    body: ResponsibilityCreate, request: Request, session: SessionDep, principal: CurrentPrincipal
) -> ResponsibilityPublic:
    item = responsibilities.add_responsibility(
        session,
        principal,
        department_code=body.department,
        title_zh=body.title_zh,
        title_en=body.title_en,
        duty=body.duty,
        legal_basis=body.legal_basis,
        update_cycle=body.update_cycle,
        min_quality_score=body.min_quality_score,
        now=now_of(request),
    )
    session.commit()
    return responsibility_public(item)


@router.get("/responsibilities/{responsibility_id}", summary="One item of the responsibility list")
def get_responsibility(
    responsibility_id: PathId, request: Request, session: SessionDep, principal: CurrentPrincipal
) -> ResponsibilityPublic:
    item = responsibilities.get_responsibility(
        session, principal, responsibility_id, now=now_of(request)
    )
    return responsibility_public(item)


@router.patch(
    "/responsibilities/{responsibility_id}",
    summary="Link a responsibility to its department's dataset, or retire it (admins)",
)
def change_responsibility(
    responsibility_id: PathId,
    body: ResponsibilityPatch,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> ResponsibilityPublic:
    now = now_of(request)
    if body.op == "link":
        item = responsibilities.link_responsibility(
            session, principal, responsibility_id, body.dataset, now=now
        )
    else:
        item = responsibilities.retire_responsibility(
            session, principal, responsibility_id, body.reason, now=now
        )
    session.commit()
    return responsibility_public(item)


def _public(
    session: Session, principal: Principal, item: DemandItem, request: Request, *, detail: bool
) -> DemandPublic:
    whole = demands.may_see_whole(principal, item, now_of(request))
    candidates = demands.suggest_datasets(session, item) if detail and whole else None
    return demand_public(item, whole=whole, candidates=candidates)


@router.get(
    "/demands",
    summary="The demand list (需求清单), by requesting department, status or dataset",
    responses=_NAMED,
)
def list_demands(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    department: str | None = Query(None, max_length=64),
    status: str | None = Query(None, max_length=16),
    dataset: str | None = Query(None, max_length=64),
) -> list[DemandPublic]:
    found = demands.list_demands(
        session,
        principal,
        department_code=department,
        status=status,
        dataset_code=dataset,
        now=now_of(request),
    )
    return [_public(session, principal, item, request, detail=False) for item in found]


@router.post("/demands", status_code=201, summary="File a demand for my department (requesters)")
def file_demand(
    body: DemandCreate, request: Request, session: SessionDep, principal: CurrentPrincipal
) -> DemandPublic:
    item = demands.file_demand(
        session,
        principal,
        title=body.title,
        scenario=body.scenario,
        legal_duty=body.legal_duty,
        fields_wanted=body.fields_wanted,
        department_code=body.department,
        now=now_of(request),
    )
    session.commit()
    return _public(session, principal, item, request, detail=True)


@router.get("/demands/{demand_id}", summary="One demand, with candidate datasets while open")
def get_demand(
    demand_id: PathId, request: Request, session: SessionDep, principal: CurrentPrincipal
) -> DemandPublic:
    item = demands.get_demand(session, principal, demand_id, now=now_of(request))
    return _public(session, principal, item, request, detail=True)


@router.patch(
    "/demands/{demand_id}",
    summary="Match a demand to a dataset, record its share request, fulfil or decline it",
)
def change_demand(
    demand_id: PathId,
    body: DemandPatch,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> DemandPublic:
    now = now_of(request)
    if body.op == "match":
        item = demands.match_demand(session, principal, demand_id, body.dataset, now=now)
    elif body.op == "request":
        item = demands.record_request(session, principal, demand_id, body.request_id, now=now)
    elif body.op == "fulfil":
        item = demands.fulfil_demand(session, principal, demand_id, now=now)
    else:
        item = demands.decline_demand(session, principal, demand_id, body.reason, now=now)
    session.commit()
    return _public(session, principal, item, request, detail=True)
