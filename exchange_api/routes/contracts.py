"""Registering and revising datasets, their versions, and departments (``/api/v1``).

``POST /api/v1/datasets`` and ``PUT /api/v1/datasets/{code}`` take the contract itself as the
request body: YAML text, ``Content-Type: application/yaml`` (``text/yaml`` is accepted too), UTF-8,
at most 256 KiB, no YAML anchors or aliases. Anything else is a problem+json answer with a stable
code (``contract.media_type`` 415, ``contract.too_large`` 413, ``contract.not_utf8``,
``contract.yaml_alias``, ``contract.invalid``, ``contract.legal_basis_required`` … 422).
``PUT …?dry_run=true`` answers which grants the revision would narrow or revoke and changes
nothing. Who may: ``catalog.policy_catalog``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from catalog import actions as act
from catalog.contracts import (
    Revision,
    list_versions,
    read_contract,
    register_dataset,
    revise_dataset,
)
from catalog.datasets import get_dataset
from catalog.departments import add_department, list_departments
from catalog.errors import CatalogError, InvalidInput, TooLarge
from catalog.guard import ensure
from catalog.resources import DatasetTerms
from exchange_api.catalog_payloads import DatasetEntryPublic as EntryOut
from exchange_api.catalog_payloads import (
    DepartmentCreate,
    DepartmentPublic,
    GrantEffectPublic,
    RevisionPublic,
    VersionPublic,
    dataset_entry,
)
from exchange_api.deps import CurrentPrincipal, DatasetCode, SessionDep
from exchange_api.openapi import problem_response
from schemas.contract_text import MAX_CONTRACT_BYTES

router = APIRouter(prefix="/api/v1", tags=["catalog"])

_YAML_TYPES = {"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"}
_YAML_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: problem_response(404),
    409: problem_response(409),
    413: problem_response(413, "The contract is over 256 KiB"),
    415: problem_response(415, "The body is not YAML (Content-Type: application/yaml)"),
}
_YAML_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/yaml": {"schema": {"type": "string"}}},
        "description": "The dataset contract, YAML text (UTF-8, at most 256 KiB).",
    }
}


class UnsupportedMediaType(CatalogError):
    code = "contract.media_type"
    status = 415


async def _contract_body(request: Request) -> bytes:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in _YAML_TYPES:
        raise UnsupportedMediaType(
            "send the contract as YAML text with Content-Type: application/yaml"
        )
    body = await request.body()
    if len(body) > MAX_CONTRACT_BYTES:
        raise TooLarge(
            f"a contract may be at most {MAX_CONTRACT_BYTES} bytes", code="contract.too_large"
        )
    return body


def _revision(revision: Revision) -> RevisionPublic:
    return RevisionPublic(
        dataset=dataset_entry(revision.dataset),
        version=revision.version,
        applied=revision.applied,
        unchanged=revision.unchanged,
        change_summary=revision.change.summary(),
        affected_grants=[
            GrantEffectPublic(
                grant_id=e.grant_id,
                grantee_department_id=e.grantee_department_id,
                effect=e.effect,
                fields_dropped=list(e.fields_dropped),
                match_fields_dropped=list(e.match_fields_dropped),
                reason=e.reason,
            )
            for e in revision.effects
        ],
    )


@router.post(
    "/datasets",
    status_code=201,
    summary="Register a new dataset from its contract (YAML body)",
    openapi_extra=_YAML_BODY,
    responses=_YAML_RESPONSES,
)
async def register(request: Request, session: SessionDep, principal: CurrentPrincipal) -> EntryOut:
    body = await _contract_body(request)
    dataset = register_dataset(session, body, principal)
    session.commit()
    return dataset_entry(dataset)


@router.put(
    "/datasets/{code}",
    summary="Revise a dataset's contract (YAML body); ?dry_run=true lists the affected grants",
    openapi_extra=_YAML_BODY,
    responses=_YAML_RESPONSES,
)
async def revise(
    code: DatasetCode,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    dry_run: Annotated[bool, Query(description="Only say what would change")] = False,
) -> RevisionPublic:
    body = await _contract_body(request)
    if read_contract(session, body).code != code:
        raise InvalidInput(
            f"the contract's code is not {code}", code="contract.code_mismatch", dataset=code
        )
    revision = revise_dataset(session, body, principal, dry_run=dry_run)
    answer = _revision(revision)
    if dry_run:
        session.rollback()
    else:
        session.commit()
    return answer


@router.get("/datasets/{code}/versions", summary="Every version of a dataset's contract")
def versions(
    code: DatasetCode, session: SessionDep, principal: CurrentPrincipal
) -> list[VersionPublic]:
    ensure(session, principal, act.DATASET_VIEW, DatasetTerms.of(get_dataset(session, code)))
    return [VersionPublic.of(v) for v in list_versions(session, code)]


@router.post("/departments", status_code=201, summary="Add a department (admins)")
def add(
    body: DepartmentCreate, session: SessionDep, principal: CurrentPrincipal
) -> DepartmentPublic:
    department = add_department(session, principal, body.code, body.name, body.region_code)
    session.commit()
    return DepartmentPublic.model_validate(department)


@router.get("/departments", summary="Every department")
def departments(session: SessionDep, principal: CurrentPrincipal) -> list[DepartmentPublic]:
    return [DepartmentPublic.model_validate(d) for d in list_departments(session)]
