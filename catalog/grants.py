"""Grants (授权): what an approved share request lets a department read, and for how long.

A grant is live while it is neither revoked nor expired. A department may hold several live grants
on one dataset (a new grant replaces an earlier one only when its request said so): a read names
the grant it goes through, and may leave it out only when there is exactly one
(:func:`grant_for_read`). Who may see or revoke a grant is decided by ``catalog.policy``. Quota is
counted in rows delivered, with one conditional UPDATE so concurrent reads cannot overrun it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from catalog import actions as act
from catalog import audit
from catalog.errors import AccessRefused, Conflict, InvalidInput, NotFound
from catalog.events import GrantRevoked
from catalog.guard import ensure
from catalog.models import Grant, ShareRequest, utcnow
from catalog.policy import Allowed, authorize
from catalog.principals import Principal
from catalog.requests import file_request
from catalog.resources import DatasetTerms, GrantTerms
from catalog.workdays import DeadlineRules

__all__ = [
    "consume_quota",
    "get_grant",
    "grant_for_read",
    "list_grants",
    "live_grants",
    "remaining_quota",
    "renew_grant",
    "revoke_grant",
]


def live_grants(
    session: Session, department_id: int, dataset_id: int, now: dt.datetime
) -> list[Grant]:
    """The grants of ``dataset_id`` to ``department_id`` that are live at ``now``, oldest first."""
    return list(
        session.scalars(
            select(Grant)
            .where(
                Grant.grantee_department_id == department_id,
                Grant.dataset_id == dataset_id,
                Grant.revoked_at.is_(None),
                or_(Grant.expires_at.is_(None), Grant.expires_at > now),
            )
            .order_by(Grant.id)
        )
    )


def grant_for_read(
    session: Session,
    principal: Principal,
    dataset_id: int,
    grant_id: int | None,
    now: dt.datetime,
) -> Grant | None:
    """The grant a read goes through: the one named, or the department's only live one.

    A named grant that is not the caller's department's grant on this dataset is treated as no
    grant at all (the decision then refuses with ``grant.missing``), so its existence is not
    revealed. Several live grants and none named is ``grant.ambiguous``.
    """
    if grant_id is not None:
        grant = session.get(Grant, grant_id)
        if (
            grant is None
            or grant.grantee_department_id != principal.department_id
            or grant.dataset_id != dataset_id
        ):
            return None
        return grant
    grants = live_grants(session, principal.department_id, dataset_id, now)
    if len(grants) > 1:
        ids = ", ".join(str(g.id) for g in grants)
        raise Conflict(
            f"your department holds several live grants on this dataset ({ids}); "
            "name one with grant_id",
            code="grant.ambiguous",
        )
    return grants[0] if grants else None


def get_grant(
    session: Session, grant_id: int, principal: Principal, *, now: dt.datetime | None = None
) -> Grant:
    """One grant, if the principal may see it (``grant.not_found`` otherwise, audited)."""
    grant = session.get(Grant, grant_id)
    if grant is None:
        raise NotFound(f"no grant {grant_id}", code="grant.not_found", grant_id=grant_id)
    ensure(session, principal, act.GRANT_VIEW, GrantTerms.of(grant), now=now)
    return grant


def list_grants(
    session: Session, principal: Principal, *, now: dt.datetime | None = None
) -> list[Grant]:
    """Every grant the principal may see (the same decision as :func:`get_grant`)."""
    now = now or utcnow()
    datasets: dict[int, DatasetTerms] = {}  # each dataset's terms built once, not per grant
    visible = []
    for grant in session.scalars(select(Grant).order_by(Grant.id)):
        if grant.dataset_id not in datasets:
            datasets[grant.dataset_id] = DatasetTerms.of(grant.dataset)
        terms = GrantTerms.of(grant, dataset=datasets[grant.dataset_id])
        if isinstance(authorize(principal, act.GRANT_VIEW, terms, now=now), Allowed):
            visible.append(grant)
    return visible


def revoke_grant(
    session: Session,
    principal: Principal,
    grant_id: int,
    reason: str,
    now: dt.datetime | None = None,
) -> Grant:
    """Revoke a grant at once, saying why; reads through it are refused from now on."""
    now = now or utcnow()
    grant = session.scalars(select(Grant).where(Grant.id == grant_id).with_for_update()).first()
    if grant is None:
        raise NotFound(f"no grant {grant_id}", code="grant.not_found", grant_id=grant_id)
    ensure(session, principal, act.GRANT_REVOKE, GrantTerms.of(grant), now=now)
    if not reason.strip():
        raise InvalidInput("revoking a grant needs a reason", code="grant.reason_required")
    if grant.revoked_at is not None:
        raise Conflict(f"grant {grant_id} is already revoked", code="grant.already_revoked")
    grant.revoked_at = now
    grant.revoke_reason = reason.strip()
    session.flush()
    audit.record(
        session,
        GrantRevoked(dataset_id=grant.dataset_id, grant_id=grant.id, reason=reason.strip()),
        actor=principal,
        now=now,
    )
    return grant


def renew_grant(
    session: Session,
    principal: Principal,
    grant_id: int,
    *,
    expires_at: dt.datetime | None = None,
    purpose: str | None = None,
    rules: DeadlineRules | None = None,
    now: dt.datetime | None = None,
) -> ShareRequest:
    """Ask for a held grant again, on the same terms until a later expiry: a new request that,
    once approved, supersedes the grant (decided like any request of its share type)."""
    now = now or utcnow()
    grant = session.get(Grant, grant_id)
    if grant is None:
        raise NotFound(f"no grant {grant_id}", code="grant.not_found", grant_id=grant_id)
    ensure(session, principal, act.GRANT_RENEW, GrantTerms.of(grant), now=now)
    if grant.revoked_at is not None:
        raise Conflict(
            f"grant {grant_id} was revoked; file a new request instead", code="grant.revoked"
        )
    live = grant.expires_at is None or grant.expires_at > now
    return file_request(
        session,
        principal,
        grant.dataset.code,
        list(grant.fields),
        purpose if purpose is not None else grant.purpose,
        scenario=grant.request.scenario,
        legal_basis=grant.request.legal_basis,
        access_modes=list(grant.access_modes),
        row_filter=list(grant.row_filter),
        match_fields=list(grant.match_fields or ()),
        quota_rows=grant.quota_rows,
        expires_at=expires_at,
        replaces_grant_id=grant.id if live else None,
        rules=rules,
        now=now,
    )


def remaining_quota(grant: Grant) -> int | None:
    """Rows the grant may still deliver; ``None`` when it has no quota."""
    if grant.quota_rows is None:
        return None
    return max(grant.quota_rows - (grant.rows_used or 0), 0)


def consume_quota(session: Session, grant: Grant, rows: int) -> None:
    """Count ``rows`` delivered under ``grant``; refuses (and changes nothing) past its quota."""
    if rows < 0:
        raise InvalidInput("rows delivered cannot be negative", code="grant.invalid_rows")
    if rows == 0:
        return
    used = session.execute(
        update(Grant)
        .where(
            Grant.id == grant.id,
            or_(Grant.quota_rows.is_(None), Grant.rows_used + rows <= Grant.quota_rows),
        )
        .values(rows_used=Grant.rows_used + rows)
        .returning(Grant.rows_used)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if used is None:
        session.refresh(grant)
        raise AccessRefused(
            f"grant {grant.id} has {remaining_quota(grant)} rows of quota left, {rows} asked",
            code="quota.exceeded",
        )
    set_committed_value(grant, "rows_used", used)  # what the row now holds, without a reload
