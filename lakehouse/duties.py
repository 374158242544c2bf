"""The platform's recurring duties, one function each, as the governance DAGs call them
(``dags/governance.py``): each opens what it needs, does its duty once, commits, and answers a
small JSON-able summary. They are the platform's own acts (``SYSTEM``), decided like any other.

Escalating overdue replies (``catalog.escalation``) and recording grant expiry
(``catalog.grant_expiry``) are here; responsibility-list fulfilment and scorecards get theirs
when the catalog work that provides them lands. Quota reset has none: quotas are lifetime totals
(``Grant.quota_rows``, ``rows_used``) with no period to reset.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from catalog import actions as act
from catalog.audit import sign_checkpoint
from catalog.audit_keys import signing_key, store_of
from catalog.escalation import escalate_overdue
from catalog.grant_expiry import expire_grants
from catalog.guard import ensure
from catalog.principals import SYSTEM
from catalog.resources import PLATFORM
from catalog.settings import Settings
from catalog.workdays import DeadlineRules
from lakehouse.connection import connect
from lakehouse.dag_manifest import write_manifest
from lakehouse.pipeline import sessions
from lakehouse.subscriptions import deliver_pending

__all__ = [
    "deliver_subscriptions",
    "escalate_overdue_replies",
    "expire_lapsed_grants",
    "refresh_dag_manifest",
    "sign_audit_checkpoint",
]


def sign_audit_checkpoint(settings: Settings) -> dict[str, Any]:
    """Sign the audit chain's head with the platform's key (``zhongtai audit checkpoint``)."""
    with sessions(settings)() as session:
        ensure(session, SYSTEM, act.AUDIT_CHECKPOINT, PLATFORM)
        checkpoint = sign_checkpoint(session, signing_key(session, store_of(settings), settings))
        session.commit()
        if checkpoint is None:
            return {"signed": False, "last_event_id": 0, "last_hash": ""}
        return {
            "signed": True,
            "last_event_id": checkpoint.last_event_id,
            "last_hash": checkpoint.last_hash,
        }


def deliver_subscriptions(settings: Settings) -> dict[str, Any]:
    """Deliver every due snapshot of every live subscription once; outcomes counted by status."""
    with sessions(settings)() as session, connect(settings) as con:
        outcomes = deliver_pending(session, con, settings)
    return {"deliveries": len(outcomes), **Counter(o.status for o in outcomes)}


def refresh_dag_manifest(settings: Settings) -> dict[str, Any]:
    """Rewrite the ingestion DAGs' manifest from the catalog (``lakehouse.dag_manifest``)."""
    with sessions(settings)() as session:
        path = write_manifest(settings, session)
    return {"manifest": str(path)}


def escalate_overdue_replies(settings: Settings) -> dict[str, Any]:
    """Escalate each reply and objection answer past its deadline, once per deadline
    (``zhongtai requests escalate``)."""
    with sessions(settings)() as session:
        done = escalate_overdue(session, rules=DeadlineRules.of(settings))
        session.commit()
    return {
        "escalated": len(done),
        "requests": sorted({e.request_id for e in done}),
        "owners": dict(Counter(e.owner_department for e in done)),
    }


def expire_lapsed_grants(settings: Settings) -> dict[str, Any]:
    """Record each grant past its expiry once and stop its subscriptions
    (``zhongtai grants expire``)."""
    with sessions(settings)() as session:
        done = expire_grants(session)
        session.commit()
    return {
        "expired": len(done),
        "grants": [e.grant_id for e in done],
        "subscriptions_stopped": sum(len(e.subscriptions_stopped) for e in done),
    }
