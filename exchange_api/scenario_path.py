"""One read of a scenario's joined view, for the API, the CLI and the portal alike.

``read_joined`` opens the lake, calls ``lakehouse.scenario_read.read_scenario`` (decided by
policy, one DuckDB query over the member plans, audited per member and once for the scenario,
traced in lineage) and commits; an audited refusal is committed by the caller's
``keeping_refusals`` (or the API's session dependency) before it propagates. The page is JSON —
``{"scenario", "columns", "left_out", "row_count", "rows"}`` — or NDJSON, one row a line; the
audit record hashes exactly the bytes returned.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Literal

from sqlalchemy.orm import Session

from catalog.conditions import Condition
from catalog.keys import mask_master_key
from catalog.principals import Principal
from catalog.settings import Settings
from lakehouse.connection import connect
from lakehouse.scenario_read import JoinedRead, ScenarioDelivery, read_scenario

__all__ = ["Format", "read_joined", "serializer"]

Format = Literal["json", "ndjson"]


def serializer(scenario_id: int, fmt: Format) -> Callable[[JoinedRead], bytes]:
    """The bytes of a joined page (default=str: Decimal amounts as exact strings)."""

    def serialize(result: JoinedRead) -> bytes:
        rows = result.table.to_pylist()
        if fmt == "ndjson":
            lines = (json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in rows)
            return "".join(lines).encode("utf-8")
        page = {
            "scenario": scenario_id,
            "columns": [{"name": n, "masked": n in result.masked_columns} for n in result.columns],
            "left_out": list(result.left_out),
            "row_count": result.row_count,
            "rows": rows,
        }
        return json.dumps(page, ensure_ascii=False, default=str).encode("utf-8")

    return serialize


def read_joined(
    session: Session,
    settings: Settings,
    principal: Principal,
    scenario_id: int,
    *,
    filters: Mapping[str, Sequence[Condition]] | None = None,
    limit: int = 1000,
    offset: int = 0,
    fmt: Format = "json",
) -> ScenarioDelivery:
    """Read one page of the joined view and commit its audit records and quota use."""
    with connect(settings) as con:
        delivery = read_scenario(
            session,
            con,
            principal,
            scenario_id,
            serializer(scenario_id, fmt),
            mask_master=lambda: mask_master_key(settings),
            filters=filters,
            limit=limit,
            offset=offset,
        )
    session.commit()
    return delivery
