"""A revision that removes or retypes a field, or tightens the share type, is applied to the
live grants at once (``catalog.contract_effects``), and the grantee's next read sees it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import actions as act
from catalog.contracts import list_versions, register_dataset, revise_dataset
from catalog.models import AuditEvent, Grant, Role, utcnow
from catalog.policy import Allowed, Refusal, authorize
from catalog.principals import SYSTEM
from catalog.requests import approve_request, file_request
from catalog.resources import DatasetTerms, GrantTerms, ReadRequest, ReadResource
from tests.catalog import factories
from tests.catalog.contract_factories import contract_text


class World:
    def __init__(self, session: Session, share_type: str = "conditional") -> None:
        self.session = session
        self.owner = factories.department(session)
        self.publisher = factories.actor(session, self.owner, Role.PUBLISHER)
        grantee = factories.department(session, region="330102")
        self.requester = factories.actor(session, grantee, Role.REQUESTER)
        self.share_type = share_type
        text = contract_text(self.owner, share_type=share_type)
        self.dataset = register_dataset(session, text, self.publisher.principal)

    def grant(self, fields: list[str], row_filter: list[dict[str, Any]] | None = None) -> Grant:
        request = file_request(
            self.session,
            self.requester.principal,
            self.dataset.code,
            fields,
            "社会救助资格核查",
            row_filter=row_filter or (),
        )
        if self.share_type == "unconditional":
            grant = self.session.scalars(select(Grant).where(Grant.request_id == request.id)).one()
            return grant
        return approve_request(self.session, self.publisher.principal, request.id)

    def read(self, grant: Grant, fields: tuple[str, ...] | None = None) -> Allowed | Refusal:
        self.session.refresh(grant)
        self.session.refresh(self.dataset)
        terms = DatasetTerms.of(self.dataset)
        resource = ReadResource(terms, GrantTerms.of(grant, dataset=terms), ReadRequest(fields))
        return authorize(self.requester.principal, act.DATA_READ, resource, now=utcnow())

    def revise(self, dry_run: bool = False, **changes: Any) -> Any:
        text = contract_text(self.owner, **changes)
        return revise_dataset(self.session, text, self.publisher.principal, dry_run=dry_run)


def _columns(decision: Allowed | Refusal) -> list[str]:
    assert isinstance(decision, Allowed) and decision.plan is not None, decision
    return [c.name for c in decision.plan.columns]


def test_removed_field_narrows_or_revokes_grants_at_once(catalog_session: Session) -> None:
    w = World(catalog_session)
    narrowed = w.grant(["period", "amount", "employer_name"])
    filtered = w.grant(["period"], [{"field": "employer_name", "op": "eq", "value": "某某公司"}])
    only = w.grant(["employer_name"])
    untouched = w.grant(["period"])
    catalog_session.commit()
    assert "employer_name" in _columns(w.read(narrowed))

    dry = w.revise(dry_run=True, drop_fields=("employer_name",))
    assert not dry.applied
    assert [(e.grant_id, e.effect) for e in dry.effects] == [
        (narrowed.id, "narrowed"),
        (filtered.id, "revoked"),
        (only.id, "revoked"),
    ]
    catalog_session.commit()
    assert "employer_name" in _columns(w.read(narrowed))  # a dry run changes nothing
    assert len(list_versions(catalog_session, w.dataset.code)) == 1

    revision = w.revise(drop_fields=("employer_name",))
    catalog_session.commit()
    assert [e.grant_id for e in revision.effects] == [narrowed.id, filtered.id, only.id]
    assert _columns(w.read(narrowed)) == ["period", "amount"]
    assert narrowed.fields == ["period", "amount"]
    for revoked in (filtered, only):
        refusal = w.read(revoked)
        assert isinstance(refusal, Refusal) and refusal.code == "grant.revoked", refusal
        assert "v2" in revoked.revoke_reason
    assert _columns(w.read(untouched)) == ["period"]
    adjusted = catalog_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "grant.adjusted_by_revision")
    ).all()
    assert sorted(e.grant_id for e in adjusted) == sorted([narrowed.id, filtered.id, only.id])
    latest = list_versions(catalog_session, w.dataset.code)[-1]
    assert latest.changes["removed"] == ["employer_name"]
    assert len(latest.changes["grants"]) == 3


def test_retyped_filter_field_revokes(catalog_session: Session) -> None:
    w = World(catalog_session)
    filtered = w.grant(["period", "amount"], [{"field": "amount", "op": "gt", "value": 100}])
    reads_only = w.grant(["period", "amount"])
    catalog_session.commit()
    revision = w.revise(retype={"amount": "DOUBLE"})
    catalog_session.commit()
    assert [(e.grant_id, e.effect) for e in revision.effects] == [(filtered.id, "revoked")]
    refusal = w.read(filtered)
    assert isinstance(refusal, Refusal) and refusal.code == "grant.revoked"
    assert _columns(w.read(reads_only)) == ["period", "amount"]


def test_tightening_the_share_type(catalog_session: Session) -> None:
    w = World(catalog_session, "unconditional")
    automatic = w.grant(["period"])
    catalog_session.commit()
    assert _columns(w.read(automatic)) == ["period"]
    revision = w.revise(share_type="conditional")
    catalog_session.commit()
    assert [(e.grant_id, e.effect) for e in revision.effects] == [(automatic.id, "revoked")]
    assert isinstance(w.read(automatic), Refusal)

    w.share_type = "conditional"
    approved = w.grant(["period"])
    catalog_session.commit()
    assert _columns(w.read(approved)) == ["period"]
    closed = w.revise(share_type="not_shared", share_method=None, share_conditions=None)
    catalog_session.commit()
    assert [(e.grant_id, e.effect) for e in closed.effects] == [(approved.id, "revoked")]
    refusal = w.read(approved)
    assert isinstance(refusal, Refusal)
    events = catalog_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "dataset.revised").order_by(AuditEvent.id)
    ).all()
    assert [e.detail["grants_revoked"] for e in events] == [1, 1]


def test_expired_grants_are_left_alone(catalog_session: Session) -> None:
    w = World(catalog_session)
    old = w.grant(["employer_name"])
    old.expires_at = utcnow() - dt.timedelta(days=1)
    catalog_session.commit()
    revision = revise_dataset(
        catalog_session, contract_text(w.owner, drop_fields=("employer_name",)), SYSTEM
    )
    assert revision.effects == ()
    assert old.revoked_at is None
