"""The one access decision: ``authorize(actor, action, resource, now=…) -> Allowed | Refusal``.

Every act — a read, a request filed, approved, refused or withdrawn, a grant seen or revoked, a
quality report or its quarantined rows read, a sign-off, an audit verification or checkpoint, a
batch ingested — is decided here and nowhere else. Routes, CLI commands, portal pages and DAG
tasks name a :class:`catalog.actions.Action` and a resource (``catalog.resources``) and ask; no
other module compares roles or departments. ``catalog.guard.ensure`` is the usual caller: it
audits a refusal and raises.

The function is pure (no session, no clock). For ``data.read`` the allowed answer carries the
read plan (``catalog.read_plan``): columns, masks, row filter, quota, and which fields may be
filtered or matched. Refusals carry a stable ``code``; a ``hidden`` refusal is answered as "not
found", so a department cannot learn that another department's request or grant exists.

Who may do what (own = the actor's department owns the dataset; "any" = any department):

=================  ===========================================================================
action             allowed
=================  ===========================================================================
dataset.view       any authenticated account
data.read          own publisher/steward (unmasked); others through a live grant (read_plan)
data.verify        own publisher/steward; others through a live grant with mode verify
                   (verify_plan: masked fields only as the grant's match keys)
data.aggregate     own publisher/steward (no suppression); others through a live grant with
                   mode aggregate (aggregate_plan: masked groups, small groups suppressed)
request.file       a requester of another department (not the owner)
request.view       the requesting department, the owner department, auditors and admins
request.approve    a publisher of the owner department
request.refuse     a publisher of the owner department
request.withdraw   a requester of the requesting department
objection.file     a requester of the requesting department
objection.answer   a publisher of the owner department
grant.view         the grantee department, the owner department, auditors
grant.renew        a requester of the grantee department
grant.revoke       a publisher of the owner department
report.view        the owner department (any role), auditors, admins
quarantine.view    a publisher or steward of the owner department
report.sign_off    a steward of the owner department
audit.*            see ``catalog.policy_audit`` (verify, checkpoint, view, usage, export…)
lineage.view       auditors, admins; a steward for its own department's datasets
lineage.rebuild    admins, and the platform itself
catalog.export     any account with a platform role, and the platform (``catalog.policy_exports``)
request.escalate   admins, and the platform itself (a daily duty; ``catalog.policy_duties``)
grant.expire       admins, and the platform itself (a daily duty; ``catalog.policy_duties``)
batch.ingest       a publisher of the owner department, and the platform itself
dataset.register   own publisher/steward (the owner the contract names), admins, the platform
dataset.revise     own publisher/steward, keeping the owner; admins, the platform (policy_catalog)
department.manage  admins, and the platform itself (``catalog.policy_catalog``)
account.issue      admins; the platform itself only for a catalog's first admin (bootstrap)
account.view       admins, auditors, and the account itself (never the token or its hash)
account.revoke     admins
account.rotate     admins, and the account itself (a service rotates its own token)
scorecard.view     admins and auditors: every department's and the league; a department's
                   accounts (any role): their own (``catalog.policy_scorecards``)
element.manage     admins, and the platform itself (the shipped seed); ``catalog.policy_elements``
element.view       any authenticated account, and the platform itself
subscription.*     create / fetch: a requester of the grantee department, through a grant live
                   now with mode ``subscribe``; view: that department, auditors, admins; cancel:
                   a requester of that department, admins
lists.view         any authenticated account (``catalog.policy_lists``: what is public)
responsibility.*   manage: admins; link: the department's publisher/steward, own dataset only
demand.*           file: a requester for its own department; view, match, request, fulfil,
                   decline: see ``catalog.policy_lists``
scenario.view      the requesting department, member owners, auditors, admins (policy_scenarios)
scenario.read      a requester of the requesting department, once every member is decided
report.prefill     any requester; each source is then a data.aggregate through its own grants
negative_list.*    view: anyone; manage: own publisher, admins (``catalog.policy_negative``,
                   which also bars requests naming a negative-listed dataset or field)
=================  ===========================================================================

Refusals about accounts are hidden ("not found") from everyone who may not see the account.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from catalog import actions as act
from catalog import policy_accounts, policy_audit, policy_duties, policy_negative
from catalog import policy_catalog as _catalog_rules
from catalog import policy_lists as lists
from catalog.actions import Action
from catalog.aggregate_plan import AggregatePlan, AggregateResource, plan_aggregate
from catalog.conditions import MAX_IN_VALUES, Condition, Op, Scalar
from catalog.models import AccessMode, Role
from catalog.policy_backup import platform_backup
from catalog.policy_elements import element_manage, element_view
from catalog.policy_exports import catalog_export
from catalog.policy_lineage import LineageTerms, lineage_rebuild, lineage_view
from catalog.policy_regions import outside_region
from catalog.policy_scenarios import ScenarioTerms, scenario_read, scenario_view
from catalog.policy_scorecards import scorecard_view
from catalog.policy_terms import in_department, platform_role, visible_or_hidden
from catalog.principals import Principal
from catalog.read_plan import (
    MAX_LIMIT,
    OWNER_ROLES,
    AccessPlan,
    PlannedColumn,
    Refusal,
    check_grant,
    plan_read,
)
from catalog.resources import (
    AccountTerms,
    DatasetTerms,
    DemandTerms,
    GrantTerms,
    Platform,
    ReadRequest,
    ReadResource,
    ReportTerms,
    RequestTerms,
    Resource,
    ResponsibilityTerms,
    ScorecardTerms,
)
from catalog.subscription_terms import SubscriptionTerms
from catalog.verify_plan import VerifyPlan, VerifyResource, plan_verify

__all__ = [
    "MAX_IN_VALUES",
    "MAX_LIMIT",
    "OWNER_ROLES",
    "AccessPlan",
    "Allowed",
    "Condition",
    "GrantTerms",
    "Op",
    "PlannedColumn",
    "ReadRequest",
    "ReadResource",
    "Refusal",
    "Scalar",
    "authorize",
]


@dataclass(frozen=True, slots=True)
class Allowed:
    """An allowed act. For ``data.read``, ``plan`` says exactly what may be read; for
    ``data.verify`` and ``data.aggregate``, ``verify_plan`` and ``aggregate_plan`` say how."""

    action: Action
    plan: AccessPlan | None = None
    verify_plan: VerifyPlan | None = None
    aggregate_plan: AggregatePlan | None = None


def authorize(
    actor: Principal,
    action: Action,
    resource: Resource
    | VerifyResource
    | AggregateResource
    | SubscriptionTerms
    | LineageTerms
    | ScenarioTerms,
    *,
    now: dt.datetime,
) -> Allowed | Refusal:
    """May ``actor`` do ``action`` to ``resource`` at ``now``? The only place that says."""
    if now.tzinfo is None:
        raise ValueError("authorize() needs a timezone-aware 'now'")
    expected = _KINDS[action.resource]
    if not isinstance(resource, expected):
        raise TypeError(f"{action.name} is decided over {expected.__name__}, not {resource!r}")
    if action is act.DATA_READ:
        assert isinstance(resource, ReadResource)
        planned = plan_read(actor, resource, now=now)
        return planned if isinstance(planned, Refusal) else Allowed(action, planned)
    if action is act.DATA_VERIFY:
        assert isinstance(resource, VerifyResource)
        verify = plan_verify(actor, resource, now=now)
        return verify if isinstance(verify, Refusal) else Allowed(action, verify_plan=verify)
    if action is act.DATA_AGGREGATE:
        assert isinstance(resource, AggregateResource)
        summary = plan_aggregate(actor, resource, now=now)
        return summary if isinstance(summary, Refusal) else Allowed(action, aggregate_plan=summary)
    if isinstance(resource, SubscriptionTerms):  # its rules need the clock: grants expire
        refused = _subscription(actor, action, resource, now)
        return refused if refused is not None else Allowed(action)
    rule = _RULES.get(action)
    if rule is None:
        raise ValueError(f"no rule for action {action.name!r}")  # a programming error
    refusal = rule(actor, resource)
    return refusal if refusal is not None else Allowed(action)


# --- the rules -----------------------------------------------------------------------------------


def _dataset_view(actor: Principal, dataset: DatasetTerms) -> Refusal | None:
    return None


def _request_file(actor: Principal, dataset: DatasetTerms) -> Refusal | None:
    if not platform_role(actor, Role.REQUESTER):
        return Refusal("role.requester_required", "filing a share request needs the requester role")
    if actor.department_id == dataset.owner_department_id:
        return Refusal("request.own_dataset", "a department cannot request its own dataset")
    return outside_region(actor, dataset)  # 数据回流: catalog.regions


def _request_view(actor: Principal, request: RequestTerms) -> Refusal | None:
    if (
        in_department(actor, request.requester_department_id)
        or in_department(actor, request.dataset.owner_department_id)
        or platform_role(actor, Role.AUDITOR, Role.ADMIN)
    ):
        return None
    return Refusal("request.not_found", f"no share request {request.request_id}", hidden=True)


def _request_decide(actor: Principal, request: RequestTerms) -> Refusal | None:
    if in_department(actor, request.dataset.owner_department_id, Role.PUBLISHER):
        return None
    return visible_or_hidden(
        _request_view(actor, request),
        Refusal(
            "request.not_owner",
            "only a publisher of the dataset's owner department may decide this request",
        ),
    )


def _requester_act(actor: Principal, request: RequestTerms) -> Refusal | None:
    if in_department(actor, request.requester_department_id, Role.REQUESTER):
        return None
    return visible_or_hidden(
        _request_view(actor, request),
        Refusal(
            "request.not_requester",
            "only a requester of the department that filed the request may do this",
        ),
    )


def _grant_renew(actor: Principal, grant: GrantTerms) -> Refusal | None:
    if in_department(actor, grant.grantee_department_id, Role.REQUESTER):
        return None
    return visible_or_hidden(
        _grant_view(actor, grant),
        Refusal(
            "grant.not_grantee",
            "only a requester of the department that holds a grant may ask to renew it",
        ),
    )


def _grant_view(actor: Principal, grant: GrantTerms) -> Refusal | None:
    dataset = _grant_dataset(grant)
    if (
        in_department(actor, grant.grantee_department_id)
        or in_department(actor, dataset.owner_department_id)
        or platform_role(actor, Role.AUDITOR)
    ):
        return None
    return Refusal("grant.not_found", f"no grant {grant.grant_id}", hidden=True)


def _grant_revoke(actor: Principal, grant: GrantTerms) -> Refusal | None:
    if in_department(actor, _grant_dataset(grant).owner_department_id, Role.PUBLISHER):
        return None
    return visible_or_hidden(
        _grant_view(actor, grant),
        Refusal(
            "grant.not_owner",
            "only a publisher of the dataset's owner department may revoke its grants",
        ),
    )


def _report_view(actor: Principal, report: ReportTerms) -> Refusal | None:
    if in_department(actor, report.dataset.owner_department_id) or platform_role(
        actor, Role.AUDITOR, Role.ADMIN
    ):
        return None
    return Refusal(
        "report.access_refused",
        f"quality reports of {report.dataset.code} are for its owner department and auditors",
    )


def _quarantine_view(actor: Principal, report: ReportTerms) -> Refusal | None:
    if in_department(actor, report.dataset.owner_department_id, Role.PUBLISHER, Role.STEWARD):
        return None
    return Refusal(
        "quarantine.access_refused",
        f"quarantined rows of {report.dataset.code} are for its owner's publishers and stewards",
    )


def _report_sign_off(actor: Principal, report: ReportTerms) -> Refusal | None:
    if in_department(actor, report.dataset.owner_department_id, Role.STEWARD):
        return None
    return Refusal(
        "report.not_steward",
        f"only a steward of the owner department may sign off reports of {report.dataset.code}",
    )


def _batch_ingest(actor: Principal, dataset: DatasetTerms) -> Refusal | None:
    if actor.is_system or in_department(actor, dataset.owner_department_id, Role.PUBLISHER):
        return None
    return Refusal(
        "batch.not_owner", f"only a publisher of {dataset.code}'s owner department may ingest"
    )


def _report_prefill(actor: Principal, platform: Platform) -> Refusal | None:
    """智能报表: a requester pre-fills a report template; every source is then decided by
    ``data.aggregate`` through the requester's own grants (``catalog.report_prefill``)."""
    if platform_role(actor, Role.REQUESTER):
        return None
    return Refusal("role.requester_required", "pre-filling a report needs the requester role")


_SUBSCRIBE = ReadRequest(limit=None, mode=AccessMode.SUBSCRIBE)


def _subscription_view(actor: Principal, sub: SubscriptionTerms) -> Refusal | None:
    if in_department(actor, sub.department_id) or platform_role(actor, Role.AUDITOR, Role.ADMIN):
        return None
    return Refusal("subscription.not_found", f"no subscription {sub.subscription_id}", hidden=True)


def _subscription(
    actor: Principal, action: Action, sub: SubscriptionTerms, now: dt.datetime
) -> Refusal | None:
    view = _subscription_view(actor, sub)
    if action is act.SUBSCRIPTION_VIEW:
        return view
    if action is act.SUBSCRIPTION_CANCEL:
        if in_department(actor, sub.department_id, Role.REQUESTER) or platform_role(
            actor, Role.ADMIN
        ):
            return None
        return visible_or_hidden(
            view, Refusal("subscription.not_requester", "only its department's requesters cancel")
        )
    if action is act.SUBSCRIPTION_CREATE:
        view = _grant_view(actor, sub.grant)  # nothing exists yet but the grant
    grantee = sub.grant.grantee_department_id
    if not in_department(actor, sub.department_id, Role.REQUESTER) or sub.department_id != grantee:
        return visible_or_hidden(
            view,
            Refusal("subscription.not_grantee", "only a requester of the grantee department"),
        )
    # Creating spends nothing yet; a fetch hands over rows whose quota the delivery already used.
    grant = sub.grant
    if action is not act.SUBSCRIPTION_CREATE:
        grant = dataclasses.replace(grant, rows_used=0)
    checked = check_grant(actor, _grant_dataset(grant), grant, _SUBSCRIBE, now)
    return checked if isinstance(checked, Refusal) else None


def _grant_dataset(grant: GrantTerms) -> DatasetTerms:
    if grant.dataset is None:
        raise ValueError(f"grant {grant.grant_id} terms carry no dataset")
    return grant.dataset


_KINDS: dict[str, type] = {
    "dataset": DatasetTerms,
    "read": ReadResource,
    "verify": VerifyResource,
    "aggregate": AggregateResource,
    "request": RequestTerms,
    "grant": GrantTerms,
    "report": ReportTerms,
    "platform": Platform,
    "account": AccountTerms,
    "subscription": SubscriptionTerms,
    "lineage": LineageTerms,
    "scorecard": ScorecardTerms,
    "responsibility": ResponsibilityTerms,
    "demand": DemandTerms,
    "scenario": ScenarioTerms,
}

#: The rule of every action but the planned ones: ``data.read`` (``catalog.read_plan``),
#: ``data.verify`` (``catalog.verify_plan``) and ``data.aggregate`` (``catalog.aggregate_plan``).
_RULES: dict[Action, Callable[[Principal, Any], Refusal | None]] = {
    act.DATASET_VIEW: _dataset_view,
    act.REQUEST_FILE: policy_negative.barring(_request_file),
    act.REQUEST_VIEW: _request_view,
    act.REQUEST_APPROVE: policy_negative.barring(_request_decide),
    act.REQUEST_REFUSE: _request_decide,
    act.REQUEST_WITHDRAW: _requester_act,
    act.OBJECTION_FILE: _requester_act,
    act.OBJECTION_ANSWER: _request_decide,
    act.GRANT_VIEW: _grant_view,
    act.GRANT_RENEW: _grant_renew,
    act.GRANT_REVOKE: _grant_revoke,
    act.REPORT_VIEW: _report_view,
    act.QUARANTINE_VIEW: _quarantine_view,
    act.REPORT_SIGN_OFF: _report_sign_off,
    act.AUDIT_VERIFY: policy_audit.audit_verify,
    act.AUDIT_CHECKPOINT: policy_audit.audit_checkpoint,
    act.AUDIT_VIEW: policy_audit.audit_view,
    act.AUDIT_USAGE: policy_audit.audit_view,
    act.AUDIT_EXPORT: policy_audit.audit_export,
    act.AUDIT_REPRODUCE: policy_audit.audit_reproduce,
    act.AUDIT_KEY: policy_audit.audit_key,
    act.LINEAGE_VIEW: lineage_view,
    act.LINEAGE_REBUILD: lineage_rebuild,
    act.REQUEST_ESCALATE: policy_duties.platform_duty,
    act.GRANT_EXPIRE: policy_duties.platform_duty,
    act.BATCH_INGEST: _batch_ingest,
    act.ACCOUNT_ISSUE: policy_accounts.account_issue,
    act.ACCOUNT_VIEW: policy_accounts.account_view,
    act.ACCOUNT_REVOKE: policy_accounts.account_revoke,
    act.ACCOUNT_ROTATE: policy_accounts.account_rotate,
    act.NEGATIVE_LIST_VIEW: policy_negative.negative_view,
    act.NEGATIVE_LIST_MANAGE: policy_negative.negative_manage,
    act.SCORECARD_VIEW: scorecard_view,
    act.LISTS_VIEW: lists.lists_view,
    act.RESPONSIBILITY_MANAGE: lists.responsibility_manage,
    act.RESPONSIBILITY_LINK: lists.responsibility_link,
    act.DEMAND_FILE: lists.demand_file,
    act.DEMAND_VIEW: lists.demand_view,
    act.DEMAND_MATCH: lists.demand_match,
    act.DEMAND_REQUEST: lists.demand_request,
    act.DEMAND_FULFIL: lists.demand_fulfil,
    act.DEMAND_DECLINE: lists.demand_decline,
    act.CATALOG_EXPORT: catalog_export,
    act.ELEMENT_MANAGE: element_manage,
    act.ELEMENT_VIEW: element_view,
    act.DATASET_REGISTER: _catalog_rules.dataset_register,
    act.DATASET_REVISE: _catalog_rules.dataset_revise,
    act.DEPARTMENT_MANAGE: _catalog_rules.department_manage,
    act.PLATFORM_BACKUP: platform_backup,
    act.SCENARIO_VIEW: scenario_view,
    act.SCENARIO_READ: scenario_read,
    act.REPORT_PREFILL: _report_prefill,
}
