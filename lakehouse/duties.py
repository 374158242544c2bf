"""The platform's recurring duties, one function each, as the governance DAGs call them
(``dags/governance.py``): each opens what it needs, does its duty once, commits, and answers a
small JSON-able summary. They are the platform's own acts (``SYSTEM``), decided like any other.

Duties that have no library function yet (the issue's list: responsibility-list fulfilment and
scorecards, escalating overdue request replies, grant expiry and quota reset) get theirs here
when the catalog work that provides them lands.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from catalog import actions as act
from catalog.audit import sign_checkpoint
from catalog.audit_keys import signing_key, store_of
from catalog.guard import ensure
from catalog.principals import SYSTEM
from catalog.resources import PLATFORM
from catalog.settings import Settings
from lakehouse.connection import connect
from lakehouse.dag_manifest import write_manifest
from lakehouse.pipeline import sessions
from lakehouse.subscriptions import deliver_pending

__all__ = ["deliver_subscriptions", "refresh_dag_manifest", "sign_audit_checkpoint"]


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
