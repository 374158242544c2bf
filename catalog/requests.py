"""Share requests (共享申请) and the decisions on them.

How a request is decided depends on the dataset's share type:

- ``unconditional`` (无条件共享): approved by the platform at once and a grant issued — still
  audited as filed and decided;
- ``conditional`` (有条件共享): left PENDING for a publisher of the owner department to approve
  (:func:`approve_request`, which issues the grant) or refuse (:func:`refuse_request`);
- ``not_shared`` (不予共享): refused at once, the dataset's legal basis being the reason.

Every function works in the caller's transaction; every filing and decision is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from catalog import audit
from catalog.conditions import Condition
from catalog.datasets import get_dataset
from catalog.errors import AccessRefused, Conflict, InvalidInput, NotFound
from catalog.events import RequestDecided, RequestFiled
from catalog.models import (
    AccessMode,
    AuditOutcome,
    Dataset,
    Grant,
    RequestStatus,
    Role,
    ShareRequest,
    utcnow,
)
from catalog.principals import Principal
from schemas.loader import ShareType

__all__ = [
    "approve_request",
    "file_request",
    "get_request",
    "grant_of",
    "list_requests",
    "refuse_request",
]

UNCONDITIONAL_REASON = "无条件共享: granted on filing"
NOT_SHARED_REASON = "不予共享"
_SEE_ALL_ROLES = frozenset({Role.AUDITOR, Role.ADMIN})


def _checked_fields(dataset: Dataset, fields: Sequence[str]) -> list[str]:
    if isinstance(fields, str) or not fields:
        raise InvalidInput("a request must name at least one field", code="request.no_fields")
    known = {f.name for f in dataset.fields}
    for name in fields:
        if name not in known:
            raise InvalidInput(
                f"dataset {dataset.code} has no field {name!r}",
                code="request.unknown_field",
                field=name,
            )
    if len(set(fields)) != len(fields):
        raise InvalidInput("a field is named twice", code="request.duplicate_field")
    return list(fields)


def _checked_filter(
    dataset: Dataset, row_filter: Iterable[Condition | Mapping[str, Any]]
) -> list[dict[str, Any]]:
    known = {f.name for f in dataset.fields}
    conditions = []
    for raw in row_filter:
        condition = raw if isinstance(raw, Condition) else Condition.from_json(raw)
        if condition.field not in known:
            raise InvalidInput(
                f"row filter names unknown field {condition.field!r} of dataset {dataset.code}",
                code="request.unknown_field",
                field=condition.field,
            )
        conditions.append(condition.to_json())
    return conditions


def _checked_modes(access_modes: Iterable[AccessMode | str]) -> list[str]:
    try:
        modes = list(dict.fromkeys(AccessMode(m).value for m in access_modes))
    except ValueError as exc:
        raise InvalidInput(str(exc), code="request.invalid_access_mode") from None
    if not modes:
        raise InvalidInput("a request needs at least one access mode", code="request.no_modes")
    return modes


def _issue_grant(request: ShareRequest) -> Grant:
    return Grant(
        request=request,
        dataset_id=request.dataset_id,
        grantee_department_id=request.requester_department_id,
        fields=list(request.fields),
        row_filter=list(request.row_filter),
        purpose=request.purpose,
        access_modes=list(request.access_modes),
        quota_rows=request.quota_rows,
        rows_used=0,
        expires_at=request.expires_at,
    )


def _decide(
    session: Session,
    request: ShareRequest,
    status: RequestStatus,
    reason: str,
    *,
    decider: Principal | None,
    now: dt.datetime,
) -> Grant | None:
    request.status = status
    request.decision_reason = reason
    request.decided_at = now
    request.decided_by_account_id = decider.account_id if decider else None
    grant = _issue_grant(request) if status is RequestStatus.APPROVED else None
    if grant is not None:
        session.add(grant)
    session.flush()
    audit.record(
        session,
        RequestDecided(
            outcome=AuditOutcome.OK if grant is not None else AuditOutcome.REFUSED,
            dataset_id=request.dataset_id,
            grant_id=grant.id if grant is not None else None,
            request_id=request.id,
            status=status.value,
            reason=reason,
        ),
        actor=decider,
        now=now,
    )
    return grant


def file_request(
    session: Session,
    principal: Principal,
    dataset_code: str,
    fields: Sequence[str],
    purpose: str,
    *,
    scenario: str = "",
    legal_basis: str = "",
    access_modes: Iterable[AccessMode | str] = (AccessMode.QUERY,),
    row_filter: Iterable[Condition | Mapping[str, Any]] = (),
    quota_rows: int | None = None,
    expires_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> ShareRequest:
    """File a request for ``fields`` of a dataset; decided at once unless it is conditional."""
    if not principal.has(Role.REQUESTER):
        raise AccessRefused(
            "filing a share request needs the requester role", code="role.requester_required"
        )
    now = now or utcnow()
    dataset = get_dataset(session, dataset_code)
    if dataset.owner_department_id == principal.department_id:
        raise InvalidInput(
            "a department cannot request its own dataset", code="request.own_dataset"
        )
    if not purpose.strip():
        raise InvalidInput("a share request must state its purpose", code="request.no_purpose")
    checked_fields = _checked_fields(dataset, fields)
    conditions = _checked_filter(dataset, row_filter)
    modes = _checked_modes(access_modes)
    if quota_rows is not None and quota_rows <= 0:
        raise InvalidInput("a row quota must be positive", code="request.invalid_quota")
    if expires_at is not None and expires_at <= now:
        raise InvalidInput("the requested expiry is already past", code="request.invalid_expiry")

    request = ShareRequest(
        dataset=dataset,
        requester_department_id=principal.department_id,
        requested_by_account_id=principal.account_id,
        fields=checked_fields,
        row_filter=conditions,
        purpose=purpose,
        scenario=scenario,
        legal_basis=legal_basis,
        access_modes=modes,
        quota_rows=quota_rows,
        expires_at=expires_at,
        status=RequestStatus.PENDING,
        created_at=now,
    )
    session.add(request)
    session.flush()
    audit.record(
        session,
        RequestFiled(
            dataset_id=dataset.id,
            request_id=request.id,
            fields=tuple(checked_fields),
            purpose=purpose,
        ),
        actor=principal,
        now=now,
    )
    if dataset.share_type is ShareType.UNCONDITIONAL:
        _decide(
            session, request, RequestStatus.APPROVED, UNCONDITIONAL_REASON, decider=None, now=now
        )
    elif dataset.share_type is ShareType.NOT_SHARED:
        reason = dataset.share_basis or NOT_SHARED_REASON
        _decide(session, request, RequestStatus.REFUSED, reason, decider=None, now=now)
    return request


def _pending_for_owner(session: Session, principal: Principal, request_id: int) -> ShareRequest:
    """The request, row-locked, if ``principal`` may decide it and it is still undecided."""
    request = session.scalars(
        select(ShareRequest).where(ShareRequest.id == request_id).with_for_update()
    ).first()
    if request is None:
        raise NotFound(f"no share request {request_id}", code="request.not_found")
    if principal.department_id != request.dataset.owner_department_id or not principal.has(
        Role.PUBLISHER
    ):
        raise AccessRefused(
            "only a publisher of the dataset's owner department may decide this request",
            code="request.not_owner",
        )
    if request.status is not RequestStatus.PENDING:
        raise Conflict(
            f"request {request_id} is already {request.status.value}",
            code="request.already_decided",
        )
    return request


def approve_request(
    session: Session,
    principal: Principal,
    request_id: int,
    *,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Grant:
    """Approve a pending request and issue its grant (owner department's publishers only)."""
    now = now or utcnow()
    request = _pending_for_owner(session, principal, request_id)
    if request.expires_at is not None and request.expires_at <= now:
        raise Conflict(
            f"request {request_id} asked for access that expired at {request.expires_at}",
            code="request.expired",
        )
    grant = _decide(session, request, RequestStatus.APPROVED, reason, decider=principal, now=now)
    assert grant is not None
    return grant


def refuse_request(
    session: Session,
    principal: Principal,
    request_id: int,
    *,
    reason: str,
    now: dt.datetime | None = None,
) -> ShareRequest:
    """Refuse a pending request, saying why (owner department's publishers only)."""
    if not reason.strip():
        raise InvalidInput("refusing a request needs a reason", code="request.reason_required")
    request = _pending_for_owner(session, principal, request_id)
    _decide(session, request, RequestStatus.REFUSED, reason, decider=principal, now=now or utcnow())
    return request


def _visible(request: ShareRequest, principal: Principal) -> bool:
    return principal.department_id in (
        request.requester_department_id,
        request.dataset.owner_department_id,
    ) or bool(principal.roles & _SEE_ALL_ROLES)


def get_request(
    session: Session, request_id: int, principal: Principal | None = None
) -> ShareRequest:
    """One request; with ``principal``, only if filed by or addressed to its department."""
    request = session.get(ShareRequest, request_id)
    if request is None or (principal is not None and not _visible(request, principal)):
        raise NotFound(f"no share request {request_id}", code="request.not_found")
    return request


def list_requests(session: Session, principal: Principal) -> list[ShareRequest]:
    """Requests filed by, or addressed to, the principal's department; oldest first."""
    return list(
        session.scalars(
            select(ShareRequest)
            .join(Dataset, Dataset.id == ShareRequest.dataset_id)
            .where(
                or_(
                    ShareRequest.requester_department_id == principal.department_id,
                    Dataset.owner_department_id == principal.department_id,
                )
            )
            .order_by(ShareRequest.id)
        )
    )


def grant_of(session: Session, request: ShareRequest) -> Grant | None:
    """The grant issued for ``request``, if it was approved."""
    return session.scalars(select(Grant).where(Grant.request_id == request.id)).first()
