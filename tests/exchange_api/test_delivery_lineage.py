"""Every delivery of shared data leaves an OpenLineage event beside its audit event: a query
page, a bulk extract, an aggregate, the owner's own read — each traced from the lake table at
the snapshot read to the reading department's delivery, its masked columns marked, valid against
the specification's schemas, and holding no value of the data; a refused read leaves none."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from catalog.models import AuditEvent, LineageEvent
from lakehouse.lineage_deliveries import DELIVERY_MODES
from tests.exchange_api.verify_platform import (
    BASE,
    RSJ,
    SWJ,
    Platform,
    make_grant,
    platform,
    stored_rows,
)
from tests.lineage_spec import problems

__all__ = ["platform"]

FIELDS = ["citizen_id", "person_name", "period", "amount"]


def _deliveries(platform: Platform) -> tuple[list[AuditEvent], dict[int, dict[str, Any]]]:
    with platform.sessions() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action.in_(DELIVERY_MODES))
        ).all()
        lineage = session.scalars(select(LineageEvent)).all()
        by_event = {}
        for row in lineage:
            for output in row.payload.get("outputs", []):
                if output["namespace"].startswith("zhongtai-delivery://"):
                    by_event[int(output["name"].rsplit("event-", 1)[1])] = row.payload
        return list(events), by_event


def test_each_delivery_is_traced_to_the_department(platform: Platform) -> None:
    grant = make_grant(platform, FIELDS, ["query", "bulk", "aggregate"])
    swj = platform.headers(SWJ)
    client = platform.client
    assert client.post(
        f"{BASE}/query", headers=swj, json={"grant_id": grant, "limit": 5}
    ).is_success
    bulk = client.get(f"{BASE}/bulk", headers=swj, params={"grant_id": grant, "format": "csv"})
    assert bulk.is_success
    aggregate = {
        "grant_id": grant,
        "group_by": ["period"],
        "measures": [{"fn": "sum", "field": "amount"}],
    }
    assert client.post(f"{BASE}/aggregate", headers=swj, json=aggregate).is_success
    assert client.get(f"{BASE}/data", headers=platform.headers(RSJ), params={"limit": 3}).is_success
    refused = client.get(f"{BASE}/data", headers=platform.headers("gaj-exchange"))
    assert refused.status_code == 403

    events, lineage = _deliveries(platform)
    delivered = [e for e in events if e.outcome.value == "ok"]
    assert {e.action for e in delivered} >= {"data.read", "data.bulk_delivered", "data.aggregated"}
    assert set(lineage) == {e.id for e in delivered}  # one a delivery, none for a refusal
    values = {str(v) for row in stored_rows(platform) for v in row.values() if v is not None}
    for event in delivered:
        payload = lineage[event.id]
        assert problems(payload) == []
        [source], [out] = payload["inputs"], payload["outputs"]
        assert source["name"] == "lake.main.rsj_social_insurance"
        assert source["facets"]["version"]["datasetVersion"] == str(event.detail["snapshot_id"])
        department = "330100RSJ" if event.grant_id is None else "330100SWJ"
        assert out["namespace"] == f"zhongtai-delivery://{department}"
        fields = out["facets"]["columnLineage"]["fields"]
        masked = {
            k for k, v in fields.items() if v["inputFields"][0]["transformations"][0]["masking"]
        }
        assert masked == set(
            event.detail.get("masked_columns", event.detail.get("masked_group_by", []))
        )
        text = json.dumps(payload, ensure_ascii=False)
        leaked = [v for v in values if len(v) >= 6 and v in text]
        assert leaked == [], leaked[:3]  # codes and ids only, never a value
    bulk_event = next(e for e in delivered if e.action == "data.bulk_delivered")
    stats = lineage[bulk_event.id]["outputs"][0]["outputFacets"]["outputStatistics"]
    assert stats == {
        "_producer": stats["_producer"],
        "_schemaURL": stats["_schemaURL"],
        "rowCount": bulk_event.rows_sent,
        "size": bulk_event.bytes_sent,
    }
