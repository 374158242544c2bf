"""``subscription.create`` and ``subscription.fetch`` follow the grant: revoked, expired, without
the mode, out of quota (for creating) or on a dataset no longer shared, they are refused; viewing
and cancelling are not (a department may always see and stop its own subscription)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from catalog import actions as act
from catalog.models import AccessMode, Role
from catalog.policy import Allowed, Refusal, authorize
from catalog.principals import Principal
from catalog.subscription_terms import SubscriptionTerms
from schemas.loader import ShareType
from tests.catalog import policy_factories as pf

NOW = pf.NOW
REQUESTER = Principal(
    account_id=70,
    department_id=pf.GRANTEE_DEPARTMENT_ID,
    department_code="D7",
    roles=frozenset({Role.REQUESTER}),
)
LIVE = pf.grant(access_modes=frozenset({AccessMode.SUBSCRIBE}), dataset=pf.terms(), quota_rows=100)


def _outcome(action: act.Action, **changes: object) -> str:
    grant = dataclasses.replace(LIVE, **changes)  # type: ignore[arg-type]
    terms = SubscriptionTerms(
        subscription_id=3, department_id=grant.grantee_department_id, grant=grant
    )
    if action is act.SUBSCRIPTION_CREATE:
        terms = SubscriptionTerms.new(grant)
    decision = authorize(REQUESTER, action, terms, now=NOW)
    return "ok" if isinstance(decision, Allowed) else decision.code


@pytest.mark.parametrize(
    ("changes", "create", "fetch"),
    [
        ({}, "ok", "ok"),
        ({"revoked_at": NOW - dt.timedelta(days=1)}, "grant.revoked", "grant.revoked"),
        ({"expires_at": NOW}, "grant.expired", "grant.expired"),
        (
            {"access_modes": frozenset({AccessMode.QUERY})},
            "grant.mode_not_allowed",
            "grant.mode_not_allowed",
        ),
        ({"rows_used": 100}, "quota.exceeded", "ok"),  # a fetch hands over rows already spent
        (
            {"dataset": dataclasses.replace(pf.terms(), share_type=ShareType.NOT_SHARED)},
            "dataset.not_shared",
            "dataset.not_shared",
        ),
    ],
    ids=["live", "revoked", "expired", "mode-lost", "quota-spent", "not-shared"],
)
def test_create_and_fetch_follow_the_grant(
    changes: dict[str, object], create: str, fetch: str
) -> None:
    assert _outcome(act.SUBSCRIPTION_CREATE, **changes) == create
    assert _outcome(act.SUBSCRIPTION_FETCH, **changes) == fetch
    assert _outcome(act.SUBSCRIPTION_VIEW, **changes) == "ok"
    assert _outcome(act.SUBSCRIPTION_CANCEL, **changes) == "ok"


def test_a_subscription_whose_department_is_not_the_grantee_gives_nothing() -> None:
    """A forged row (department 9 on department 7's grant) lets department 9 fetch nothing."""
    stranger = dataclasses.replace(REQUESTER, department_id=9)
    forged = SubscriptionTerms(subscription_id=3, department_id=9, grant=LIVE)
    decision = authorize(stranger, act.SUBSCRIPTION_FETCH, forged, now=NOW)
    assert isinstance(decision, Refusal) and decision.code == "subscription.not_grantee"


def test_the_decision_needs_a_timezone() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        authorize(
            REQUESTER,
            act.SUBSCRIPTION_VIEW,
            SubscriptionTerms.new(LIVE),
            now=dt.datetime(2026, 1, 1),
        )
