"""Grants and audited reads for the usage tests: real grants through the request workflow, reads
recorded through ``catalog.audit.record`` exactly as the read paths record them, at set times."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from catalog import audit
from catalog.bulk_events import BulkDelivered
from catalog.events import DataRead, ReadRefused
from catalog.models import Grant, Role
from catalog.principals import Principal
from catalog.requests import approve_request, file_request
from catalog.verify_events import DataVerified
from tests.catalog import factories

NOW = dt.datetime(2026, 3, 20, 4, tzinfo=dt.UTC)
"""Noon in Beijing, 2026-03-20."""


@dataclass(frozen=True)
class UsageWorld:
    ex: factories.Exchange
    auditor: Principal
    admin: Principal
    steward: Principal
    other: factories.Exchange


def world(session: Session, directory: Path) -> UsageWorld:
    ex = factories.exchange(session, directory)
    other = factories.exchange(session, directory / "other")
    audit_dept = factories.department(session)
    return UsageWorld(
        ex=ex,
        auditor=factories.actor(session, audit_dept, Role.AUDITOR).principal,
        admin=factories.actor(session, audit_dept, Role.ADMIN).principal,
        steward=factories.actor(session, ex.owner, Role.STEWARD).principal,
        other=other,
    )


def grant(
    session: Session,
    ex: factories.Exchange,
    fields: list[str],
    *,
    purpose: str = "社保缴费核对",
    modes: tuple[str, ...] = ("query",),
    at: dt.datetime = NOW - dt.timedelta(days=60),
    **kwargs: Any,
) -> Grant:
    request = file_request(
        session,
        ex.requester.principal,
        ex.dataset.code,
        fields,
        purpose,
        access_modes=modes,
        now=at,
        **kwargs,
    )
    return approve_request(session, ex.publisher.principal, request.id, now=at)


def read(
    session: Session,
    who: Principal,
    g: Grant,
    at: dt.datetime,
    rows: int,
    *,
    columns: tuple[str, ...] | None = None,
    filters: tuple[Any, ...] = (),
) -> None:
    body = f"{g.id}:{at.isoformat()}:{rows}".encode()
    audit.record(
        session,
        DataRead(
            dataset_id=g.dataset_id,
            grant_id=g.id,
            purpose=g.purpose,
            columns=columns if columns is not None else tuple(g.fields),
            masked_columns=(),
            filters=filters,
            row_count=rows,
            bytes_sent=len(body) * 10,
            content_sha256=hashlib.sha256(body).hexdigest(),
            snapshot_id=1,
        ),
        actor=who,
        now=at,
    )


def bulk(session: Session, who: Principal, g: Grant, at: dt.datetime, rows: int) -> None:
    audit.record(
        session,
        BulkDelivered(
            dataset_id=g.dataset_id,
            grant_id=g.id,
            purpose=g.purpose,
            columns=tuple(g.fields),
            masked_columns=(),
            filters=(),
            format="csv",
            encoding="utf-8",
            row_count=rows,
            bytes_sent=rows * 50,
            content_sha256="a" * 64,
            snapshot_id=1,
            complete=True,
        ),
        actor=who,
        now=at,
    )


def verify(session: Session, who: Principal, g: Grant, at: dt.datetime) -> None:
    audit.record(
        session,
        DataVerified(
            dataset_id=g.dataset_id,
            grant_id=g.id,
            purpose=g.purpose,
            match_on=("citizen_id",),
            compare=("person_name",),
            masked_fields=("citizen_id",),
            record_count=3,
            matched=2,
            not_found=1,
            differs=0,
            request_sha256=hashlib.sha256(at.isoformat().encode()).hexdigest(),
            bytes_sent=321,
            content_sha256="b" * 64,
            snapshot_id=1,
        ),
        actor=who,
        now=at,
    )


def refused(session: Session, who: Principal, g: Grant, at: dt.datetime) -> None:
    audit.record(
        session,
        ReadRefused(
            dataset_id=g.dataset_id,
            grant_id=g.id,
            code="grant.quota_exhausted",
            reason="quota used up",
            requested_columns=("citizen_id",),
        ),
        actor=who,
        now=at,
    )


__all__ = ["NOW", "UsageWorld", "bulk", "grant", "read", "refused", "verify", "world"]
