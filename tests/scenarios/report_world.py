"""The scenario world with the 北山街道 street office (``scen-bsjd``) granted what its monthly
report needs (``exchange_api.demo_report.grant_office``: filed and approved through the library
as users would), and a pre-fill at a chosen minimum group size."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from catalog.keys import mask_master_key
from catalog.settings import Settings
from exchange_api.demo_report import OFFICE
from exchange_api.scenario_world import ScenarioWorld
from lakehouse.connection import connect
from lakehouse.report_fill import PrefilledReport, prefill
from schemas.report_templates import load_template
from tests.scenarios.scenario_request_world import principal


@dataclass
class ReportWorld:
    settings: Settings
    sessions: sessionmaker[Session]
    world: ScenarioWorld
    grants: dict[str, int]
    """dataset code → the office's grant id"""


def run_prefill(
    report_world: ReportWorld, account: str = OFFICE, *, min_group_size: int = 10
) -> PrefilledReport:
    settings = report_world.settings
    month = report_world.world.world.report_month
    with report_world.sessions() as session, connect(settings) as con:
        report = prefill(
            session,
            con,
            principal(session, account),
            load_template("street_monthly"),
            month,
            mask_master=lambda: mask_master_key(settings),
            min_group_size=min_group_size,
        )
        session.commit()
    return report
