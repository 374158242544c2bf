"""The lineage graph on SQLite and PostgreSQL: each stored event's edges (file → batch → lake
table → delivery, and column to column), traversal both ways to a depth, the departments that
received a file's rows in a window, the backfill of older events, and who may ask."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from openlineage.client.event_v2 import RunEvent, RunState
from sqlalchemy import Engine, delete, event, func, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import downgrade, upgrade
from catalog.errors import AccessRefused, InvalidInput, NotFound
from catalog.lineage import lineage_client, record_lineage
from catalog.lineage_access import allow_lineage
from catalog.lineage_edges import backfill, dataset_node
from catalog.lineage_query import parse_node, recipients, traverse
from catalog.models import (
    AuditEvent,
    Batch,
    BatchStatus,
    Dataset,
    Department,
    LineageEdge,
    LineageEvent,
    Role,
)
from catalog.principals import Principal
from catalog.settings import Settings
from catalog.tokens import issue_account
from exchange_api.demo import seed
from lakehouse.lineage_runs import Delivery, IngestRun, delivery_event, ingest_event
from schemas.loader import load_contract
from tests.lineage_spec import NonConformingEvent, refuse_nonconforming

CODE = "rsj_social_insurance"
SHA = "c0" * 32
AT = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)
TABLE = dataset_node(CODE)


def _batch(session: Session, snapshot: int) -> Batch:
    dataset = session.scalars(select(Dataset).where(Dataset.code == CODE)).one()
    batch = Batch(
        dataset_id=dataset.id,
        source_name="社保缴费2026年11月.csv",
        source_sha256=SHA,
        raw_path=f"/raw/{SHA}.csv",
        size_bytes=2048,
        status=BatchStatus.PUBLISHED,
        snapshot_id=snapshot,
    )
    session.add(batch)
    session.flush()
    return batch


def _delivery(event_id: int, department: str, snapshot: int, at: dt.datetime) -> RunEvent:
    return delivery_event(
        Delivery(
            event_id,
            "query",
            CODE,
            CODE,
            department,
            4,
            snapshot,
            ("amount", "period"),
            (),
            10,
            None,
        ),
        now=at,
    )


@pytest.fixture
def graph(catalog_session: Session) -> Session:
    session = catalog_session
    seed(session)
    batch = _batch(session, snapshot=3)
    run = IngestRun(batch.id, batch.raw_path, SHA, batch.source_name, 2048)
    contract = load_contract(CODE)
    record_lineage(session, ingest_event(RunState.START, contract, run, now=AT))
    done = dataclasses.replace(run, snapshot_id=3, rows_published=10, rule_counts={})
    record_lineage(session, ingest_event(RunState.COMPLETE, contract, done, now=AT))
    record_lineage(session, _delivery(77, "330100SWJ", 3, AT + dt.timedelta(hours=1)))
    record_lineage(session, _delivery(78, "330100GAJ", 2, AT + dt.timedelta(hours=2)))  # older
    session.commit()
    session.info["batch"] = batch.id
    return session


def test_a_complete_ingestion_and_a_delivery_become_edges(graph: Session) -> None:
    batch = graph.info["batch"]
    tables = {
        (e.source, e.target)
        for e in graph.scalars(select(LineageEdge).where(LineageEdge.source_field == "")).all()
    }
    assert tables == {
        (f"file:{SHA}", f"batch:{batch}"),
        (f"batch:{batch}", TABLE),
        (TABLE, "delivery:330100SWJ/77"),
        (TABLE, "delivery:330100GAJ/78"),
    }  # the START event moved nothing
    columns = {
        (e.source_field, e.target_field)
        for e in graph.scalars(select(LineageEdge).where(LineageEdge.target == TABLE)).all()
    }
    assert ("缴费金额", "amount") in columns


def test_traversal_both_ways_to_a_depth(graph: Session) -> None:
    batch = graph.info["batch"]
    up = traverse(graph, "delivery:330100SWJ/77", direction="up")
    assert set(up.nodes) == {"delivery:330100SWJ/77", TABLE, f"batch:{batch}", f"file:{SHA}"}
    assert [e.depth for e in up.edges] == [1, 2, 3]
    assert set(traverse(graph, TABLE, direction="up", depth=1).nodes) == {TABLE, f"batch:{batch}"}
    down = traverse(graph, f"file:{SHA}", direction="down")
    assert {"delivery:330100SWJ/77", "delivery:330100GAJ/78"} <= set(down.nodes)
    column = traverse(graph, "delivery:330100SWJ/77", direction="up", field="amount")
    assert {(e.source, e.source_field) for e in column.edges} == {
        (TABLE, "amount"),
        (f"file:{SHA}", "缴费金额"),
    }
    with pytest.raises(InvalidInput) as bad:
        traverse(graph, TABLE, direction="up", depth=0)
    assert bad.value.code == "lineage.bad_depth"
    with pytest.raises(NotFound):
        traverse(graph, dataset_node("nothing_here"), direction="up")
    assert parse_node(CODE) == TABLE
    with pytest.raises(InvalidInput):
        parse_node("file:not-a-sha'; DROP TABLE x")


def test_recipients_of_a_file_in_a_window(graph: Session) -> None:
    day = AT.date()
    got = recipients(graph, SHA, day, day)
    assert [(r.department, r.delivery) for r in got] == [("330100SWJ", "delivery:330100SWJ/77")]
    assert recipients(graph, SHA, day - dt.timedelta(days=3), day - dt.timedelta(days=1)) == []
    with pytest.raises(InvalidInput):
        recipients(graph, SHA, day, day - dt.timedelta(days=1))


def test_backfill_derives_the_edges_of_older_events(graph: Session) -> None:
    count = graph.scalar(select(func.count()).select_from(LineageEdge))
    graph.execute(delete(LineageEdge))
    assert backfill(graph.connection()) == count
    assert backfill(graph.connection()) == 0  # once only


def _principal(session: Session, department: str, name: str, *roles: Role) -> Principal:
    dept = session.scalars(select(Department).where(Department.code == department)).one()
    account, _ = issue_account(session, dept, name, roles)
    return Principal.of(account)


def test_who_may_ask(graph: Session) -> None:
    auditor = _principal(graph, "330100DSJ", "lineage-auditor", Role.AUDITOR)
    assert allow_lineage(graph, auditor, TABLE) is None  # the whole graph
    steward = _principal(graph, "330100RSJ", "rsj-steward", Role.STEWARD)
    within = allow_lineage(graph, steward, TABLE)
    assert within is not None and within(f"file:{SHA}")
    hostile = _principal(graph, "330100GAJ", "gaj-steward", Role.STEWARD)
    before = graph.scalar(select(func.count()).select_from(AuditEvent))
    for node in (TABLE, f"file:{SHA}", f"batch:{graph.info['batch']}", "*"):
        with pytest.raises(AccessRefused) as refused:
            allow_lineage(graph, hostile, node)
        assert refused.value.code == "lineage.not_allowed"
    refusals = graph.scalars(select(AuditEvent).where(AuditEvent.id > (before or 0))).all()
    assert [e.action for e in refusals] == ["access.refused"] * 4
    requester = _principal(graph, "330100SWJ", "swj-reader", Role.REQUESTER)
    with pytest.raises(AccessRefused):
        allow_lineage(graph, requester, TABLE)


def test_every_stored_event_is_validated_and_a_bad_one_is_caught(catalog_session: Session) -> None:
    assert event.contains(LineageEvent, "before_insert", refuse_nonconforming)
    bad = _delivery(5, "330100SWJ", 1, AT)
    facets = bad.outputs[0].facets
    assert facets is not None
    facets["sideways"] = facets["columnLineage"]  # a facet the specification does not define
    with pytest.raises(NonConformingEvent, match="sideways: not a facet"):
        record_lineage(catalog_session, bad)


def test_migration_0009_derives_the_edges_of_events_stored_before_it(graph: Session) -> None:
    """Events stored on a catalog at 0008 (no edges table) have their edges after the upgrade."""
    engine = graph.get_bind()
    assert isinstance(engine, Engine)
    expected = graph.scalar(select(func.count()).select_from(LineageEdge))
    graph.commit()
    graph.close()
    downgrade(engine, "0008")
    assert "lineage_edges" not in inspect(engine).get_table_names()
    upgrade(engine)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(LineageEdge)) == expected
        up = traverse(session, "delivery:330100SWJ/77", direction="up")
        assert f"file:{SHA}" in up.nodes


def test_the_client_transport_writes_the_edges_too(
    catalog_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    settings = Settings(var_dir=tmp_path, environment="test", _env_file=None)  # type: ignore[call-arg]
    lineage_client(settings, catalog_factory).emit(_delivery(91, "330100SWJ", 4, AT))
    with catalog_factory() as session:
        edges = session.scalars(select(LineageEdge)).all()
        assert {(e.source, e.target, e.target_field) for e in edges} == {
            (TABLE, "delivery:330100SWJ/91", ""),
            (TABLE, "delivery:330100SWJ/91", "amount"),
            (TABLE, "delivery:330100SWJ/91", "period"),
        }
        assert {e.department for e in edges} == {"330100SWJ"}
