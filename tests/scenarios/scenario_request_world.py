"""The scenario world with the 数字助残 scenario filed by 区残联 and decided by each owner:
民政 and 财政 approve as asked, 卫健 narrows (drops ``care_grade``: it shares only who is
severely dependent, through its row filter), 人社 narrows (drops ``insurance_status``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog.models import Account
from catalog.principals import Principal
from catalog.requests import approve_request
from catalog.scenarios import file_scenario
from catalog.settings import Settings
from exchange_api import scenario_eligibility as zc
from exchange_api.scenario_world import ScenarioWorld

OWNERS = {
    "mzj_assistance_status": "scen-mzj",
    "wjw_care_assessment": "scen-wjw",
    "czj_disability_subsidies": "scen-czj",
    "rsj_employment_insurance": "scen-rsj",
}
NARROWED = {
    "wjw_care_assessment": ("citizen_id", "assessed_on"),
    "rsj_employment_insurance": ("citizen_id", "employment_status", "period"),
}
DROPPED = ("wjw_care_assessment.care_grade", "rsj_employment_insurance.insurance_status")


def principal(session: Session, name: str) -> Principal:
    return Principal.of(session.scalars(select(Account).where(Account.name == name)).one())


@dataclass
class Filed:
    settings: Settings
    sessions: sessionmaker[Session]
    world: ScenarioWorld
    scenario_id: int
    members: dict[str, int]
    """dataset code → member request id"""


def file_and_decide(
    sessions: sessionmaker[Session], *, decide: bool = True
) -> tuple[int, dict[str, int]]:
    with sessions() as session:
        scenario = file_scenario(
            session,
            principal(session, "scen-cl"),
            title=zc.TITLE,
            purpose=zc.PURPOSE,
            legal_basis=zc.LEGAL_BASIS,
            join_field=zc.JOIN_FIELD,
            members=zc.ASKS,
        )
        members = {m.dataset.code: m.id for m in scenario.members}
        scenario_id = scenario.id
        session.commit()
    if decide:
        for code, account in OWNERS.items():
            with sessions() as session:
                approve_request(
                    session,
                    principal(session, account),
                    members[code],
                    reason="同意（数字助残）",
                    fields=NARROWED.get(code),
                )
                session.commit()
    return scenario_id, members
