"""Grants (授权): what an approved share request lets a department read, and for how long.

A grant is live while it is neither revoked nor expired; when a department holds several for one
dataset the newest wins. Only the owner department's publishers may revoke one. Quota is counted
in rows delivered, with one conditional UPDATE so concurrent reads cannot overrun it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from catalog import audit
from catalog.errors import AccessRefused, Conflict, InvalidInput, NotFound
from catalog.events import GrantRevoked
from catalog.models import Grant, Role, utcnow
from catalog.principals import Principal

__all__ = ["active_grant", "consume_quota", "get_grant", "remaining_quota", "revoke_grant"]


def active_grant(
    session: Session, department_id: int, dataset_id: int, now: dt.datetime
) -> Grant | None:
    """The newest grant of ``dataset_id`` to ``department_id`` that is live at ``now``."""
    return session.scalars(
        select(Grant)
        .where(
            Grant.grantee_department_id == department_id,
            Grant.dataset_id == dataset_id,
            Grant.revoked_at.is_(None),
            or_(Grant.expires_at.is_(None), Grant.expires_at > now),
        )
        .order_by(Grant.created_at.desc(), Grant.id.desc())
        .limit(1)
    ).first()


def get_grant(session: Session, grant_id: int) -> Grant:
    grant = session.get(Grant, grant_id)
    if grant is None:
        raise NotFound(f"no grant {grant_id}", code="grant.not_found", grant_id=grant_id)
    return grant


def revoke_grant(
    session: Session,
    principal: Principal,
    grant_id: int,
    reason: str,
    now: dt.datetime | None = None,
) -> Grant:
    """Revoke a grant at once; only a publisher of the dataset's owner department may."""
    grant = session.scalars(select(Grant).where(Grant.id == grant_id).with_for_update()).first()
    if grant is None:
        raise NotFound(f"no grant {grant_id}", code="grant.not_found", grant_id=grant_id)
    if principal.department_id != grant.dataset.owner_department_id or not principal.has(
        Role.PUBLISHER
    ):
        raise AccessRefused(
            "only a publisher of the dataset's owner department may revoke its grants",
            code="grant.not_owner",
        )
    if not reason.strip():
        raise InvalidInput("revoking a grant needs a reason", code="grant.reason_required")
    if grant.revoked_at is not None:
        raise Conflict(f"grant {grant_id} is already revoked", code="grant.already_revoked")
    now = now or utcnow()
    grant.revoked_at = now
    session.flush()
    audit.record(
        session,
        GrantRevoked(dataset_id=grant.dataset_id, grant_id=grant.id, reason=reason),
        actor=principal,
        now=now,
    )
    return grant


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
    result = session.execute(
        update(Grant)
        .where(
            Grant.id == grant.id,
            or_(Grant.quota_rows.is_(None), Grant.rows_used + rows <= Grant.quota_rows),
        )
        .values(rows_used=Grant.rows_used + rows)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(grant)
        raise AccessRefused(
            f"grant {grant.id} has {remaining_quota(grant)} rows of quota left, {rows} asked",
            code="grant.quota_exhausted",
        )
    session.refresh(grant, ["rows_used"])
