"""The terms of a share: checked when a request is filed, narrowed when it is approved.

:func:`checked_terms` validates what a requester asks for against the dataset's catalog row;
:func:`issue_grant` turns an approved request into a :class:`catalog.models.Grant`, applying the
owner's narrowing — never widening — and records on the audit chain which terms were narrowed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from catalog import audit
from catalog.conditions import Condition, condition_problem
from catalog.errors import InvalidInput
from catalog.events import GrantIssued
from catalog.models import AccessMode, Dataset, Grant, ShareRequest
from catalog.principals import Principal
from catalog.read_plan import grantee_mask
from catalog.resources import DatasetTerms

__all__ = ["MAX_QUOTA_ROWS", "ShareTerms", "checked_terms", "issue_grant"]

MAX_QUOTA_ROWS = 2**63 - 1


@dataclass(frozen=True, slots=True)
class ShareTerms:
    """Checked terms of a request or a grant."""

    fields: tuple[str, ...]
    access_modes: tuple[str, ...]
    row_filter: tuple[Condition, ...]
    match_fields: tuple[str, ...]
    quota_rows: int | None
    expires_at: dt.datetime | None


def checked_terms(
    dataset: Dataset,
    *,
    fields: Sequence[str],
    access_modes: Iterable[AccessMode | str],
    row_filter: Iterable[Condition | Mapping[str, Any]],
    match_fields: Sequence[str],
    quota_rows: int | None,
    expires_at: dt.datetime | None,
    now: dt.datetime,
) -> ShareTerms:
    """The terms, each checked against the dataset; ``InvalidInput`` names the first bad one."""
    terms = DatasetTerms.of(dataset)
    checked_fields = _fields(terms, fields)
    return ShareTerms(
        fields=checked_fields,
        access_modes=_modes(access_modes),
        row_filter=_filter(terms, row_filter),
        match_fields=_match_fields(terms, checked_fields, match_fields),
        quota_rows=_quota(quota_rows),
        expires_at=_expiry(expires_at, now),
    )


def _fields(dataset: DatasetTerms, fields: Sequence[str]) -> tuple[str, ...]:
    if isinstance(fields, str) or not fields:
        raise InvalidInput("a request must name at least one field", code="request.no_fields")
    for name in fields:
        if name not in dataset.field_names:
            raise InvalidInput(
                f"dataset {dataset.code} has no field {name!r}",
                code="request.unknown_field",
                field=name,
            )
    if len(set(fields)) != len(fields):
        raise InvalidInput("a field is named twice", code="request.duplicate_field")
    return tuple(fields)


def _modes(access_modes: Iterable[AccessMode | str]) -> tuple[str, ...]:
    try:
        modes = tuple(dict.fromkeys(AccessMode(m).value for m in access_modes))
    except ValueError:
        allowed = ", ".join(m.value for m in AccessMode)
        raise InvalidInput(
            f"access modes are {allowed}", code="request.invalid_access_mode"
        ) from None
    if not modes:
        raise InvalidInput("a request needs at least one access mode", code="request.no_modes")
    return modes


def _filter(
    dataset: DatasetTerms, row_filter: Iterable[Condition | Mapping[str, Any]]
) -> tuple[Condition, ...]:
    conditions = []
    for raw in row_filter:
        condition = raw if isinstance(raw, Condition) else Condition.from_json(raw)
        if condition.field not in dataset.field_names:
            raise InvalidInput(
                f"row filter names unknown field {condition.field!r} of dataset {dataset.code}",
                code="request.unknown_field",
                field=condition.field,
            )
        problem = condition_problem(dataset, dataset.field_names, condition)
        if problem is not None:
            raise InvalidInput(f"row filter: {problem}", code="request.invalid_filter")
        conditions.append(condition)
    return tuple(conditions)


def _match_fields(
    dataset: DatasetTerms, fields: tuple[str, ...], match_fields: Sequence[str]
) -> tuple[str, ...]:
    if isinstance(match_fields, str):
        raise InvalidInput("match_fields is a list", code="request.invalid_match_field")
    for name in match_fields:
        if name not in fields:
            raise InvalidInput(
                f"match field {name!r} is not one of the requested fields",
                code="request.invalid_match_field",
            )
        if not grantee_mask(dataset.field(name)).masked:
            raise InvalidInput(
                f"field {name!r} is not masked; filter on it instead of matching",
                code="request.invalid_match_field",
            )
    return tuple(dict.fromkeys(match_fields))


def _quota(quota_rows: int | None) -> int | None:
    if quota_rows is not None and not 0 < quota_rows <= MAX_QUOTA_ROWS:
        raise InvalidInput(
            f"a row quota is a whole number from 1 to {MAX_QUOTA_ROWS}",
            code="request.invalid_quota",
        )
    return quota_rows


def _expiry(expires_at: dt.datetime | None, now: dt.datetime) -> dt.datetime | None:
    if expires_at is None:
        return None
    if expires_at.tzinfo is None:
        raise InvalidInput("an expiry needs a time zone", code="request.invalid_expiry")
    if expires_at <= now:
        raise InvalidInput("the requested expiry is already past", code="request.invalid_expiry")
    return expires_at


def _narrower(name: str) -> InvalidInput:
    return InvalidInput(
        f"an approval may only narrow what was asked: {name} goes beyond the request",
        code="approval.not_narrower",
        term=name,
    )


def issue_grant(
    session: Session,
    request: ShareRequest,
    narrowing: Mapping[str, Any],
    *,
    default_expiry: dt.datetime,
    actor: Principal | None,
    now: dt.datetime,
) -> Grant:
    """Issue the grant of an approved ``request``, narrowed by the owner; audited.

    The region condition of a dataset returned to lower levels (``catalog.regions``) is derived
    again here from the requester's division, so a grant never goes out without it — even for a
    request filed before the contract named its ``region_field``.
    """
    dataset = DatasetTerms.of(request.dataset)
    asked = ShareTerms(
        fields=tuple(request.fields),
        access_modes=tuple(request.access_modes),
        row_filter=tuple(Condition.from_json(c) for c in request.row_filter or ()),
        match_fields=tuple(request.match_fields or ()),
        quota_rows=request.quota_rows,
        expires_at=request.expires_at,
    )
    fields = asked.fields
    if narrowing.get("fields") is not None:
        fields = _fields(dataset, narrowing["fields"])
        if not set(fields) <= set(asked.fields):
            raise _narrower("fields")
    modes = asked.access_modes
    if narrowing.get("access_modes") is not None:
        modes = _modes(narrowing["access_modes"])
        if not set(modes) <= set(asked.access_modes):
            raise _narrower("access_modes")
    match = tuple(f for f in asked.match_fields if f in fields)
    if narrowing.get("match_fields") is not None:
        match = _match_fields(dataset, fields, narrowing["match_fields"])
        if not set(match) <= set(asked.match_fields):
            raise _narrower("match_fields")
    row_filter = asked.row_filter + _filter(dataset, narrowing.get("row_filter") or ())
    bound = dataset.region_bound(request.requester.region_code)  # 数据回流: never dropped
    if bound is not None and bound not in row_filter:
        row_filter = (*row_filter, *_filter(dataset, (bound,)))
    quota = asked.quota_rows
    if narrowing.get("quota_rows") is not None:
        quota = _quota(narrowing["quota_rows"])
        if asked.quota_rows is not None and quota is not None and quota > asked.quota_rows:
            raise _narrower("quota_rows")
    expires = asked.expires_at or default_expiry
    if narrowing.get("expires_at") is not None:
        expires = _expiry(narrowing["expires_at"], now) or expires
        if asked.expires_at is not None and expires > asked.expires_at:
            raise _narrower("expires_at")
    granted = ShareTerms(fields, modes, row_filter, match, quota, expires)
    narrowed = tuple(
        name
        for name in ShareTerms.__dataclass_fields__
        if getattr(granted, name) != getattr(asked, name)
    )
    grant = Grant(
        request=request,
        dataset_id=request.dataset_id,
        grantee_department_id=request.requester_department_id,
        fields=list(fields),
        row_filter=[c.to_json() for c in row_filter],
        match_fields=list(match),
        purpose=request.purpose,
        access_modes=list(modes),
        quota_rows=quota,
        rows_used=0,
        expires_at=expires,
        created_at=now,
    )
    session.add(grant)
    session.flush()
    audit.record(
        session,
        GrantIssued(
            dataset_id=request.dataset_id,
            grant_id=grant.id,
            request_id=request.id,
            fields=fields,
            match_fields=match,
            access_modes=modes,
            row_filter=tuple(c.to_json() for c in row_filter),
            quota_rows=quota,
            expires_at=expires.astimezone(dt.UTC).isoformat(),
            narrowed=narrowed,
        ),
        actor=actor,
        now=now,
    )
    return grant
