"""The demo's four scenarios on the scenario world (issue 15), each walked as its users would,
through the library and the one access decision:

1. 数字助残 — 区残联 (``scen-cl``) files the scenario of ``exchange_api.scenario_eligibility``;
   民政 and 财政 approve as asked, 卫健 and 人社 narrow; the 残联 reads the joined view (every
   page) and applies its own rule, ``eligible_unpaid``: the people to contact.
2. 智能报表 — the 北山街道 office's monthly report pre-filled (``exchange_api.demo_report``).
3. 数据回流 — the two county accounts (西湖 ``scen-cl``, 上城 ``scen-mhww``) are granted the
   provincial returned dataset (filed, approved by 省民政厅) and read it: the region bound the
   platform adds at filing leaves each exactly its own county's rows.
4. 民呼我为 — the dispatch centre (``scen-mhww``) is granted both case datasets and counts the
   on-time scorecard (``lakehouse.case_scorecard``) as of the world's date.

:func:`scenario_demo` builds the world once, then walks them. Idempotent: a second run finds the
extracts landed, reuses every live grant and the 残联's live scenario (deciding any member still
pending), and reads again.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import init_catalog
from catalog.keys import mask_master_key
from catalog.models import AccessMode, RequestStatus
from catalog.read_plan import MAX_LIMIT
from catalog.requests import approve_request
from catalog.resources import ReadRequest
from catalog.scenarios import file_scenario, list_scenarios, scenario_status
from catalog.settings import Settings
from catalog.workdays import CHINA
from exchange_api import scenario_eligibility as zc
from exchange_api.demo_grants import granted, principal_named
from exchange_api.demo_report import report_demo
from exchange_api.deps import LazyLake
from exchange_api.read_path import read_shared
from exchange_api.scenario_path import read_joined
from exchange_api.scenario_world import build_world
from lakehouse.case_scorecard import DepartmentCases, case_scorecard
from lakehouse.report_fill import PrefilledReport

__all__ = ["ScenarioSummary", "scenario_demo"]

REQUESTER = "scen-cl"
OWNERS = {
    "mzj_assistance_status": "scen-mzj",
    "wjw_care_assessment": "scen-wjw",
    "czj_disability_subsidies": "scen-czj",
    "rsj_employment_insurance": "scen-rsj",
}
"""数字助残: each member dataset → the owner's account that decides it."""
NARROWED = {
    "wjw_care_assessment": ("citizen_id", "assessed_on"),  # no grade: its row filter says enough
    "rsj_employment_insurance": ("citizen_id", "employment_status", "period"),
}
"""数字助残: the owners that narrow, and the fields they grant."""

RETURNED, RETURNED_OWNER = "mzt_assistance_recipients", "scen-mzt"
RETURNED_FIELDS = ("assistance_type", "street", "region")
COUNTIES = {"scen-cl": "330106", "scen-mhww": "330102"}
"""数据回流: the county account → its county (region) code."""

CENTRE = "scen-mhww"
CASES = {"cgj_hotline_cases": "scen-cgj", "zjj_hotline_cases": "scen-zjj"}
"""民呼我为: case dataset → the owner's account."""
CASE_FIELDS = (
    "case_id", "citizen_name", "mobile", "address", "category", "handling_department",
    "received_at", "deadline", "replied_at", "status",
)  # fmt: skip
CASE_MODES = (AccessMode.QUERY, AccessMode.BULK, AccessMode.AGGREGATE)


@dataclass(frozen=True, slots=True)
class ScenarioSummary:
    """What the four scenarios found."""

    eligible: dict[str, tuple[str, ...]]
    """数字助残: citizen ID → the subsidies missed."""
    report: PrefilledReport
    rows_per_county: dict[str, int]
    """数据回流: county code → rows the county's account read."""
    cases: tuple[DepartmentCases, ...]
    """民呼我为: the on-time card, one line per handling department."""

    def lines(self) -> tuple[tuple[str, str], ...]:
        """The summary table's rows: (label, value)."""
        return (
            ("数字助残 by 330106CL (people to contact)", people_found(self.eligible)),
            (
                "智能报表 by 330106BSJD (street_monthly 2026-11)",
                f"{len(self.report.reused)} fields reused, {len(self.report.to_collect)} to "
                f"collect, {len(self.report.repeated)} 重复采集",
            ),
            ("数据回流 (rows returned per county)", per_county(self.rows_per_county)),
            ("民呼我为 (cases on time / total)", on_time(self.cases)),
        )


def people_found(eligible: dict[str, tuple[str, ...]]) -> str:
    """``N people to contact (… 护理补贴, … 生活补贴)``."""
    care = sum(zc.CARE in missed for missed in eligible.values())
    living = sum(zc.LIVING in missed for missed in eligible.values())
    return f"{len(eligible)} people to contact ({care} {zc.CARE}, {living} {zc.LIVING})"


def per_county(counted: dict[str, int]) -> str:
    """``330106=N, 330102=M``."""
    return ", ".join(f"{county}={rows}" for county, rows in counted.items())


def on_time(cases: Sequence[DepartmentCases]) -> str:
    """``330102CGJ on-time/total, …``."""
    return ", ".join(f"{d.department} {d.on_time}/{d.cases}" for d in cases)


def _live_scenario(sessions: sessionmaker[Session]) -> int:
    """The 残联's 数字助残 scenario: an earlier one not closed, else filed now; every member
    still pending decided by its owner (卫健 and 人社 narrowing)."""
    with sessions() as session:
        asker = principal_named(session, REQUESTER)
        earlier = [
            s
            for s in list_scenarios(session, asker)
            if s.title == zc.TITLE
            and s.requester_department_id == asker.department_id
            and scenario_status(s) != "closed"
        ]
        scenario = earlier[-1] if earlier else None
        if scenario is None:
            scenario = file_scenario(
                session,
                asker,
                title=zc.TITLE,
                purpose=zc.PURPOSE,
                legal_basis=zc.LEGAL_BASIS,
                join_field=zc.JOIN_FIELD,
                members=zc.ASKS,
            )
        pending = {
            m.dataset.code: m.id for m in scenario.members if m.status is RequestStatus.PENDING
        }
        scenario_id = scenario.id
        session.commit()
    for code, request_id in pending.items():
        with sessions() as session:
            approve_request(
                session,
                principal_named(session, OWNERS[code]),
                request_id,
                reason="同意（数字助残）",
                fields=NARROWED.get(code),
            )
            session.commit()
    return scenario_id


def _joined_rows(
    sessions: sessionmaker[Session], settings: Settings, scenario_id: int
) -> list[dict[str, Any]]:
    """Every page of the joined view, as the requester reads it (each page audited)."""
    rows: list[dict[str, Any]] = []
    while True:
        with sessions() as session:
            delivery = read_joined(
                session,
                settings,
                principal_named(session, REQUESTER),
                scenario_id,
                limit=MAX_LIMIT,
                offset=len(rows),
            )
        page: list[dict[str, Any]] = json.loads(delivery.body)["rows"]
        rows.extend(page)
        if len(page) < MAX_LIMIT:
            return rows


def eligibility(sessions: sessionmaker[Session], settings: Settings) -> dict[str, tuple[str, ...]]:
    """数字助残: the people the 残联 finds eligible for a subsidy and never paid it."""
    scenario_id = _live_scenario(sessions)
    return zc.eligible_unpaid(_joined_rows(sessions, settings, scenario_id))


def returned_rows(sessions: sessionmaker[Session], settings: Settings) -> dict[str, int]:
    """数据回流: each county account granted the provincial dataset, and the rows it reads."""
    counted: dict[str, int] = {}
    lake = LazyLake.of_settings(settings)
    try:
        for account, county in COUNTIES.items():
            grant_id = granted(
                sessions,
                account,
                RETURNED_OWNER,
                RETURNED,
                RETURNED_FIELDS,
                "数据回流：本辖区困难群众救助对象核查",
            )
            regions: list[str] = []
            while True:
                with sessions() as session:
                    read = read_shared(
                        session,
                        lake,
                        principal_named(session, account),
                        settings,
                        RETURNED,
                        ReadRequest(limit=MAX_LIMIT, offset=len(regions)),
                        grant_id=grant_id,
                    )
                page = [str(r) for r in read.result.table.column("region").to_pylist()]
                regions.extend(page)
                if len(page) < MAX_LIMIT:
                    break
            if set(regions) - {county}:
                raise RuntimeError(f"{account} read rows outside {county}: {set(regions)}")
            counted[county] = len(regions)
    finally:
        lake.close()
    return counted


def on_time_card(
    sessions: sessionmaker[Session], settings: Settings, as_of: dt.datetime
) -> tuple[DepartmentCases, ...]:
    """民呼我为: the dispatch centre granted both case datasets; its on-time card at ``as_of``."""
    grants = {
        code: granted(
            sessions,
            CENTRE,
            owner,
            code,
            CASE_FIELDS,
            "民呼我为：派发案件的督办与按期答复考核",
            modes=CASE_MODES,
        )
        for code, owner in CASES.items()
    }
    lake = LazyLake.of_settings(settings)
    try:
        with sessions() as session:
            card = case_scorecard(
                session,
                lake,
                principal_named(session, CENTRE),
                tuple(CASES),
                as_of=as_of,
                min_group_size=settings.min_group_size,
                grant_ids=grants,
                mask_master=lambda: mask_master_key(settings),
            )
            session.commit()
    finally:
        lake.close()
    return card.departments


def scenario_demo(settings: Settings, console: Console) -> ScenarioSummary:
    """Build the scenario world once, walk the four scenarios, print a line for each."""
    built = build_world(settings)
    sessions = init_catalog(settings.resolved_catalog_url)
    try:
        found = eligibility(sessions, settings)
        console.print(f"数字助残: {people_found(found)}")
        report = report_demo(settings, console)
        counties = returned_rows(sessions, settings)
        console.print(f"数据回流: rows returned per county {per_county(counties)}")
        as_of = dt.datetime.combine(built.world.as_of, dt.time(), tzinfo=CHINA)
        cases = on_time_card(sessions, settings, as_of)
        console.print(f"民呼我为: cases on time as of {as_of:%Y-%m-%d} {on_time(cases)}")
    finally:
        sessions.kw["bind"].dispose()
    return ScenarioSummary(found, report, counties, cases)
