"""The one access decision, table-driven: every action × every role × own / requesting / other.

The table below is the specification, written out by hand rather than derived from the code: a
cell is ``ok``, a refusal code, or ``404:code`` for a refusal that hides the object. Department 1
owns the dataset; department 7 filed the request and holds the grant; department 9 is a stranger.
A test fails when an action has no row here, so a new action cannot ship undecided.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from catalog import actions as act
from catalog.actions import ACTIONS, Action
from catalog.aggregate_plan import AggregateRequest, AggregateResource, Measure, MeasureFn
from catalog.models import AccessMode, AccountKind, RequestStatus, Role
from catalog.policy import Allowed, Refusal, authorize
from catalog.policy_catalog import ContractTerms
from catalog.policy_lineage import LineageTerms
from catalog.policy_scenarios import ScenarioTerms
from catalog.principals import SYSTEM, Principal
from catalog.resources import (
    PLATFORM,
    AccountTerms,
    DemandTerms,
    GrantTerms,
    ReadRequest,
    ReadResource,
    ReportTerms,
    RequestTerms,
    Resource,
    ResponsibilityTerms,
    ScorecardTerms,
)
from catalog.subscription_terms import SubscriptionTerms
from catalog.verify_plan import VerifyRequest, VerifyResource
from tests.catalog import policy_factories as pf

NOW = pf.NOW
OWNER, REQUESTING, OTHER = 1, 7, 9
RELATIONS = {"own": OWNER, "requesting": REQUESTING, "other": OTHER}
ROLES = (Role.PUBLISHER, Role.REQUESTER, Role.STEWARD, Role.AUDITOR, Role.ADMIN)

_DATASET = pf.terms()
_REQUEST = RequestTerms(
    request_id=3, dataset=_DATASET, requester_department_id=REQUESTING, status=RequestStatus.PENDING
)
_GRANT = dataclasses.replace(
    pf.grant(),
    grantee_department_id=REQUESTING,
    dataset=_DATASET,
    match_fields=(),
    access_modes=frozenset({AccessMode.QUERY, AccessMode.VERIFY, AccessMode.AGGREGATE}),
)
_REPORT = ReportTerms(report_id=4, dataset=_DATASET)
_SUBSCRIBED = dataclasses.replace(_GRANT, access_modes=_GRANT.access_modes | {AccessMode.SUBSCRIBE})
_SUBSCRIPTION = SubscriptionTerms(subscription_id=5, department_id=REQUESTING, grant=_SUBSCRIBED)
#: a publisher's account of the owner department (not the actor's own account: see below)
_ACCOUNT = AccountTerms(
    account_id=900, department_id=OWNER, kind=AccountKind.SERVICE, roles=frozenset({Role.PUBLISHER})
)
_NEW_ACCOUNT = AccountTerms(
    account_id=None, department_id=OWNER, kind=AccountKind.PERSON, roles=frozenset({Role.STEWARD})
)


def _resource(action: Action, department_id: int) -> Resource | SubscriptionTerms | ScenarioTerms:
    if action.resource == "scenario":  # filed by the requesting department over the dataset
        return ScenarioTerms(10, REQUESTING, frozenset({OWNER}), live=True)
    if action.resource == "subscription":
        creating = action is act.SUBSCRIPTION_CREATE
        return SubscriptionTerms.new(_SUBSCRIBED) if creating else _SUBSCRIPTION
    if action.resource == "dataset":
        return _DATASET
    if action.resource == "request":
        return _REQUEST
    if action.resource == "grant":
        return _GRANT
    if action.resource == "report":
        return _REPORT
    if action.resource == "scorecard":
        return ScorecardTerms(OWNER)  # the owner department's scorecard
    if action.resource == "lineage":
        return LineageTerms("dataset:zhongtai/rsj_social_insurance", frozenset({OWNER}))
    if action.resource == "account":
        return _NEW_ACCOUNT if action is act.ACCOUNT_ISSUE else _ACCOUNT
    if action.resource == "responsibility":  # the owner's duty, fulfilled by its own dataset
        return ResponsibilityTerms(responsibility_id=6, department_id=OWNER, dataset=_DATASET)
    if action.resource == "demand":  # the requesting department's demand, matched to the dataset
        return DemandTerms(demand_id=8, requester_department_id=REQUESTING, dataset=_DATASET)
    # the department's own grant, if it holds one (only the requesting department does)
    grant = _GRANT if department_id == REQUESTING else None
    if action.resource == "read":
        return ReadResource(_DATASET, grant, ReadRequest(fields=("period",), mode=AccessMode.QUERY))
    if action.resource == "verify":
        return VerifyResource(_DATASET, grant, VerifyRequest(("employer_uscc",), ("period",), 1))
    if action.resource == "aggregate":
        count = (Measure(MeasureFn.COUNT),)
        return AggregateResource(_DATASET, grant, AggregateRequest(("period",), count))
    return PLATFORM


#: action → relation → outcome for (publisher, requester, steward, auditor, admin)
EXPECTED: dict[str, dict[str, tuple[str, str, str, str, str]]] = {
    "dataset.view": {
        "own": ("ok", "ok", "ok", "ok", "ok"),
        "requesting": ("ok", "ok", "ok", "ok", "ok"),
        "other": ("ok", "ok", "ok", "ok", "ok"),
    },
    "data.read": {
        "own": ("ok", "grant.missing", "ok", "role.requester_required", "role.requester_required"),
        "requesting": (
            "role.requester_required",
            "ok",
            "role.requester_required",
            "role.requester_required",
            "role.requester_required",
        ),
        "other": (
            "role.requester_required",
            "grant.missing",
            "role.requester_required",
            "role.requester_required",
            "role.requester_required",
        ),
    },
    "request.file": {
        "own": (
            "role.requester_required",
            "request.own_dataset",
            "role.requester_required",
            "role.requester_required",
            "role.requester_required",
        ),
        "requesting": (
            "role.requester_required",
            "ok",
            "role.requester_required",
            "role.requester_required",
            "role.requester_required",
        ),
        "other": (
            "role.requester_required",
            "ok",
            "role.requester_required",
            "role.requester_required",
            "role.requester_required",
        ),
    },
    "request.view": {
        "own": ("ok", "ok", "ok", "ok", "ok"),
        "requesting": ("ok", "ok", "ok", "ok", "ok"),
        "other": (
            "404:request.not_found",
            "404:request.not_found",
            "404:request.not_found",
            "ok",
            "ok",  # the platform sees every request's state (overdue replies), never the data
        ),
    },
    "request.approve": {
        "own": (
            "ok",
            "request.not_owner",
            "request.not_owner",
            "request.not_owner",
            "request.not_owner",
        ),
        "requesting": ("request.not_owner",) * 5,
        "other": (
            "404:request.not_found",
            "404:request.not_found",
            "404:request.not_found",
            "request.not_owner",
            "request.not_owner",
        ),
    },
    "request.withdraw": {
        "own": ("request.not_requester",) * 5,
        "requesting": (
            "request.not_requester",
            "ok",
            "request.not_requester",
            "request.not_requester",
            "request.not_requester",
        ),
        "other": (
            "404:request.not_found",
            "404:request.not_found",
            "404:request.not_found",
            "request.not_requester",
            "request.not_requester",
        ),
    },
    "grant.view": {
        "own": ("ok", "ok", "ok", "ok", "ok"),
        "requesting": ("ok", "ok", "ok", "ok", "ok"),
        "other": (
            "404:grant.not_found",
            "404:grant.not_found",
            "404:grant.not_found",
            "ok",
            "404:grant.not_found",
        ),
    },
    "grant.revoke": {
        "own": ("ok", "grant.not_owner", "grant.not_owner", "grant.not_owner", "grant.not_owner"),
        "requesting": ("grant.not_owner",) * 5,
        "other": (
            "404:grant.not_found",
            "404:grant.not_found",
            "404:grant.not_found",
            "grant.not_owner",
            "404:grant.not_found",
        ),
    },
    "report.view": {
        "own": ("ok", "ok", "ok", "ok", "ok"),
        "requesting": (
            "report.access_refused",
            "report.access_refused",
            "report.access_refused",  # a steward of another department: the defect of issue 8
            "ok",
            "ok",
        ),
        "other": (
            "report.access_refused",
            "report.access_refused",
            "report.access_refused",
            "ok",
            "ok",
        ),
    },
    "quarantine.view": {
        "own": (
            "ok",
            "quarantine.access_refused",
            "ok",
            "quarantine.access_refused",
            "quarantine.access_refused",
        ),
        "requesting": ("quarantine.access_refused",) * 5,
        "other": ("quarantine.access_refused",) * 5,
    },
    "report.sign_off": {
        "own": (
            "report.not_steward",
            "report.not_steward",
            "ok",
            "report.not_steward",
            "report.not_steward",
        ),
        "requesting": ("report.not_steward",) * 5,
        "other": ("report.not_steward",) * 5,
    },
    "audit.verify": {
        relation: (
            "role.auditor_required",
            "role.auditor_required",
            "role.auditor_required",
            "ok",
            "ok",
        )
        for relation in RELATIONS
    },
    "audit.checkpoint": {
        relation: (
            "role.admin_required",
            "role.admin_required",
            "role.admin_required",
            "role.admin_required",
            "ok",
        )
        for relation in RELATIONS
    },
    "audit.view": {
        relation: ("role.auditor_required",) * 3 + ("ok", "ok") for relation in RELATIONS
    },
    "audit.usage": {
        relation: ("role.auditor_required",) * 3 + ("ok", "ok") for relation in RELATIONS
    },
    "audit.export": {
        relation: ("role.auditor_required",) * 3 + ("ok", "role.auditor_required")
        for relation in RELATIONS
    },
    "audit.reproduce": {
        relation: ("role.auditor_required",) * 3 + ("ok", "role.auditor_required")
        for relation in RELATIONS
    },
    "audit.key": {relation: ("role.admin_required",) * 4 + ("ok",) for relation in RELATIONS},
    "batch.ingest": {
        "own": ("ok", "batch.not_owner", "batch.not_owner", "batch.not_owner", "batch.not_owner"),
        "requesting": ("batch.not_owner",) * 5,
        "other": ("batch.not_owner",) * 5,
    },
    "account.issue": {relation: ("role.admin_required",) * 4 + ("ok",) for relation in RELATIONS},
    "account.view": {
        relation: ("404:account.not_found",) * 3 + ("ok", "ok") for relation in RELATIONS
    },
    "account.revoke": {
        relation: ("404:account.not_found",) * 3 + ("role.admin_required", "ok")
        for relation in RELATIONS
    },
}
EXPECTED["grant.renew"] = {
    "own": ("grant.not_grantee",) * 5,
    "requesting": (
        "grant.not_grantee",
        "ok",
        "grant.not_grantee",
        "grant.not_grantee",
        "grant.not_grantee",
    ),
    "other": (
        "404:grant.not_found",
        "404:grant.not_found",
        "404:grant.not_found",
        "grant.not_grantee",
        "404:grant.not_found",
    ),
}
EXPECTED["data.verify"] = EXPECTED["data.read"]
EXPECTED["data.aggregate"] = EXPECTED["data.read"]
EXPECTED["subscription.create"] = {
    "own": ("subscription.not_grantee",) * 5,
    "requesting": ("subscription.not_grantee", "ok") + ("subscription.not_grantee",) * 3,
    "other": ("404:grant.not_found",) * 3 + ("subscription.not_grantee", "404:grant.not_found"),
}
EXPECTED["subscription.view"] = {
    "own": ("404:subscription.not_found",) * 3 + ("ok", "ok"),  # the owner sees its grants only
    "requesting": ("ok",) * 5,
    "other": ("404:subscription.not_found",) * 3 + ("ok", "ok"),
}
EXPECTED["subscription.cancel"] = {
    "own": ("404:subscription.not_found",) * 3 + ("subscription.not_requester", "ok"),
    "requesting": ("subscription.not_requester", "ok")
    + ("subscription.not_requester",) * 2
    + ("ok",),
    "other": ("404:subscription.not_found",) * 3 + ("subscription.not_requester", "ok"),
}
EXPECTED["subscription.fetch"] = {  # the rows themselves: the grantee's requesters only
    "own": ("404:subscription.not_found",) * 3 + ("subscription.not_grantee",) * 2,
    "requesting": ("subscription.not_grantee", "ok") + ("subscription.not_grantee",) * 3,
    "other": ("404:subscription.not_found",) * 3 + ("subscription.not_grantee",) * 2,
}
EXPECTED["request.refuse"] = EXPECTED["request.approve"]
EXPECTED["objection.answer"] = EXPECTED["request.approve"]
EXPECTED["objection.file"] = EXPECTED["request.withdraw"]
EXPECTED["account.rotate"] = EXPECTED["account.revoke"]
EXPECTED["request.escalate"] = EXPECTED["audit.checkpoint"]  # the platform's duties: admins
EXPECTED["grant.expire"] = EXPECTED["audit.checkpoint"]
_NOT_LINEAGE = "lineage.not_allowed"
EXPECTED["lineage.view"] = {  # the question is about a node of the owner's dataset
    "own": (_NOT_LINEAGE, _NOT_LINEAGE, "ok", "ok", "ok"),
    "requesting": (_NOT_LINEAGE, _NOT_LINEAGE, _NOT_LINEAGE, "ok", "ok"),
    "other": (_NOT_LINEAGE, _NOT_LINEAGE, _NOT_LINEAGE, "ok", "ok"),
}
EXPECTED["lineage.rebuild"] = EXPECTED["audit.key"]
EXPECTED["negative_list.view"] = EXPECTED["dataset.view"]  # the negative list is public
_NOT_MANAGER = "negative_list.not_manager"
EXPECTED["negative_list.manage"] = {  # the owner's publishers and admins keep its entries
    "own": ("ok", _NOT_MANAGER, _NOT_MANAGER, _NOT_MANAGER, "ok"),
    "requesting": (_NOT_MANAGER,) * 4 + ("ok",),
    "other": (_NOT_MANAGER,) * 4 + ("ok",),
}
_NOT_SCORECARD = "scorecard.not_allowed"
EXPECTED["scorecard.view"] = {  # the owner department's card: its own people, auditors, admins
    "own": ("ok", "ok", "ok", "ok", "ok"),
    "requesting": (_NOT_SCORECARD,) * 3 + ("ok", "ok"),
    "other": (_NOT_SCORECARD,) * 3 + ("ok", "ok"),
}
# the three lists (catalog.policy_lists): the responsibility is the owner's, the demand the
# requesting department's, matched to the owner's dataset
EXPECTED["lists.view"] = EXPECTED["dataset.view"]
EXPECTED["responsibility.manage"] = EXPECTED["account.issue"]
_NOT_OWN_DEPT = "responsibility.not_own_department"
EXPECTED["responsibility.link"] = {
    "own": ("ok", _NOT_OWN_DEPT, "ok", _NOT_OWN_DEPT, "ok"),
    "requesting": (_NOT_OWN_DEPT,) * 4 + ("ok",),
    "other": (_NOT_OWN_DEPT,) * 4 + ("ok",),
}
_NO_REQUESTER = "role.requester_required"
EXPECTED["demand.file"] = {
    "own": (_NO_REQUESTER, "demand.not_own_department") + (_NO_REQUESTER,) * 3,
    "requesting": (_NO_REQUESTER, "ok") + (_NO_REQUESTER,) * 3,
    "other": (_NO_REQUESTER, "demand.not_own_department") + (_NO_REQUESTER,) * 3,
}
EXPECTED["demand.view"] = {
    "own": ("ok",) * 5,  # the matched dataset's owner
    "requesting": ("ok",) * 5,
    "other": ("demand.not_party",) * 3 + ("ok", "ok"),
}
EXPECTED["demand.match"] = {
    "own": ("demand.not_requester",) * 4 + ("ok",),
    "requesting": ("demand.not_requester", "ok", "demand.not_requester", "demand.not_requester")
    + ("ok",),
    "other": ("demand.not_requester",) * 4 + ("ok",),
}
EXPECTED["demand.request"] = {
    "own": ("demand.not_requester",) * 5,
    "requesting": ("demand.not_requester", "ok") + ("demand.not_requester",) * 3,
    "other": ("demand.not_requester",) * 5,
}
EXPECTED["demand.fulfil"] = {
    "own": ("ok",) + ("demand.not_owner",) * 3 + ("ok",),
    "requesting": ("demand.not_owner",) * 4 + ("ok",),
    "other": ("demand.not_owner",) * 4 + ("ok",),
}
EXPECTED["demand.decline"] = EXPECTED["demand.fulfil"]
#: the catalog's metadata (not-shared entries included) is what dataset.view shows every account
EXPECTED["catalog.export"] = EXPECTED["dataset.view"]
EXPECTED["element.manage"] = {  # 数据元 and 代码表: admins only, whatever the department
    relation: ("role.admin_required",) * 4 + ("ok",) for relation in RELATIONS
}
EXPECTED["element.view"] = {relation: ("ok",) * 5 for relation in RELATIONS}
#: the catalog's own acts (``catalog.policy_catalog``): the owner's publishers and stewards edit
#: its datasets, admins edit any and manage departments, auditors change nothing
EXPECTED["dataset.register"] = {
    "own": ("ok", "dataset.not_owner", "ok", "dataset.not_owner", "ok"),
    "requesting": ("dataset.not_owner",) * 4 + ("ok",),
    "other": ("dataset.not_owner",) * 4 + ("ok",),
}
EXPECTED["dataset.revise"] = EXPECTED["dataset.register"]
EXPECTED["department.manage"] = EXPECTED["account.issue"]
EXPECTED["platform.backup"] = EXPECTED["audit.key"]  # admins, and the operator on the host

#: 应用场景 (``catalog.policy_scenarios``): seen by the parties, read by the filer's requesters
EXPECTED["scenario.view"] = {
    "own": ("ok",) * 5,
    "requesting": ("ok",) * 5,
    "other": ("404:scenario.not_found",) * 3 + ("ok", "ok"),
}
EXPECTED["scenario.read"] = {
    "own": ("scenario.not_requester",) * 5,
    "requesting": ("scenario.not_requester", "ok") + ("scenario.not_requester",) * 3,
    "other": ("404:scenario.not_found",) * 3 + ("scenario.not_requester",) * 2,
}
#: 智能报表 (``catalog.policy``): any requester pre-fills; each source is then decided through
#: that requester's own grants (``data.aggregate``), so nothing here reveals data
EXPECTED["report.prefill"] = {
    relation: (_NO_REQUESTER, "ok") + (_NO_REQUESTER,) * 3 for relation in RELATIONS
}

#: what the platform itself (pipelines, schedulers; no department, no role) may do
SYSTEM_EXPECTED = {
    "dataset.view": "ok",
    "data.read": "role.requester_required",
    "data.verify": "role.requester_required",
    "data.aggregate": "role.requester_required",
    "request.file": "role.requester_required",
    "request.view": "404:request.not_found",
    "request.approve": "404:request.not_found",
    "request.refuse": "404:request.not_found",
    "request.withdraw": "404:request.not_found",
    "objection.file": "404:request.not_found",
    "objection.answer": "404:request.not_found",
    "grant.renew": "404:grant.not_found",
    "grant.view": "404:grant.not_found",
    "grant.revoke": "404:grant.not_found",
    "report.view": "report.access_refused",
    "quarantine.view": "quarantine.access_refused",
    "report.sign_off": "report.not_steward",
    "audit.verify": "role.auditor_required",
    "audit.checkpoint": "ok",
    "request.escalate": "ok",
    "grant.expire": "ok",
    "lineage.view": "lineage.not_allowed",
    "lineage.rebuild": "ok",
    "scorecard.view": "scorecard.not_allowed",
    "catalog.export": "ok",  # a scheduled publication of the catalog
    "audit.view": "role.auditor_required",
    "audit.usage": "role.auditor_required",
    "audit.export": "ok",
    "audit.reproduce": "role.auditor_required",
    "audit.key": "ok",
    "batch.ingest": "ok",
    "account.issue": "role.admin_required",  # except the bootstrap, below
    "account.view": "404:account.not_found",
    "account.revoke": "404:account.not_found",
    "account.rotate": "404:account.not_found",
    "subscription.create": "404:grant.not_found",
    "subscription.view": "404:subscription.not_found",
    "subscription.cancel": "404:subscription.not_found",
    "subscription.fetch": "404:subscription.not_found",
    "lists.view": "ok",
    "responsibility.manage": "role.admin_required",
    "responsibility.link": "responsibility.not_own_department",
    "demand.file": "role.requester_required",
    "demand.view": "demand.not_party",
    "demand.match": "demand.not_requester",
    "demand.request": "demand.not_requester",
    "demand.fulfil": "ok",  # the platform settles a demand when its request is approved
    "demand.decline": "demand.not_owner",
    "element.manage": "ok",  # the seed of the shipped elements and code lists
    "element.view": "ok",
    "dataset.register": "ok",  # the platform loads the shipped contracts (demo, tests)
    "dataset.revise": "ok",
    "department.manage": "ok",  # and seeds the demo's departments
    "negative_list.view": "ok",
    "negative_list.manage": "negative_list.not_manager",
    "platform.backup": "ok",  # zhongtai backup run by the operator on the host, no token
    "scenario.view": "404:scenario.not_found",
    "scenario.read": "404:scenario.not_found",
    "report.prefill": "role.requester_required",
}


def _outcome(decision: Allowed | Refusal) -> str:
    if isinstance(decision, Allowed):
        return "ok"
    return f"404:{decision.code}" if decision.hidden else decision.code


def _actor(role: Role, department_id: int) -> Principal:
    return Principal(
        account_id=100 + department_id,
        department_id=department_id,
        department_code=f"D{department_id}",
        roles=frozenset({role}),
    )


def test_every_action_has_a_row_and_every_row_an_action() -> None:
    assert {a.name for a in ACTIONS} == set(EXPECTED) == set(SYSTEM_EXPECTED)
    assert len({a.name for a in ACTIONS}) == len(ACTIONS)


_CELLS = [
    pytest.param(action, relation, role, id=f"{action.name}-{relation}-{role.value}")
    for action in ACTIONS
    for relation in RELATIONS
    for role in ROLES
]


@pytest.mark.parametrize(("action", "relation", "role"), _CELLS)
def test_decision_table(action: Action, relation: str, role: Role) -> None:
    department_id = RELATIONS[relation]
    actor = _actor(role, department_id)
    decision = authorize(actor, action, _resource(action, department_id), now=NOW)
    assert _outcome(decision) == EXPECTED[action.name][relation][ROLES.index(role)]
    if isinstance(decision, Allowed):
        assert decision.action is action
        assert (decision.plan is not None) == (action is act.DATA_READ)
        assert (decision.verify_plan is not None) == (action is act.DATA_VERIFY)
        assert (decision.aggregate_plan is not None) == (action is act.DATA_AGGREGATE)
    else:
        assert decision.reason and "\n" not in decision.reason


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_the_platform_itself(action: Action) -> None:
    decision = authorize(SYSTEM, action, _resource(action, SYSTEM.department_id), now=NOW)
    assert _outcome(decision) == SYSTEM_EXPECTED[action.name]


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_a_principal_with_every_role_of_another_department(action: Action) -> None:
    """Roles add up only within a department: holding all of them elsewhere grants nothing of
    the owner's (only the platform-wide auditor and admin rights, and requesting)."""
    everything = Principal(
        account_id=55, department_id=OTHER, department_code="D9", roles=frozenset(ROLES)
    )
    decision = authorize(everything, action, _resource(action, OTHER), now=NOW)
    owner_only = {
        "request.approve",
        "request.refuse",
        "request.withdraw",
        "objection.file",
        "objection.answer",
        "grant.renew",
        "grant.revoke",
        "quarantine.view",
        "report.sign_off",
        "batch.ingest",
        "data.read",  # no grant of its own
        "data.verify",
        "data.aggregate",
        "subscription.create",  # nor a grant to subscribe through
        "subscription.fetch",
        "demand.file",  # for its own department only
        "demand.request",
        "scenario.read",  # only the filing department's requesters read the joined view
    }
    assert isinstance(decision, Refusal) == (action.name in owner_only), decision


def test_a_resource_of_the_wrong_kind_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        authorize(_actor(Role.PUBLISHER, OWNER), act.GRANT_REVOKE, _REQUEST, now=NOW)
    with pytest.raises(ValueError, match="timezone-aware"):
        authorize(
            _actor(Role.PUBLISHER, OWNER), act.DATASET_VIEW, _DATASET, now=dt.datetime(2026, 1, 1)
        )


def test_grant_terms_for_the_table_are_live() -> None:
    """Guards the table: the requesting department's grant must be one that reads succeed on."""
    assert isinstance(_GRANT, GrantTerms)
    assert _GRANT.revoked_at is None and _GRANT.expires_at is not None and _GRANT.expires_at > NOW
    assert "period" in _GRANT.fields and AccessMode.QUERY in _GRANT.access_modes


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (act.ACCOUNT_VIEW, "ok"),
        (act.ACCOUNT_ROTATE, "ok"),
        (act.ACCOUNT_REVOKE, "role.admin_required"),
    ],
    ids=lambda value: getattr(value, "name", value),
)
def test_an_account_sees_and_rotates_itself_but_cannot_revoke_itself(
    action: Action, expected: str
) -> None:
    me = Principal(
        account_id=900, department_id=OWNER, department_code="D1", roles=frozenset({Role.PUBLISHER})
    )
    assert _outcome(authorize(me, action, _ACCOUNT, now=NOW)) == expected


@pytest.mark.parametrize(
    ("actor", "roles", "expected"),
    [
        (SYSTEM, {Role.ADMIN}, "ok"),
        (SYSTEM, {Role.ADMIN, Role.AUDITOR}, "account.bootstrap_admin_only"),
        (SYSTEM, {Role.PUBLISHER}, "account.bootstrap_admin_only"),
        (_actor(Role.PUBLISHER, OWNER), {Role.ADMIN}, "role.admin_required"),
    ],
    ids=["platform-admin", "platform-admin-auditor", "platform-publisher", "a-publisher"],
)
def test_the_first_admin_is_made_by_the_platform_itself_only(
    actor: Principal, roles: set[Role], expected: str
) -> None:
    first = dataclasses.replace(_NEW_ACCOUNT, roles=frozenset(roles), bootstrap=True)
    assert _outcome(authorize(actor, act.ACCOUNT_ISSUE, first, now=NOW)) == expected


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_only_auditors_and_admins_see_the_league_table(role: Role) -> None:
    """Every department's scorecards at once: auditors and admins, never a department's own
    publisher, requester or steward (the policy choice of ``catalog.policy_scorecards``)."""
    decision = authorize(_actor(role, OWNER), act.SCORECARD_VIEW, ScorecardTerms(None), now=NOW)
    expected = "ok" if role in (Role.AUDITOR, Role.ADMIN) else "scorecard.not_allowed"
    assert _outcome(decision) == expected
    assert _outcome(authorize(SYSTEM, act.SCORECARD_VIEW, ScorecardTerms(None), now=NOW)) == (
        "scorecard.not_allowed"
    )


@pytest.mark.parametrize(
    ("role", "department_id", "expected"),
    [
        (Role.PUBLISHER, OWNER, "dataset.owner_change"),
        (Role.STEWARD, OWNER, "dataset.owner_change"),
        (Role.PUBLISHER, OTHER, "dataset.not_owner"),  # the new owner cannot take it either
        (Role.AUDITOR, OTHER, "dataset.not_owner"),
        (Role.ADMIN, OTHER, "ok"),
    ],
)
def test_moving_a_dataset_to_another_owner_is_for_admins(
    role: Role, department_id: int, expected: str
) -> None:
    moved = ContractTerms.proposed(
        pf.contract(), dataset_id=1, owner_department_id=OTHER, current_owner_department_id=OWNER
    )
    actor = Principal(
        account_id=60, department_id=department_id, department_code="D", roles=frozenset({role})
    )
    assert _outcome(authorize(actor, act.DATASET_REVISE, moved, now=NOW)) == expected
