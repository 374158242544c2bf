"""The 民呼我为 part of the scenario world for a test module: every scenario contract registered,
only the two case extracts ingested, and the dispatch centre's grants filed and approved through
the API as its staff and the owners' would."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from catalog.settings import Settings
from catalog.workdays import CHINA
from exchange_api.scenario_world import ScenarioWorld

CENTRE = "330102MHWW"
CASES = {"cgj_hotline_cases": "scen-cgj", "zjj_hotline_cases": "scen-zjj"}
"""Case dataset → the owner's account."""
FIELDS = [
    "case_id", "citizen_name", "mobile", "address", "category", "handling_department",
    "received_at", "deadline", "replied_at", "status",
]  # fmt: skip
PERSONAL = ("citizen_name", "mobile", "address")
AS_OF = dt.datetime(2026, 12, 1, tzinfo=CHINA)
"""The world's date, 00:00 China Standard Time: the truth's open cases are split there."""


@dataclass(frozen=True, slots=True)
class CaseWorld:
    settings: Settings
    built: ScenarioWorld
    client: TestClient
    grants: dict[str, int]

    def headers(self, account: str) -> dict[str, str]:
        return self.built.tokens.headers(account)


def grant(
    client: TestClient,
    built: ScenarioWorld,
    account: str,
    dataset: str,
    *,
    modes: tuple[str, ...] = ("query", "bulk", "aggregate"),
    row_filter: tuple[dict[str, Any], ...] = (),
) -> int:
    """File a request as ``account`` and approve it as the dataset's owner; the grant's id."""
    filed = client.post(
        "/api/v1/requests",
        headers=built.tokens.headers(account),
        json={"dataset": dataset, "fields": FIELDS, "access_modes": list(modes),
              "row_filter": list(row_filter),
              "purpose": "民呼我为：派发案件的督办与按期答复考核"},
    )  # fmt: skip
    assert filed.status_code == 201, filed.text
    approved = client.post(
        f"/api/v1/requests/{filed.json()['id']}/approve",
        headers=built.tokens.headers(CASES[dataset]),
        json={},
    )
    assert approved.status_code == 200, approved.text
    return int(approved.json()["grant"]["id"])


def truth_lines(built: ScenarioWorld) -> dict[str, tuple[int, int, int, int, int]]:
    """The generator's truth: department → (cases, on time, late, open overdue, open in time)."""
    return {
        k: (v.total, v.on_time, v.late, v.open_overdue, v.open_in_time)
        for k, v in built.truth.cases_on_time.items()
    }


def card_lines(departments: list[dict[str, Any]]) -> dict[str, tuple[int, int, int, int, int]]:
    """An answer's departments in the shape of :func:`truth_lines`."""
    return {
        d["department"]: (d["cases"], d["on_time"], d["late"], d["open_overdue"],
                          d["open_in_time"])
        for d in departments
    }  # fmt: skip
