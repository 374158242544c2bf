"""Scenario requests (应用场景): several datasets under one purpose and legal duty.

A scenario names its datasets, the field they are joined on (``join_field``, the same person's
citizen ID in each) and the fields wanted from each. :func:`file_scenario` files every dataset the
requester does not own as an ordinary share request through ``catalog.requests.file_request`` —
the same checks, refusals and audit — in one savepoint: all members or none. A dataset the
requester owns is the scenario's *anchor*: it is read as its owner reads it, and needs no request.

Each owner decides its own member through the ordinary approve / narrow / refuse paths
(``request.approve`` on that member: nothing here lets one owner decide another's). The status is
derived from the members: ``pending`` while any is undecided, ``live`` once all are decided and
something can be read, ``closed`` when every member was refused or withdrawn and there is no
anchor. ``lakehouse.scenario_read`` delivers the joined view of a live scenario.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import actions as act
from catalog import audit
from catalog.datasets import get_dataset
from catalog.errors import CatalogError, InvalidInput, NotFound
from catalog.events import ActRefused
from catalog.guard import ensure, is_audited_refusal
from catalog.models import AccessMode, RequestStatus, utcnow
from catalog.policy import Allowed, authorize
from catalog.policy_scenarios import ScenarioTerms
from catalog.principals import Principal
from catalog.read_plan import grantee_mask
from catalog.requests import file_request
from catalog.resources import DatasetTerms
from catalog.scenario_events import ScenarioFiled
from catalog.scenario_tables import ScenarioRequest
from catalog.workdays import DeadlineRules

__all__ = [
    "MemberAsk",
    "file_scenario",
    "get_scenario",
    "list_scenarios",
    "scenario_status",
    "scenario_terms",
]

MAX_MEMBERS = 12


@dataclass(frozen=True, slots=True)
class MemberAsk:
    """What a scenario asks of one dataset: the fields wanted (the join field among them), and
    optionally a row filter and match fields, as an ordinary request would."""

    dataset: str
    fields: tuple[str, ...]
    row_filter: tuple[Mapping[str, Any], ...] = ()
    match_fields: tuple[str, ...] = field(default=())


def scenario_status(scenario: ScenarioRequest) -> str:
    """``pending``, ``live`` or ``closed``, from the members' decisions."""
    statuses = [m.status for m in scenario.members]
    if any(s is RequestStatus.PENDING for s in statuses):
        return "pending"
    if scenario.anchor_dataset_id is not None or RequestStatus.APPROVED in statuses:
        return "live"
    return "closed"


def scenario_terms(scenario: ScenarioRequest) -> ScenarioTerms:
    return ScenarioTerms(
        scenario_id=scenario.id,
        requester_department_id=scenario.requester_department_id,
        member_owner_department_ids=frozenset(
            m.dataset.owner_department_id for m in scenario.members
        ),
        live=scenario_status(scenario) == "live",
    )


def _checked_asks(title: str, purpose: str, join_field: str, members: Sequence[MemberAsk]) -> None:
    if not title.strip():
        raise InvalidInput("a scenario needs a title", code="scenario.no_title")
    if not purpose.strip():
        raise InvalidInput("a scenario must state its purpose", code="request.no_purpose")
    if not join_field.strip():
        raise InvalidInput("a scenario names the field it joins on", code="scenario.no_join")
    if not 2 <= len(members) <= MAX_MEMBERS:
        raise InvalidInput(
            f"a scenario joins 2 to {MAX_MEMBERS} datasets", code="scenario.invalid_members"
        )
    codes = [m.dataset for m in members]
    if len(set(codes)) != len(codes):
        raise InvalidInput("a dataset is named twice", code="scenario.duplicate_dataset")
    for ask in members:
        if join_field not in ask.fields:
            raise InvalidInput(
                f"every member asks for the join field {join_field!r}; {ask.dataset} does not",
                code="scenario.join_field_missing",
                dataset=ask.dataset,
            )


def file_scenario(
    session: Session,
    principal: Principal,
    *,
    title: str,
    purpose: str,
    legal_basis: str,
    join_field: str,
    members: Sequence[MemberAsk],
    access_modes: Sequence[AccessMode | str] = (AccessMode.QUERY,),
    expires_at: dt.datetime | None = None,
    rules: DeadlineRules | None = None,
    now: dt.datetime | None = None,
) -> ScenarioRequest:
    """File the scenario and one share request per dataset the requester does not own.

    All members or none: a member refused (its ``access.refused`` stays on the record) or
    malformed undoes the scenario and every member filed before it."""
    now = now or utcnow()
    _checked_asks(title, purpose, join_field, members)
    savepoint = session.begin_nested()
    current = ""
    try:
        anchor: tuple[int, list[str]] | None = None
        scenario = ScenarioRequest(
            title=title.strip(),
            purpose=purpose,
            legal_basis=legal_basis,
            requester_department_id=principal.department_id,
            filed_by_account_id=principal.account_id,
            join_field=join_field,
            anchor_fields=[],
            created_at=now,
        )
        session.add(scenario)
        session.flush()
        filed = []
        for ask in members:
            current = ask.dataset
            dataset = get_dataset(session, ask.dataset)
            terms = DatasetTerms.of(dataset)
            if join_field not in terms.field_names:
                raise InvalidInput(
                    f"dataset {dataset.code} has no field {join_field!r} to join on",
                    code="scenario.join_field_missing",
                    dataset=dataset.code,
                )
            if dataset.owner_department_id == principal.department_id:
                if anchor is not None:
                    raise InvalidInput(
                        "a scenario holds at most one of the requester's own datasets",
                        code="scenario.invalid_members",
                    )
                unknown = [f for f in ask.fields if f not in terms.field_names]
                if unknown:
                    raise InvalidInput(
                        f"dataset {dataset.code} has no field(s) {unknown}",
                        code="request.unknown_field",
                    )
                anchor = (dataset.id, list(dict.fromkeys(ask.fields)))
                continue
            match = tuple(ask.match_fields)
            if grantee_mask(terms.field(join_field)).masked and join_field not in match:
                match = (*match, join_field)  # joined on, never shown: a match key of the grant
            request = file_request(
                session,
                principal,
                dataset.code,
                ask.fields,
                purpose,
                scenario=title.strip(),
                legal_basis=legal_basis,
                access_modes=access_modes,
                row_filter=ask.row_filter,
                match_fields=match,
                expires_at=expires_at,
                rules=rules,
                now=now,
            )
            request.scenario_id = scenario.id
            filed.append(request)
        if not filed:
            raise InvalidInput(
                "a scenario needs at least one dataset of another department",
                code="scenario.invalid_members",
            )
        if anchor is not None:
            scenario.anchor_dataset_id, scenario.anchor_fields = anchor
        session.flush()
    except CatalogError as exc:
        savepoint.rollback()
        if is_audited_refusal(exc):  # the member's refusal, undone with the savepoint: again
            _refused_again(session, principal, current, exc, now)
        raise
    audit.record(
        session,
        ScenarioFiled(
            resource=f"scenario:{scenario.id}",
            title=scenario.title,
            purpose=purpose,
            legal_basis=legal_basis,
            join_field=join_field,
            anchor_dataset=scenario.anchor.code if scenario.anchor is not None else "",
            request_ids=tuple(r.id for r in filed),
            datasets=tuple(r.dataset.code for r in filed),
        ),
        actor=principal,
        now=now,
    )
    session.refresh(scenario)
    return scenario


def _refused_again(
    session: Session, principal: Principal, code: str, exc: CatalogError, now: dt.datetime
) -> None:
    try:
        dataset_id: int | None = get_dataset(session, code).id
    except NotFound:
        dataset_id = None
    audit.record(
        session,
        ActRefused(
            dataset_id=dataset_id,
            act=act.REQUEST_FILE.name,
            code=exc.code,
            reason=exc.message,
            resource=f"dataset:{code}"[:120],
        ),
        actor=principal,
        now=now,
    )


def _found(session: Session, scenario_id: int) -> ScenarioRequest:
    scenario = session.get(ScenarioRequest, scenario_id)
    if scenario is None:
        raise NotFound(f"no scenario request {scenario_id}", code="scenario.not_found")
    return scenario


def get_scenario(
    session: Session,
    scenario_id: int,
    principal: Principal,
    *,
    action: act.Action = act.SCENARIO_VIEW,
    now: dt.datetime | None = None,
) -> ScenarioRequest:
    """One scenario, if the principal may ``action`` it (``scenario.view`` by default); a
    refusal is audited and raised (as ``scenario.not_found`` to outsiders)."""
    scenario = _found(session, scenario_id)
    ensure(session, principal, action, scenario_terms(scenario), now=now)
    return scenario


def list_scenarios(
    session: Session, principal: Principal, *, now: dt.datetime | None = None
) -> list[ScenarioRequest]:
    """Every scenario the principal may see (the same decision as :func:`get_scenario`)."""
    now = now or utcnow()
    return [
        s
        for s in session.scalars(select(ScenarioRequest).order_by(ScenarioRequest.id))
        if isinstance(authorize(principal, act.SCENARIO_VIEW, scenario_terms(s), now=now), Allowed)
    ]
