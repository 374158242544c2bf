"""The negative list (负面清单) over HTTP: ``GET`` it (any authenticated account: the list is
public within the exchange), ``POST`` an entry (a publisher of the owner department, admins),
lift one with a reason. Refusals are problem+json with their stable codes
(``negative_list.not_manager``, ``negative.basis_required`` …), audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from catalog import negative_list
from exchange_api.deps import CurrentPrincipal, SessionDep
from exchange_api.negative_payloads import (
    NegativeEntryIn,
    NegativeEntryPublic,
    NegativeLiftIn,
    entry_public,
)
from exchange_api.payloads import PathId

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/lists/negative", tags=["lists"])


@router.get("", summary="The negative list: datasets and fields that may not be shared, and why")
def list_negative(
    session: SessionDep,
    principal: CurrentPrincipal,
    dataset: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    due: Annotated[bool, Query(description="Only entries due for review")] = False,
    lifted: Annotated[bool, Query(description="Include lifted entries")] = False,
) -> list[NegativeEntryPublic]:
    views = negative_list.list_entries(
        session, principal, dataset_code=dataset, due=due, include_lifted=lifted
    )
    return [entry_public(v) for v in views]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="List a dataset or field (the owner's publishers, admins); in force at once",
)
def add_negative(
    body: NegativeEntryIn, session: SessionDep, principal: CurrentPrincipal
) -> NegativeEntryPublic:
    entry = negative_list.add_entry(
        session,
        principal,
        body.dataset,
        field=body.field,
        legal_basis=body.legal_basis,
        review_date=body.review_date,
    )
    session.commit()
    return entry_public(negative_list.get_entry(session, principal, entry.id))


@router.post("/{entry_id}/lift", summary="Lift an entry, with the reason")
def lift_negative(
    entry_id: PathId, body: NegativeLiftIn, session: SessionDep, principal: CurrentPrincipal
) -> NegativeEntryPublic:
    negative_list.lift_entry(session, principal, entry_id, reason=body.reason)
    session.commit()
    return entry_public(negative_list.get_entry(session, principal, entry_id))
