"""The data-element registry over HTTP: data elements (数据元) and code lists (代码表).

- ``GET /api/v1/elements`` — every element the catalog holds whole (``element.view``: any
  authenticated account).
- ``POST /api/v1/elements`` — add one (``element.manage``: admins), the body keyed as a
  ``schemas/elements/*.yaml`` file; 201, or 403 ``role.admin_required`` (audited), 409
  ``element.exists``, 422 ``element.unknown_check`` / ``element.unknown_code_list`` / … .
- ``GET /api/v1/code-lists`` — every list, without its codes.
- ``POST /api/v1/code-lists`` — add one (admins) from its CSV file in base64 (UTF-8 or GBK,
  header ``code,label[,parent]``); a malformed file is 422 with the line in ``detail``, nothing
  stored; a body over the service's limit is 413 ``request.too_large`` before it is read.
- ``GET /api/v1/code-lists/{name}`` — one list with its codes.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from catalog import elements
from exchange_api.deps import CurrentPrincipal, SessionDep
from exchange_api.element_payloads import (
    CodeListCreate,
    CodeListDetail,
    CodeListPublic,
    ElementCreate,
    ElementPublic,
    code_list_detail,
    code_list_out,
    element_out,
)
from exchange_api.identify import now_of

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["data elements"])


@router.get("/elements", summary="The data elements (数据元) the catalog holds")
def list_elements(session: SessionDep, principal: CurrentPrincipal) -> list[ElementPublic]:
    return [element_out(row) for row in elements.list_elements(session, principal)]


@router.post("/elements", status_code=201, summary="Add a data element (admins)")
def add_element(
    body: ElementCreate, request: Request, session: SessionDep, principal: CurrentPrincipal
) -> ElementPublic:
    row = elements.add_element(session, body.model_dump(), principal, now=now_of(request))
    session.commit()
    return element_out(row)


@router.get("/code-lists", summary="The code lists (代码表) the catalog holds, without codes")
def list_code_lists(session: SessionDep, principal: CurrentPrincipal) -> list[CodeListPublic]:
    return [code_list_out(c) for c in elements.list_code_lists(session, principal)]


@router.post("/code-lists", status_code=201, summary="Add a code list from a CSV file (admins)")
def add_code_list(
    body: CodeListCreate, request: Request, session: SessionDep, principal: CurrentPrincipal
) -> CodeListPublic:
    added = elements.add_code_list(
        session,
        body.name,
        body.csv_bytes(),
        principal,
        title=body.title,
        standard=body.standard,
        version=body.version,
        now=now_of(request),
    )
    session.commit()
    return code_list_out(added)


@router.get("/code-lists/{name}", summary="One code list with its codes")
def get_code_list(name: str, session: SessionDep, principal: CurrentPrincipal) -> CodeListDetail:
    return code_list_detail(elements.get_code_list(session, principal, name))
