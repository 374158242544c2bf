"""The governance DAGs, run with ``dag.test()`` on the demo catalog: the hourly checkpoint is
signed over the audit chain's head, the manifest is rewritten from the catalog, and a dataset's
publish delivers what its subscribers are due."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from catalog.db import init_catalog
from catalog.models import AuditCheckpoint, AuditEvent
from catalog.settings import Settings
from exchange_api.demo import seed
from lakehouse.dag_manifest import manifest_path
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
