"""``ensure``: ask the one access decision, audit a refusal, and raise it.

Service functions call ``ensure(session, actor, action, resource)`` before they change or show
anything. A refusal is written to the audit chain in the caller's session as
:class:`catalog.events.ActRefused` and raised as :class:`AccessRefused` — or as
:class:`NotFound` when the decision hides the object's existence — with ``audited=True`` in its
context. Whoever owns the transaction commits after such an error so the refusal stays on the
record (``exchange_api.deps.get_session`` and the CLI do); nothing else was changed before the
check, so nothing else is committed with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from catalog import audit
from catalog.actions import Action
from catalog.errors import AccessRefused, CatalogError, NotFound
from catalog.events import ActRefused
from catalog.models import utcnow
from catalog.policy import Allowed, Refusal, authorize
from catalog.policy_lineage import LineageTerms
from catalog.policy_scenarios import ScenarioTerms
from catalog.principals import Principal
from catalog.resources import (
    AccountTerms,
    DatasetTerms,
    DemandTerms,
    GrantTerms,
    Platform,
    ReadResource,
    ReportTerms,
    RequestTerms,
    Resource,
    ResponsibilityTerms,
    ScorecardTerms,
)
from catalog.subscription_terms import SubscriptionTerms

__all__ = ["ensure", "is_audited_refusal", "keeping_refusals", "refusal_error"]


def ensure(
    session: Session,
    actor: Principal,
    action: Action,
    resource: Resource | SubscriptionTerms | LineageTerms | ScenarioTerms,
    *,
    now: dt.datetime | None = None,
) -> Allowed:
    """The decision if it allows the act; otherwise audit the refusal and raise it."""
    now = now or utcnow()
    decision = authorize(actor, action, resource, now=now)
    if isinstance(decision, Allowed):
        return decision
    dataset_id, grant_id, label = _describe(resource)
    audit.record(
        session,
        ActRefused(
            dataset_id=dataset_id,
            grant_id=grant_id,
            act=action.name,
            code=decision.code,
            reason=decision.reason,
            resource=label,
        ),
        actor=actor,
        now=now,
    )
    raise refusal_error(decision)


def refusal_error(refusal: Refusal) -> CatalogError:
    """The exception a refusal is raised as (``NotFound`` when it hides the object)."""
    cls = NotFound if refusal.hidden else AccessRefused
    return cls(refusal.reason, code=refusal.code, audited=True)


def is_audited_refusal(exc: BaseException) -> bool:
    """True for an error whose refusal event is waiting in the session to be committed."""
    return isinstance(exc, CatalogError) and bool(exc.context.get("audited"))


@contextmanager
def keeping_refusals(session: Session) -> Iterator[Session]:
    """Commit an audited refusal raised inside the block (then re-raise it); roll back nothing
    else — the caller's own commit or rollback decides the rest."""
    try:
        yield session
    except Exception as exc:
        if is_audited_refusal(exc):
            session.commit()
        raise


def _describe(
    resource: Resource | SubscriptionTerms | LineageTerms | ScenarioTerms,
) -> tuple[int | None, int | None, str]:
    """(dataset id, grant id, ``kind:id``) of a resource, for the refusal event."""
    if isinstance(resource, ScenarioTerms):
        return None, None, f"scenario:{resource.scenario_id}"
    if isinstance(resource, LineageTerms):
        return None, None, f"lineage:{resource.node}"[:120]
    if isinstance(resource, SubscriptionTerms):
        held = resource.grant
        dataset_id = held.dataset.dataset_id if held.dataset is not None else None
        if resource.subscription_id is None:
            return dataset_id, held.grant_id, f"grant:{held.grant_id}"
        return dataset_id, held.grant_id, f"subscription:{resource.subscription_id}"
    if isinstance(resource, DatasetTerms):
        return resource.dataset_id, None, f"dataset:{resource.code}"
    if isinstance(resource, ReadResource):
        grant = resource.grant
        grant_id = grant.grant_id if grant is not None else None
        return resource.dataset.dataset_id, grant_id, f"dataset:{resource.dataset.code}"
    if isinstance(resource, RequestTerms):
        return resource.dataset.dataset_id, None, f"request:{resource.request_id}"
    if isinstance(resource, GrantTerms):
        dataset_id = resource.dataset.dataset_id if resource.dataset is not None else None
        return dataset_id, resource.grant_id, f"grant:{resource.grant_id}"
    if isinstance(resource, ReportTerms):
        report = resource.report_id if resource.report_id is not None else "*"
        return resource.dataset.dataset_id, None, f"report:{report}"
    if isinstance(resource, AccountTerms):
        account = resource.account_id if resource.account_id is not None else "new"
        return None, None, f"account:{account}"
    if isinstance(resource, ScorecardTerms):
        return None, None, f"scorecard:{resource.department_id or '*'}"
    if isinstance(resource, ResponsibilityTerms | DemandTerms):
        return _describe_list_item(resource)
    assert isinstance(resource, Platform)
    return None, None, "platform"


def _describe_list_item(item: ResponsibilityTerms | DemandTerms) -> tuple[int | None, None, str]:
    dataset_id = item.dataset.dataset_id if item.dataset is not None else None
    if isinstance(item, ResponsibilityTerms):
        return dataset_id, None, f"responsibility:{item.responsibility_id or 'new'}"
    return dataset_id, None, f"demand:{item.demand_id or 'new'}"
