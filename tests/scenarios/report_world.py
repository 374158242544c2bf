"""The scenario world with the 北山街道 street office (``scen-bsjd``) granted what its monthly
report needs, filed and approved through the library as users would: it asks each owner for the
fields the template reads, in ``aggregate`` mode, with the citizen ID as a match key where the
report joins on it; each owner approves as asked."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from catalog.keys import mask_master_key
from catalog.models import AccessMode
from catalog.requests import approve_request, file_request
from catalog.settings import Settings
from exchange_api.scenario_world import ScenarioWorld
from lakehouse.connection import connect
from lakehouse.report_fill import PrefilledReport, prefill
from schemas.report_templates import load_template
from tests.scenarios.scenario_request_world import principal

OFFICE = "scen-bsjd"
PURPOSE = "编制《街道残疾人和困难群众工作月报》，一数一源、一次采集多方复用"
BASIS = "《浙江省公共数据条例》第二十三条（不得重复采集）；《残疾人保障法》第四十八条"
ASKS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    # dataset: (owner account, fields, match keys)
    "cl_disabled_persons": (
        "scen-cl",
        ("citizen_id", "street", "disability_level"),
        ("citizen_id",),
    ),
    "mzj_assistance_status": ("scen-mzj", ("citizen_id", "street", "assistance_type"), ()),
    "czj_disability_subsidies": (
        "scen-czj",
        ("citizen_id", "subsidy_type", "period", "amount"),
        ("citizen_id",),
    ),
    "rsj_employment_insurance": (
        "scen-rsj",
        ("citizen_id", "employment_status", "period"),
        ("citizen_id",),
    ),
}


@dataclass
class ReportWorld:
    settings: Settings
    sessions: sessionmaker[Session]
    world: ScenarioWorld
    grants: dict[str, int]
    """dataset code → the office's grant id"""


def grant_office(
    sessions: sessionmaker[Session], codes: Iterable[str] = tuple(ASKS), office: str = OFFICE
) -> dict[str, int]:
    grants: dict[str, int] = {}
    for code in codes:
        owner, fields, match = ASKS[code]
        with sessions() as session:
            request = file_request(
                session,
                principal(session, office),
                code,
                fields,
                PURPOSE,
                scenario="智能报表",
                legal_basis=BASIS,
                access_modes=(AccessMode.AGGREGATE,),
                match_fields=match,
            )
            request_id = request.id
            session.commit()
        with sessions() as session:
            grant = approve_request(
                session, principal(session, owner), request_id, reason="同意（报表复用）"
            )
            grants[code] = grant.id
            session.commit()
    return grants


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
