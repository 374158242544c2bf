"""Share requests (共享申请) and the decisions on them.

How a request is decided depends on the dataset's share type, read from the catalog row:

- ``unconditional`` (无条件共享): approved by the platform at once and a grant issued — still
  audited as filed and decided;
- ``conditional`` (有条件共享): left PENDING for a publisher of the owner department to approve —
  as asked or narrowed (fewer fields, match keys or modes, an added row filter, a smaller quota,
  an earlier expiry) — or refuse with a reason, by a deadline counted in working days on the
  official calendar (``catalog.workdays``; past it the request shows as overdue to the requester,
  the owner and the platform);
- ``not_shared`` (不予共享): refused at once, the dataset's legal basis being the reason.

Who may do each act is decided by ``catalog.policy`` (through ``catalog.guard.ensure``), never
here. Every grant expires: when neither the request nor the approval names an expiry, it gets
the configured lifetime (``DeadlineRules.grant_days``, default 365 days). A new grant replaces
an earlier one only when the request names it (``replaces_grant_id``); otherwise both stay live
and a read names the grant it goes through.
Every function works in the caller's transaction; every filing and decision is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import actions as act
from catalog import audit
from catalog.conditions import Condition
from catalog.datasets import get_dataset
from catalog.demands import settle_approved
from catalog.departments import get_department
from catalog.errors import Conflict, InvalidInput, NotFound
from catalog.events import GrantSuperseded, RequestDecided, RequestFiled, RequestWithdrawn
from catalog.grant_terms import checked_terms, issue_grant
from catalog.guard import ensure
from catalog.models import (
    AccessMode,
    AuditOutcome,
    Grant,
    RequestStatus,
    ShareRequest,
    utcnow,
)
from catalog.negative_check import asked_names
from catalog.policy import Allowed, authorize
from catalog.principals import Principal
from catalog.resources import DatasetTerms, RequestTerms
from catalog.workdays import DeadlineRules
from schemas.loader import ShareType

__all__ = [
    "approve_request",
    "file_request",
    "get_request",
    "grant_of",
    "list_requests",
    "locked_request",
    "refuse_request",
    "withdraw_request",
]

UNCONDITIONAL_REASON = "无条件共享: granted on filing"
NOT_SHARED_REASON = "不予共享"


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
    match_fields: Sequence[str] = (),
    quota_rows: int | None = None,
    expires_at: dt.datetime | None = None,
    replaces_grant_id: int | None = None,
    rules: DeadlineRules | None = None,
    now: dt.datetime | None = None,
) -> ShareRequest:
    """File a request for ``fields`` of a dataset; decided at once unless it is conditional."""
    now = now or utcnow()
    rules = rules or DeadlineRules()
    dataset = get_dataset(session, dataset_code)
    row_filter = tuple(row_filter)  # read thrice: negative list, region, then checked
    asked = asked_names(fields, row_filter, match_fields)
    region = get_department(session, principal.department_code).region_code
    dataset_terms = DatasetTerms.of(dataset)
    conditions = _parsed(row_filter)
    asking = dataset_terms.asking(asked, row_filter=conditions, region=region)
    ensure(session, principal, act.REQUEST_FILE, asking, now=now)
    if not purpose.strip():
        raise InvalidInput("a share request must state its purpose", code="request.no_purpose")
    bound = dataset_terms.region_bound(region)  # 数据回流: shown on the request (catalog.regions)
    terms = checked_terms(
        dataset,
        fields=fields,
        access_modes=access_modes,
        row_filter=row_filter + ((bound,) if bound and bound not in conditions else ()),
        match_fields=match_fields,
        quota_rows=quota_rows,
        expires_at=expires_at,
        now=now,
    )
    replaces = _replaceable(session, principal, dataset.id, replaces_grant_id, now)
    request = ShareRequest(
        dataset=dataset,
        requester_department_id=principal.department_id,
        requested_by_account_id=principal.account_id,
        fields=list(terms.fields),
        row_filter=[c.to_json() for c in terms.row_filter],
        match_fields=list(terms.match_fields),
        purpose=purpose,
        scenario=scenario,
        legal_basis=legal_basis,
        access_modes=list(terms.access_modes),
        quota_rows=terms.quota_rows,
        expires_at=terms.expires_at,
        replaces_grant_id=replaces.id if replaces is not None else None,
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
            fields=terms.fields,
            purpose=purpose,
        ),
        actor=principal,
        now=now,
    )
    if dataset.share_type is ShareType.UNCONDITIONAL:
        _approve(session, request, UNCONDITIONAL_REASON, decider=None, now=now, rules=rules)
    elif dataset.share_type is ShareType.NOT_SHARED:
        reason = dataset.share_basis or NOT_SHARED_REASON
        _close(session, request, RequestStatus.REFUSED, reason, decider=None, now=now)
    else:
        due = rules.reply_due(now)
        request.reply_due_at, request.reply_due_provisional = due.due_at, due.provisional
        session.flush()
    return request


def _replaceable(
    session: Session,
    principal: Principal,
    dataset_id: int,
    grant_id: int | None,
    now: dt.datetime,
) -> Grant | None:
    """The live grant of the requester's department on this dataset that the request replaces."""
    if grant_id is None:
        return None
    grant = session.get(Grant, grant_id)
    if (
        grant is None
        or grant.grantee_department_id != principal.department_id
        or grant.dataset_id != dataset_id
        or grant.revoked_at is not None
        or (grant.expires_at is not None and grant.expires_at <= now)
    ):
        raise InvalidInput(
            f"grant {grant_id} is not a live grant of your department on this dataset",
            code="request.invalid_replaces",
        )
    return grant


def locked_request(session: Session, request_id: int) -> ShareRequest:
    """The request, row-locked for a decision on it (``request.not_found`` if there is none)."""
    request = session.scalars(
        select(ShareRequest).where(ShareRequest.id == request_id).with_for_update()
    ).first()
    if request is None:
        raise NotFound(f"no share request {request_id}", code="request.not_found")
    return request


def _pending(request: ShareRequest) -> None:
    if request.status is not RequestStatus.PENDING:
        raise Conflict(
            f"request {request.id} is already {request.status.value}",
            code="request.already_decided",
        )


def approve_request(
    session: Session,
    principal: Principal,
    request_id: int,
    *,
    reason: str = "",
    fields: Sequence[str] | None = None,
    access_modes: Iterable[AccessMode | str] | None = None,
    row_filter: Iterable[Condition | Mapping[str, Any]] = (),
    match_fields: Sequence[str] | None = None,
    quota_rows: int | None = None,
    expires_at: dt.datetime | None = None,
    rules: DeadlineRules | None = None,
    now: dt.datetime | None = None,
) -> Grant:
    """Approve a pending request, as asked or narrowed, and issue its grant.

    Any term given narrows what was asked and must lie within it: ``fields``, ``access_modes``
    and ``match_fields`` subsets of the requested ones, ``row_filter`` conditions ANDed to the
    requested filter, ``quota_rows`` and ``expires_at`` no larger and no later than asked.
    """
    now = now or utcnow()
    request = locked_request(session, request_id)
    ensure(session, principal, act.REQUEST_APPROVE, RequestTerms.of(request), now=now)
    _pending(request)
    if request.expires_at is not None and request.expires_at <= now:
        raise Conflict(
            f"request {request_id} asked for access that expired at {request.expires_at}",
            code="request.expired",
        )
    return _approve(
        session,
        request,
        reason,
        decider=principal,
        now=now,
        rules=rules or DeadlineRules(),
        narrowing={
            "fields": fields,
            "access_modes": access_modes,
            "row_filter": tuple(row_filter),
            "match_fields": match_fields,
            "quota_rows": quota_rows,
            "expires_at": expires_at,
        },
    )


def _parsed(row_filter: tuple[Condition | Mapping[str, Any], ...]) -> tuple[Condition, ...]:
    """The row filter as conditions, for the policy; a malformed one is left to
    ``checked_terms``, which names the problem once the act is allowed."""
    try:
        return tuple(c if isinstance(c, Condition) else Condition.from_json(c) for c in row_filter)
    except InvalidInput:
        return ()


def _approve(
    session: Session,
    request: ShareRequest,
    reason: str,
    *,
    decider: Principal | None,
    now: dt.datetime,
    rules: DeadlineRules,
    narrowing: Mapping[str, Any] | None = None,
) -> Grant:
    grant = issue_grant(
        session,
        request,
        narrowing or {},
        default_expiry=now + dt.timedelta(days=rules.grant_days),
        actor=decider,
        now=now,
    )
    _close(session, request, RequestStatus.APPROVED, reason, decider=decider, now=now, grant=grant)
    earlier = session.get(Grant, request.replaces_grant_id) if request.replaces_grant_id else None
    if earlier is not None and earlier.revoked_at is None:
        earlier.revoked_at = now
        earlier.superseded_by_grant_id = grant.id
        earlier.revoke_reason = f"superseded by grant {grant.id} (request {request.id})"
        session.flush()
        audit.record(
            session,
            GrantSuperseded(
                dataset_id=earlier.dataset_id,
                grant_id=earlier.id,
                superseded_by_grant_id=grant.id,
                request_id=request.id,
            ),
            actor=decider,
            now=now,
        )
    settle_approved(session, request, now=now)  # a demand filed as this request is fulfilled
    return grant


def _close(
    session: Session,
    request: ShareRequest,
    status: RequestStatus,
    reason: str,
    *,
    decider: Principal | None,
    now: dt.datetime,
    grant: Grant | None = None,
) -> None:
    request.status = status
    request.decision_reason = reason
    request.decided_at = now
    request.decided_by_account_id = decider.account_id if decider else None
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


def refuse_request(
    session: Session,
    principal: Principal,
    request_id: int,
    *,
    reason: str,
    now: dt.datetime | None = None,
) -> ShareRequest:
    """Refuse a pending request, saying why (owner department's publishers only)."""
    now = now or utcnow()
    request = locked_request(session, request_id)
    ensure(session, principal, act.REQUEST_REFUSE, RequestTerms.of(request), now=now)
    if not reason.strip():
        raise InvalidInput("refusing a request needs a reason", code="request.reason_required")
    _pending(request)
    _close(session, request, RequestStatus.REFUSED, reason.strip(), decider=principal, now=now)
    return request


def withdraw_request(
    session: Session,
    principal: Principal,
    request_id: int,
    *,
    reason: str = "",
    now: dt.datetime | None = None,
) -> ShareRequest:
    """The requesting department withdraws its pending request."""
    now = now or utcnow()
    request = locked_request(session, request_id)
    ensure(session, principal, act.REQUEST_WITHDRAW, RequestTerms.of(request), now=now)
    _pending(request)
    request.status = RequestStatus.WITHDRAWN
    request.decision_reason = reason.strip()
    request.decided_at = now
    request.decided_by_account_id = principal.account_id
    session.flush()
    audit.record(
        session,
        RequestWithdrawn(
            dataset_id=request.dataset_id, request_id=request.id, reason=reason.strip()
        ),
        actor=principal,
        now=now,
    )
    return request


def get_request(
    session: Session, request_id: int, principal: Principal, *, now: dt.datetime | None = None
) -> ShareRequest:
    """One request, if the principal may see it (``request.not_found`` otherwise, audited)."""
    request = session.get(ShareRequest, request_id)
    if request is None:
        raise NotFound(f"no share request {request_id}", code="request.not_found")
    ensure(session, principal, act.REQUEST_VIEW, RequestTerms.of(request), now=now)
    return request


def list_requests(
    session: Session, principal: Principal, *, now: dt.datetime | None = None
) -> list[ShareRequest]:
    """Every request the principal may see (the same decision as :func:`get_request`)."""
    now = now or utcnow()
    datasets: dict[int, DatasetTerms] = {}  # each dataset's terms built once, not per request
    visible = []
    for request in session.scalars(select(ShareRequest).order_by(ShareRequest.id)):
        if request.dataset_id not in datasets:
            datasets[request.dataset_id] = DatasetTerms.of(request.dataset)
        terms = RequestTerms.of(request, dataset=datasets[request.dataset_id])
        if isinstance(authorize(principal, act.REQUEST_VIEW, terms, now=now), Allowed):
            visible.append(request)
    return visible


def grant_of(session: Session, request: ShareRequest) -> Grant | None:
    """The grant issued for ``request``, if it was approved."""
    return session.scalars(select(Grant).where(Grant.request_id == request.id)).first()
