"""OpenLineage events of an ingestion run and of a delivery: built from what the catalog records,
valid against the specification's own schemas (core and every facet), kept in the catalog's
lineage store in the act's transaction or through the client's transport, and sent on to an
OpenLineage HTTP endpoint when one is set — whose failure never loses the catalog's copy."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from openlineage.client.event_v2 import RunState
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import init_catalog
from catalog.lineage import event_payload, lineage_client, record_lineage
from catalog.models import LineageEvent
from catalog.settings import Settings
from lakehouse.lineage_runs import (
    Delivery,
    IngestRun,
    delivery_event,
    file_namespace,
    ingest_event,
    ingest_run_id,
)
from schemas.loader import load_contract
from tests.lineage_spec import problems

NOW = dt.datetime(2026, 11, 30, 9, 30, tzinfo=dt.UTC)
CODE = "rsj_social_insurance"
SHA = "ab" * 32
RUN = IngestRun(
    batch_id=7,
    raw_path="/srv/zhongtai/raw/ab/" + SHA + ".csv",
    source_sha256=SHA,
    source_name="社保缴费2026年10月.csv",
    size_bytes=123_456,
)


def _events() -> list[Any]:
    contract = load_contract(CODE)
    done = dataclasses.replace(
        RUN,
        snapshot_id=12,
        rows_published=1_841,
        rows_quarantined=9,
        rule_counts={"citizen_id.check_digit": 3},
    )
    return [
        ingest_event(RunState.START, contract, RUN, now=NOW),
        ingest_event(RunState.COMPLETE, contract, done, now=NOW),
        ingest_event(RunState.FAIL, contract, RUN, now=NOW, error="lake data path not writable"),
        delivery_event(
            Delivery(
                audit_event_id=301,
                mode="bulk",
                dataset_code=CODE,
                table_name=contract.table_name,
                department_code="330100SWJ",
                grant_id=4,
                snapshot_id=12,
                columns=("citizen_id", "person_name", "amount"),
                masked_columns=("citizen_id", "person_name"),
                rows=1_841,
                size=98_304,
            ),
            now=NOW,
        ),
    ]


def test_every_event_validates_against_the_specification() -> None:
    for event in _events():
        payload = event_payload(event)
        assert problems(payload) == [], payload["eventType"]


def test_the_validator_can_fail() -> None:
    payload = event_payload(_events()[1])
    payload["eventType"] = "FINISHED"
    del payload["run"]["runId"]
    payload["outputs"][0]["facets"]["schema"]["fields"] = "not a list"
    payload["outputs"][0]["facets"]["zhongtaiSecret"] = {"_producer": "x", "_schemaURL": "y"}
    found = "\n".join(problems(payload))
    assert "FINISHED" in found and "runId" in found
    assert "schema" in found and "zhongtaiSecret" in found


def test_an_ingestion_run_traces_the_lake_table_to_the_landed_file() -> None:
    start, complete, fail, _ = (event_payload(e) for e in _events())
    assert start["run"]["runId"] == complete["run"]["runId"] == ingest_run_id(CODE, 7)
    [landed] = complete["inputs"]
    assert landed["namespace"] == file_namespace() and landed["name"].endswith(f"{SHA}.csv")
    assert landed["facets"]["version"]["datasetVersion"] == SHA
    assert "社保缴费2026年10月.csv" in landed["facets"]["documentation"]["description"]
    [table] = complete["outputs"]
    assert table["facets"]["version"]["datasetVersion"] == "12"
    assert table["outputFacets"]["outputStatistics"]["rowCount"] == 1_841
    lineage = table["facets"]["columnLineage"]["fields"]
    contract = load_contract(CODE)
    for field in contract.fields:
        [source] = lineage[field.name]["inputFields"]
        assert (source["name"], source["field"]) == (landed["name"], field.source_column)
    checks = table["facets"]["dataQualityAssertions"]["assertions"]
    assertions = {a["assertion"]: a["success"] for a in checks}
    assert assertions["citizen_id.check_digit"] is False
    assert all(ok for code, ok in assertions.items() if code != "citizen_id.check_digit")
    owners = [o["name"] for o in table["facets"]["ownership"]["owners"]]
    assert f"department:{contract.owner_department}" in owners
    assert fail["run"]["facets"]["errorMessage"]["message"] == "lake data path not writable"
    assert "dataQualityAssertions" not in start["outputs"][0]["facets"]


def test_a_delivery_names_the_department_and_the_masked_columns() -> None:
    delivered = event_payload(_events()[3])
    [out] = delivered["outputs"]
    assert out["namespace"] == "zhongtai-delivery://330100SWJ"
    assert out["name"] == f"{CODE}/grant-4/event-301"
    fields = out["facets"]["columnLineage"]["fields"]
    masking = {k: v["inputFields"][0]["transformations"][0]["masking"] for k, v in fields.items()}
    assert masking == {"citizen_id": True, "person_name": True, "amount": False}
    assert delivered["inputs"][0]["facets"]["version"]["datasetVersion"] == "12"


@pytest.fixture
def sessions(settings: Settings) -> Iterator[sessionmaker[Session]]:
    """The test's catalog, its engine disposed afterwards (on PostgreSQL, under
    ``ZHONGTAI_TEST_STORES=production``, an undisposed pool is a ResourceWarning, an error here)."""
    factory = init_catalog(settings.resolved_catalog_url)
    yield factory
    factory.kw["bind"].dispose()


def test_stored_in_the_acts_transaction_or_not_at_all(sessions: sessionmaker[Session]) -> None:
    events = _events()
    with sessions() as session:
        record_lineage(session, events[0])
        session.rollback()  # the act failed: its lineage goes with it
        assert session.scalars(select(LineageEvent)).all() == []
        for event in events:
            record_lineage(session, event)
        session.commit()
    with sessions() as session:
        rows = session.scalars(select(LineageEvent).order_by(LineageEvent.id)).all()
    assert [r.event_type for r in rows] == ["START", "COMPLETE", "FAIL", "COMPLETE"]
    assert rows[0].job_name == f"zhongtai/ingest.{CODE}"
    for row, event in zip(rows, events, strict=True):
        assert row.payload == event_payload(event)
        assert problems(row.payload) == []


class _Endpoint(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802 - the handler's API
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append({"path": self.path, "event": json.loads(body)})
        self.send_response(201)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def endpoint() -> Iterator[str]:
    _Endpoint.received = []
    server = HTTPServer(("127.0.0.1", 0), _Endpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_client_stores_and_forwards_to_an_endpoint(
    settings: Settings, sessions: sessionmaker[Session], endpoint: str
) -> None:
    client = lineage_client(settings.model_copy(update={"lineage_url": endpoint}), sessions)
    event = _events()[1]
    client.emit(event)
    with sessions() as session:
        [row] = session.scalars(select(LineageEvent)).all()
    assert row.payload == event_payload(event)
    [sent] = _Endpoint.received
    assert sent["path"] == "/api/v1/lineage"
    assert sent["event"]["run"]["runId"] == ingest_run_id(CODE, 7)


def test_an_endpoint_that_does_not_answer_loses_nothing(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    dead = settings.model_copy(update={"lineage_url": "http://127.0.0.1:9"})
    lineage_client(dead, sessions).emit(_events()[0])
    with sessions() as session:
        assert [r.event_type for r in session.scalars(select(LineageEvent))] == ["START"]
