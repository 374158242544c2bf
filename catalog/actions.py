"""Every act the platform decides on, one frozen :class:`Action` each (Datasette's shape).

An action names what is being done and the kind of resource it is done to. ``catalog.policy``
holds the one rule per action; routes, CLI commands, portal pages and DAG tasks name the action
and ask :func:`catalog.policy.authorize`, never a role. :data:`ACTIONS` lists them all, so the
table-driven policy test can prove that every action has a rule and is exercised.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "ACCOUNT_ISSUE",
    "ACCOUNT_REVOKE",
    "ACCOUNT_ROTATE",
    "ACCOUNT_VIEW",
    "ACTIONS",
    "AUDIT_CHECKPOINT",
    "AUDIT_EXPORT",
    "AUDIT_KEY",
    "AUDIT_REPRODUCE",
    "AUDIT_USAGE",
    "AUDIT_VERIFY",
    "AUDIT_VIEW",
    "BATCH_INGEST",
    "CATALOG_EXPORT",
    "DATASET_REGISTER",
    "DATASET_REVISE",
    "DATASET_VIEW",
    "DEPARTMENT_MANAGE",
    "DATA_AGGREGATE",
    "DATA_READ",
    "DATA_VERIFY",
    "DEMAND_DECLINE",
    "DEMAND_FILE",
    "DEMAND_FULFIL",
    "DEMAND_MATCH",
    "DEMAND_REQUEST",
    "DEMAND_VIEW",
    "ELEMENT_MANAGE",
    "ELEMENT_VIEW",
    "OBJECTION_ANSWER",
    "OBJECTION_FILE",
    "GRANT_EXPIRE",
    "GRANT_RENEW",
    "GRANT_REVOKE",
    "GRANT_VIEW",
    "LINEAGE_REBUILD",
    "LINEAGE_VIEW",
    "LISTS_VIEW",
    "NEGATIVE_LIST_MANAGE",
    "NEGATIVE_LIST_VIEW",
    "QUARANTINE_VIEW",
    "REPORT_PREFILL",
    "REPORT_SIGN_OFF",
    "REPORT_VIEW",
    "REQUEST_APPROVE",
    "REQUEST_ESCALATE",
    "REQUEST_FILE",
    "REQUEST_REFUSE",
    "REQUEST_VIEW",
    "REQUEST_WITHDRAW",
    "SCENARIO_READ",
    "SCENARIO_VIEW",
    "SCORECARD_VIEW",
    "RESPONSIBILITY_LINK",
    "RESPONSIBILITY_MANAGE",
    "SUBSCRIPTION_CANCEL",
    "SUBSCRIPTION_CREATE",
    "SUBSCRIPTION_FETCH",
    "SUBSCRIPTION_VIEW",
    "Action",
    "ResourceKind",
]

ResourceKind = Literal[
    "dataset",
    "read",
    "verify",
    "aggregate",
    "request",
    "grant",
    "report",
    "platform",
    "account",
    "subscription",
    "lineage",
    "scorecard",
    "responsibility",
    "demand",
    "scenario",
]


@dataclass(frozen=True, slots=True)
class Action:
    """One kind of act: its stable ``name`` (as audited), what it is done to, and what it means."""

    name: str
    resource: ResourceKind
    description: str


DATASET_VIEW = Action("dataset.view", "dataset", "see a dataset's catalog entry")
DATA_READ = Action(
    "data.read", "read", "read a dataset's rows (owner unmasked; grantee through its grant)"
)
DATA_VERIFY = Action(
    "data.verify",
    "verify",
    "verify (核验) records: match, not found, or which fields differ; never a stored value",
)
DATA_AGGREGATE = Action(
    "data.aggregate", "aggregate", "count and sum rows by granted fields, small groups suppressed"
)
REQUEST_FILE = Action("request.file", "dataset", "file a share request for a dataset")
REQUEST_VIEW = Action("request.view", "request", "see a share request and its decision")
REQUEST_APPROVE = Action("request.approve", "request", "approve (or narrow) a share request")
REQUEST_REFUSE = Action("request.refuse", "request", "refuse a share request, with a reason")
REQUEST_WITHDRAW = Action("request.withdraw", "request", "withdraw one's own pending request")
OBJECTION_FILE = Action(
    "objection.file", "request", "object (异议) to the refusal of one's own department's request"
)
OBJECTION_ANSWER = Action(
    "objection.answer", "request", "answer an objection: uphold (reopen) or dismiss it"
)
GRANT_VIEW = Action("grant.view", "grant", "see a grant's terms and use")
GRANT_RENEW = Action("grant.renew", "grant", "ask for a held grant to be renewed")
GRANT_REVOKE = Action("grant.revoke", "grant", "revoke a grant at once, with a reason")
REQUEST_ESCALATE = Action(
    "request.escalate", "platform", "escalate every reply and objection answer past its deadline"
)
GRANT_EXPIRE = Action(
    "grant.expire", "platform", "record every grant past its expiry and stop its subscriptions"
)
REPORT_VIEW = Action("report.view", "report", "read a batch's quality report (counts, rules)")
QUARANTINE_VIEW = Action(
    "quarantine.view", "report", "see masked samples of a batch's quarantined rows"
)
REPORT_SIGN_OFF = Action("report.sign_off", "report", "sign a quality report off")
AUDIT_VERIFY = Action("audit.verify", "platform", "re-derive and verify the audit chain")
AUDIT_CHECKPOINT = Action("audit.checkpoint", "platform", "sign an audit checkpoint")
AUDIT_VIEW = Action("audit.view", "platform", "read the audit log: who did what, never the rows")
AUDIT_USAGE = Action("audit.usage", "platform", "usage and reconciliation reports of the grants")
AUDIT_EXPORT = Action("audit.export", "platform", "export an offline evidence bundle")
AUDIT_REPRODUCE = Action(
    "audit.reproduce", "platform", "replay a recorded read and compare what was sent"
)
AUDIT_KEY = Action("audit.key", "platform", "create or rotate the audit signing key")
BATCH_INGEST = Action("batch.ingest", "dataset", "land, check and publish a batch of a dataset")
ACCOUNT_ISSUE = Action("account.issue", "account", "issue an account and show its token once")
ACCOUNT_VIEW = Action("account.view", "account", "see an account (never its token or its hash)")
ACCOUNT_REVOKE = Action("account.revoke", "account", "revoke an account at once, with a reason")
ACCOUNT_ROTATE = Action("account.rotate", "account", "replace a token; the old one stops at once")
SUBSCRIPTION_CREATE = Action(
    "subscription.create", "subscription", "subscribe to each new snapshot a grant allows"
)
SUBSCRIPTION_VIEW = Action(
    "subscription.view", "subscription", "see a subscription and its delivery manifests"
)
SUBSCRIPTION_CANCEL = Action("subscription.cancel", "subscription", "cancel a subscription")
LINEAGE_VIEW = Action(
    "lineage.view", "lineage", "follow lineage: which files fed a table, who received it"
)
LINEAGE_REBUILD = Action(
    "lineage.rebuild", "platform", "derive the lineage graph's edges of events stored before it"
)
SCORECARD_VIEW = Action(
    "scorecard.view", "scorecard", "see a department's scorecard (考核), or every department's"
)
SUBSCRIPTION_FETCH = Action(
    "subscription.fetch", "subscription", "download a delivered file (the rows themselves)"
)
LISTS_VIEW = Action(
    "lists.view", "platform", "read the published responsibility and demand lists (三张清单)"
)
RESPONSIBILITY_MANAGE = Action(
    "responsibility.manage", "responsibility", "add a department's responsibility, or retire one"
)
RESPONSIBILITY_LINK = Action(
    "responsibility.link", "responsibility", "link a responsibility to the dataset fulfilling it"
)
DEMAND_FILE = Action("demand.file", "demand", "file a demand for data, with scenario and duty")
DEMAND_VIEW = Action(
    "demand.view", "demand", "see a demand whole: scenario, legal duty, fields wanted"
)
DEMAND_MATCH = Action("demand.match", "demand", "match a demand to a dataset that could answer it")
DEMAND_REQUEST = Action("demand.request", "demand", "record the share request filed for a demand")
DEMAND_FULFIL = Action(
    "demand.fulfil", "demand", "mark a demand fulfilled once its share request is approved"
)
DEMAND_DECLINE = Action("demand.decline", "demand", "decline a demand, with the reason")
CATALOG_EXPORT = Action(
    "catalog.export", "platform", "export the whole catalog's metadata as a spreadsheet"
)
ELEMENT_MANAGE = Action(
    "element.manage",
    "platform",
    "add a data element (数据元) or a code list (代码表) to the catalog",
)
ELEMENT_VIEW = Action("element.view", "platform", "see the data elements and code lists")

DATASET_REGISTER = Action(
    "dataset.register", "dataset", "Register a new dataset contract in the catalog"
)
DATASET_REVISE = Action("dataset.revise", "dataset", "Revise a dataset's contract (a new version)")
DEPARTMENT_MANAGE = Action("department.manage", "platform", "Add a department or change one")
PLATFORM_BACKUP = Action(
    "platform.backup", "platform", "back the whole platform up, verify a backup, restore one"
)
SCENARIO_VIEW = Action(
    "scenario.view", "scenario", "see a scenario request (应用场景) and its members' decisions"
)
SCENARIO_READ = Action(
    "scenario.read", "scenario", "read a live scenario's joined view through its member grants"
)
REPORT_PREFILL = Action(
    "report.prefill",
    "platform",
    "pre-fill a report template (智能报表) from the actor's own grants, source by source",
)
NEGATIVE_LIST_VIEW = Action(
    "negative_list.view", "platform", "see the negative list (负面清单): what may not be shared"
)
NEGATIVE_LIST_MANAGE = Action(
    "negative_list.manage", "dataset", "add a dataset or field to the negative list, or lift it"
)

ACTIONS: tuple[Action, ...] = (
    DATASET_VIEW,
    SCENARIO_VIEW,
    SCENARIO_READ,
    REPORT_PREFILL,
    DATA_READ,
    DATA_VERIFY,
    DATA_AGGREGATE,
    REQUEST_FILE,
    REQUEST_VIEW,
    REQUEST_APPROVE,
    REQUEST_REFUSE,
    REQUEST_WITHDRAW,
    OBJECTION_FILE,
    OBJECTION_ANSWER,
    GRANT_VIEW,
    GRANT_RENEW,
    GRANT_REVOKE,
    REQUEST_ESCALATE,
    GRANT_EXPIRE,
    REPORT_VIEW,
    QUARANTINE_VIEW,
    REPORT_SIGN_OFF,
    AUDIT_VERIFY,
    AUDIT_CHECKPOINT,
    AUDIT_VIEW,
    AUDIT_USAGE,
    AUDIT_EXPORT,
    AUDIT_REPRODUCE,
    AUDIT_KEY,
    BATCH_INGEST,
    ACCOUNT_ISSUE,
    ACCOUNT_VIEW,
    ACCOUNT_REVOKE,
    ACCOUNT_ROTATE,
    SUBSCRIPTION_CREATE,
    SUBSCRIPTION_VIEW,
    SUBSCRIPTION_CANCEL,
    SUBSCRIPTION_FETCH,
    LINEAGE_VIEW,
    LINEAGE_REBUILD,
    NEGATIVE_LIST_VIEW,
    NEGATIVE_LIST_MANAGE,
    SCORECARD_VIEW,
    LISTS_VIEW,
    RESPONSIBILITY_MANAGE,
    RESPONSIBILITY_LINK,
    DEMAND_FILE,
    DEMAND_VIEW,
    DEMAND_MATCH,
    DEMAND_REQUEST,
    DEMAND_FULFIL,
    DEMAND_DECLINE,
    CATALOG_EXPORT,
    ELEMENT_MANAGE,
    ELEMENT_VIEW,
    DATASET_REGISTER,
    DATASET_REVISE,
    DEPARTMENT_MANAGE,
    PLATFORM_BACKUP,
)
