"""``zhongtai requests escalate`` and ``zhongtai grants expire``: the platform's daily duties by
hand, for the operator (the ``governance_daily`` DAG runs them every day as the platform).

Each acts as the account whose token is in ``ZHONGTAI_TOKEN`` — an admin: the one decision
refuses anyone else (``role.admin_required``, audited, exit 2) — and prints what it did as JSON.
Both are idempotent: a deadline is escalated, an expiry recorded, once. ``--now`` (an ISO
timestamp with its offset) runs the duty as of another moment — to catch up after an outage, say;
it cannot record anything before the deadline it concerns.
"""

from __future__ import annotations

import typer

from exchange_api.cli_exchange import _acting, _print, grants_app, moment_of, requests_app

__all__ = ["escalate", "expire"]

_NOW = typer.Option(None, "--now", help="As of this ISO timestamp with offset (default: now).")


@requests_app.command("escalate")
def escalate(now: str | None = _NOW) -> None:
    """Escalate every reply and objection answer past its deadline (once per deadline)."""
    from catalog.escalation import escalate_overdue

    moment = moment_of(now, code="duty.invalid_now")
    with _acting() as (session, principal, rules):
        done = escalate_overdue(session, moment, principal, rules=rules)
        session.commit()
    _print(
        [
            {
                "request_id": e.request_id,
                "objection_id": e.objection_id,
                "owner_department": e.owner_department,
                "due_at": e.due_at.isoformat(),
                "working_days_late": e.working_days_late,
            }
            for e in done
        ]
    )


@grants_app.command("expire")
def expire(now: str | None = _NOW) -> None:
    """Record every grant past its expiry (once) and cancel the subscriptions on it."""
    from catalog.grant_expiry import expire_grants

    moment = moment_of(now, code="duty.invalid_now")
    with _acting() as (session, principal, _):
        done = expire_grants(session, moment, principal)
        session.commit()
    _print(
        [
            {
                "grant_id": e.grant_id,
                "expires_at": e.expires_at.isoformat(),
                "subscriptions_stopped": list(e.subscriptions_stopped),
            }
            for e in done
        ]
    )
