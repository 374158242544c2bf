"""The governance DAGs, run with ``dag.test()`` on the demo catalog: the hourly checkpoint is
signed over the audit chain's head, the manifest is rewritten from the catalog, the daily duties
escalate an overdue reply and record an expired grant once across two runs (stopping its
subscription), and a dataset's publish delivers what its subscribers are due."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from catalog.db import init_catalog
from catalog.models import AccessMode, AuditCheckpoint, AuditEvent, utcnow
from catalog.requests import approve_request, file_request
from catalog.settings import Settings
from catalog.subscription_tables import Subscription, SubscriptionFormat, TargetKind
from exchange_api.demo import seed
from lakehouse.dag_manifest import manifest_path
from tests.catalog import factories
from tests.dags.conftest import REPO

pytestmark = pytest.mark.airflow


def test_the_hourly_duties_sign_the_chain_and_refresh_the_manifest(
    airflow_home: Path, settings: Settings
) -> None:
    from airflow.dag_processing.dagbag import DagBag

    sessions = init_catalog(settings.resolved_catalog_url)
    with sessions() as session:
        seed(session)
        session.commit()
        head = session.scalars(select(AuditEvent.id).order_by(AuditEvent.id.desc())).first()

    bag = DagBag(dag_folder=str(REPO / "dags"))
    run = bag.dags["governance_hourly"].test()

    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert set(states.values()) == {"success"}, states
    with sessions() as session:
        checkpoint = session.scalars(select(AuditCheckpoint)).one()
        signed = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "audit.checkpoint_signed")
        ).one()
    # The platform's signing key is made (and audited) on first use, then the head is signed.
    assert head is not None and checkpoint.last_event_id > head
    assert signed.detail["last_event_id"] == checkpoint.last_event_id == signed.id - 1
    listed = json.loads(manifest_path(settings).read_text(encoding="utf-8"))
    assert sorted(e["code"] for e in listed) == [
        "gaj_household_registration",
        "rsj_social_insurance",
        "scjgj_enterprise_registration",
    ]


def test_daily_duties_and_subscription_deliveries_run(
    airflow_home: Path, settings: Settings
) -> None:
    from airflow.dag_processing.dagbag import DagBag

    sessions = init_catalog(settings.resolved_catalog_url)
    with sessions() as session:
        seed(session)
        session.commit()
    sessions.kw["bind"].dispose()
    bag = DagBag(dag_folder=str(REPO / "dags"))
    for dag_id in ("governance_daily", "deliver_subscriptions"):
        run = bag.dags[dag_id].test()
        states = {ti.task_id: ti.state for ti in run.get_task_instances()}
        assert set(states.values()) == {"success"}, (dag_id, states)


def test_the_daily_duties_escalate_and_expire_once_across_two_runs(
    airflow_home: Path, settings: Settings, tmp_path: Path
) -> None:
    from airflow.dag_processing.dagbag import DagBag

    sessions = init_catalog(settings.resolved_catalog_url)
    month_ago = utcnow() - dt.timedelta(days=30)
    with sessions() as session:
        ex = factories.exchange(session, tmp_path)
        ask = ex.requester.principal, ex.dataset.code, ["citizen_id", "amount"], "低保资格核验"
        late = file_request(session, *ask, now=month_ago)  # due a week or so later: overdue
        asked = file_request(
            session,
            *ask,
            access_modes=(AccessMode.QUERY, AccessMode.SUBSCRIBE),
            expires_at=month_ago + dt.timedelta(days=2),
            now=month_ago,
        )
        grant = approve_request(session, ex.publisher.principal, asked.id, now=month_ago)
        subscription = Subscription(
            grant_id=grant.id,
            department_id=ex.requester_dept.id,
            kind=TargetKind.FOLDER,
            target="低保",
            format=SubscriptionFormat.CSV,
            created_by_account_id=ex.requester.account.id,
        )
        session.add(subscription)
        session.commit()
        ids = late.id, grant.id, subscription.id
    bag = DagBag(dag_folder=str(REPO / "dags"))
    for _ in range(2):
        run = bag.dags["governance_daily"].test()
        states = {ti.task_id: ti.state for ti in run.get_task_instances()}
        assert states == dict.fromkeys(
            ("refresh_dag_manifest", "escalate_overdue_replies", "expire_lapsed_grants"), "success"
        )
    with sessions() as session:
        escalated = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "request.escalated")
        ).all()
        expired = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "grant.expired")
        ).all()
        stopped = session.get(Subscription, ids[2])
        assert [e.detail["request_id"] for e in escalated] == [ids[0]]
        assert escalated[0].detail["owner_department"] == ex.owner.code
        assert [e.grant_id for e in expired] == [ids[1]]
        assert stopped is not None and stopped.cancelled_at is not None
    sessions.kw["bind"].dispose()
