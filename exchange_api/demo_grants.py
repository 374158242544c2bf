"""The demo's grants, made as the users would: the asker's department files a request through
``catalog.requests.file_request`` and the owner approves it as asked — unless a live grant is
there already, so a second demo run reuses it. Shared by the demo's scenario steps
(``exchange_api.demo_scenarios``, ``exchange_api.demo_report``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog.grants import live_grants
from catalog.models import AccessMode, Account, Dataset, utcnow
from catalog.principals import Principal
from catalog.requests import approve_request, file_request

__all__ = ["granted", "principal_named"]


def principal_named(session: Session, name: str) -> Principal:
    """The principal of the seeded account ``name``."""
    return Principal.of(session.scalars(select(Account).where(Account.name == name)).one())


def granted(
    sessions: sessionmaker[Session],
    asker: str,
    owner: str,
    code: str,
    fields: Sequence[str],
    purpose: str,
    *,
    modes: Sequence[AccessMode] = (AccessMode.QUERY,),
    match_fields: Sequence[str] = (),
    scenario: str = "演示",
    legal_basis: str = "",
    reason: str = "同意",
) -> int:
    """``asker``'s department's live grant on ``code``: filed and approved (as asked, by
    ``owner``) unless one is live already."""
    with sessions() as session:
        principal = principal_named(session, asker)
        dataset = session.scalars(select(Dataset).where(Dataset.code == code)).one()
        live = live_grants(session, principal.department_id, dataset.id, utcnow())
        if live:
            return live[0].id
        request = file_request(
            session,
            principal,
            code,
            fields,
            purpose,
            scenario=scenario,
            legal_basis=legal_basis,
            access_modes=modes,
            match_fields=match_fields,
        )
        request_id = request.id
        session.commit()
    with sessions() as session:
        grant = approve_request(session, principal_named(session, owner), request_id, reason=reason)
        grant_id = grant.id
        session.commit()
    return grant_id
