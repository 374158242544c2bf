"""HTTP shapes of scenario requests (应用场景): what a client sends to file one or to query its
joined view, and what it gets back (``exchange_api.routes.scenarios``)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from catalog import scenarios
from catalog.models import AccessMode
from catalog.principals import Principal
from catalog.scenario_tables import ScenarioRequest
from catalog.workdays import DeadlineRules
from exchange_api.payloads import BodyIn, ConditionIn, Expiry, ShareRequestPublic

__all__ = ["MemberIn", "ScenarioCreate", "ScenarioPublic", "ScenarioQueryIn", "file_body"]


class MemberIn(BodyIn):
    dataset: str = Field(min_length=1, max_length=64, description="Dataset code")
    fields: list[str] = Field(min_length=1, max_length=200, description="The join field among them")
    row_filter: list[ConditionIn] = Field(default_factory=list, max_length=20)
    match_fields: list[str] = Field(default_factory=list, max_length=20)


class ScenarioCreate(BodyIn):
    title: str = Field(min_length=1, max_length=200, description="应用场景 name")
    purpose: str = Field(min_length=1, max_length=2000, description="用途")
    legal_basis: str = Field(default="", max_length=2000, description="法定职责 and its basis")
    join_field: str = Field(min_length=1, max_length=64, description="The field members join on")
    members: list[MemberIn] = Field(min_length=2, max_length=12)
    access_modes: list[AccessMode] = Field(default_factory=lambda: [AccessMode.QUERY], min_length=1)
    expires_at: Expiry | None = None


class ScenarioQueryIn(BodyIn):
    filters: dict[str, list[ConditionIn]] = Field(
        default_factory=dict, description="Per member dataset code: conditions on its fields"
    )
    limit: int = Field(default=1000, ge=1, le=10_000)
    offset: int = Field(default=0, ge=0, le=2**63 - 1)


class ScenarioPublic(BaseModel):
    id: int
    title: str
    purpose: str
    legal_basis: str
    requester_department: str
    join_field: str
    anchor_dataset: str | None
    anchor_fields: list[str]
    status: str
    created_at: dt.datetime
    members: list[ShareRequestPublic]


def file_body(
    session: Session, principal: Principal, body: ScenarioCreate, *, rules: DeadlineRules
) -> ScenarioRequest:
    """File ``body`` as ``principal`` (``catalog.scenarios.file_scenario``) under the platform's
    deadline rules — the API's and the terminal's one way in."""
    return scenarios.file_scenario(
        session,
        principal,
        title=body.title,
        purpose=body.purpose,
        legal_basis=body.legal_basis,
        join_field=body.join_field,
        members=[
            scenarios.MemberAsk(
                m.dataset,
                tuple(m.fields),
                tuple(c.model_dump(mode="json") for c in m.row_filter),
                tuple(m.match_fields),
            )
            for m in body.members
        ],
        access_modes=tuple(body.access_modes),
        expires_at=body.expires_at,
        rules=rules,
    )
