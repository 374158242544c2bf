"""The one place that decides access: ``decide(principal, contract, grant, request)``.

``decide`` is a pure function over plain values. It never opens a session or a connection and
never reads the clock (``now`` is an argument). It turns a read request into an
:class:`AccessPlan` — the columns (each with its mask), the row conditions and the page — or a
:class:`Refusal` with a stable ``code`` and a human reason. ``lakehouse.read`` compiles a plan into
SQL; nothing else decides which columns, masks or rows a caller gets.

Rules, in the order they are checked:

1. A principal of the owner department holding the PUBLISHER or STEWARD role reads every field
   unmasked, with no grant (``grant_id`` is ``None``) and no quota.
2. Everyone else needs a live grant for this dataset and this department: a not-shared dataset
   refuses every non-owner even when a (stale) grant exists; then missing, revoked, expired,
   mode not allowed, quota exhausted, and a grant row filter that no longer fits the contract
   (``grant.invalid``: a grant filter is never dropped).
3. The request itself: page bounds, requested fields (all known, all granted — never silently
   dropped; ``field.empty`` when nothing is left to select), client filters (granted fields
   only, operator and value must fit the column).
4. The plan: grantee columns of personal fields carry their contract mask (``redact`` when the
   contract names none: fail closed); the grant's row filter always comes first in the plan's
   conditions, ANDed with the client's; the limit is clipped to the remaining quota.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from catalog.conditions import MAX_IN_VALUES, Condition, Op, Scalar, condition_problem
from catalog.models import AccessMode, Grant, Role
from catalog.principals import Principal
from schemas import DatasetContract, FieldSpec, MaskKind, MaskSpec, ShareType

__all__ = [
    "MAX_IN_VALUES",
    "MAX_LIMIT",
    "OWNER_ROLES",
    "AccessPlan",
    "Condition",
    "GrantTerms",
    "Op",
    "PlannedColumn",
    "ReadRequest",
    "Refusal",
    "Scalar",
    "decide",
]

MAX_LIMIT = 10_000
"""The largest page one read may return."""

OWNER_ROLES = frozenset({Role.PUBLISHER, Role.STEWARD})
"""Roles that let a member of the owner department read its dataset without a grant."""


@dataclass(frozen=True, slots=True)
class GrantTerms:
    """The terms of one grant, detached from the database row."""

    grant_id: int
    dataset_code: str
    grantee_department_id: int
    fields: tuple[str, ...]
    row_filter: tuple[Condition, ...]
    access_modes: frozenset[AccessMode]
    purpose: str
    quota_rows: int | None
    rows_used: int
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @classmethod
    def of(cls, grant: Grant, dataset_code: str) -> GrantTerms:
        return cls(
            grant_id=grant.id,
            dataset_code=dataset_code,
            grantee_department_id=grant.grantee_department_id,
            fields=tuple(str(f) for f in grant.fields),
            row_filter=tuple(Condition.from_json(c) for c in grant.row_filter or ()),
            access_modes=frozenset(AccessMode(m) for m in grant.access_modes or ()),
            purpose=grant.purpose,
            quota_rows=grant.quota_rows,
            rows_used=grant.rows_used or 0,
            expires_at=grant.expires_at,
            revoked_at=grant.revoked_at,
        )

    @property
    def rows_left(self) -> int | None:
        return None if self.quota_rows is None else max(self.quota_rows - self.rows_used, 0)


@dataclass(frozen=True, slots=True)
class ReadRequest:
    """What a caller asks to read. ``fields=None`` means every field the caller may see."""

    fields: tuple[str, ...] | None = None
    filters: tuple[Condition, ...] = ()
    limit: int = 1000
    offset: int = 0
    mode: AccessMode = AccessMode.QUERY


@dataclass(frozen=True, slots=True)
class PlannedColumn:
    """One output column: a contract field and the mask it is shown through."""

    name: str
    duckdb_type: str
    mask: MaskSpec


@dataclass(frozen=True, slots=True)
class AccessPlan:
    """An allowed read: exactly what ``lakehouse.read`` may select, from where, and which rows.

    ``conditions`` are ANDed; the grant's row filter always comes first. ``order_by`` is the
    contract's primary key, so pages are stable.
    """

    dataset_code: str
    table: str
    columns: tuple[PlannedColumn, ...]
    conditions: tuple[Condition, ...]
    limit: int
    offset: int
    grant_id: int | None
    purpose: str
    order_by: tuple[str, ...] = ()
    hash_key: bytes | None = field(default=None, repr=False)
    """The grant's key for ``hash`` masks (``catalog.keys.mask_key``), attached by the caller."""

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def masked_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.mask.masked)


@dataclass(frozen=True, slots=True)
class Refusal:
    """A refused read. Carries a stable ``code`` and a reason, and never any data."""

    code: str
    reason: str


def decide(
    principal: Principal,
    contract: DatasetContract,
    grant: GrantTerms | None,
    request: ReadRequest,
    *,
    now: dt.datetime,
) -> AccessPlan | Refusal:
    """Decide whether ``principal`` may make ``request`` on ``contract``'s dataset, and how."""
    if now.tzinfo is None:
        raise ValueError("decide() needs a timezone-aware 'now'")
    if _is_owner(principal, contract):
        return _plan(contract, contract.field_names, request, grant=None)
    checked = _check_grant(principal, contract, grant, request, now)
    if isinstance(checked, Refusal):
        return checked
    granted = set(checked.fields)
    visible = tuple(name for name in contract.field_names if name in granted)
    return _plan(contract, visible, request, grant=checked)


def _is_owner(principal: Principal, contract: DatasetContract) -> bool:
    return principal.department_code == contract.owner_department and bool(
        principal.roles & OWNER_ROLES
    )


def _check_grant(
    principal: Principal,
    contract: DatasetContract,
    grant: GrantTerms | None,
    request: ReadRequest,
    now: dt.datetime,
) -> GrantTerms | Refusal:
    """The grant, if it lets this principal read this dataset now in this mode."""
    if contract.share_type is ShareType.NOT_SHARED:
        basis = f" ({contract.share_basis})" if contract.share_basis else ""
        return Refusal("dataset.not_shared", f"dataset {contract.code} is not shared{basis}")
    if (
        grant is None
        or grant.dataset_code != contract.code
        or grant.grantee_department_id != principal.department_id
    ):
        return Refusal(
            "grant.missing",
            f"department {principal.department_code} holds no grant on dataset {contract.code}",
        )
    if grant.revoked_at is not None:
        return Refusal("grant.revoked", f"grant {grant.grant_id} was revoked")
    if grant.expires_at is not None and grant.expires_at <= now:
        return Refusal("grant.expired", f"grant {grant.grant_id} expired")
    if request.mode not in grant.access_modes:
        return Refusal(
            "grant.mode_not_allowed",
            f"grant {grant.grant_id} does not allow {request.mode.value} access",
        )
    if grant.rows_left == 0:
        return Refusal("grant.quota_exhausted", f"grant {grant.grant_id} has used its row quota")
    for condition in grant.row_filter:
        # A grant filter that cannot be applied must never be dropped: refuse instead.
        problem = condition_problem(contract, contract.field_names, condition)
        if problem is not None:
            return Refusal("grant.invalid", f"grant {grant.grant_id} row filter: {problem}")
    return grant


def _plan(
    contract: DatasetContract,
    visible: tuple[str, ...],
    request: ReadRequest,
    *,
    grant: GrantTerms | None,
) -> AccessPlan | Refusal:
    """Check the request against the ``visible`` fields and build the plan."""
    refusal = _check_page(request.limit, request.offset)
    if refusal is not None:
        return refusal
    selected = _select_fields(contract, visible, request.fields)
    if isinstance(selected, Refusal):
        return selected
    refusal = _check_filters(contract, visible, request.filters)
    if refusal is not None:
        return refusal
    specs = [contract.field(name) for name in selected]
    if grant is None:
        unmasked = MaskSpec(MaskKind.NONE)
        columns = tuple(PlannedColumn(f.name, f.duckdb_type, unmasked) for f in specs)
        return AccessPlan(
            dataset_code=contract.code,
            table=contract.table_name,
            columns=columns,
            conditions=request.filters,
            limit=request.limit,
            offset=request.offset,
            grant_id=None,
            purpose="owner",
            order_by=contract.primary_key,
        )
    rows_left = grant.rows_left
    return AccessPlan(
        dataset_code=contract.code,
        table=contract.table_name,
        columns=tuple(_grantee_column(f) for f in specs),
        conditions=grant.row_filter + request.filters,
        limit=request.limit if rows_left is None else min(request.limit, rows_left),
        offset=request.offset,
        grant_id=grant.grant_id,
        purpose=grant.purpose,
        order_by=contract.primary_key,
    )


def _grantee_column(spec: FieldSpec) -> PlannedColumn:
    if not spec.personal:
        return PlannedColumn(spec.name, spec.duckdb_type, MaskSpec(MaskKind.NONE))
    mask = spec.mask if spec.mask.masked else MaskSpec(MaskKind.REDACT)
    return PlannedColumn(spec.name, spec.duckdb_type, mask)


def _check_page(limit: int, offset: int) -> Refusal | None:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        return Refusal("limit.invalid", f"limit must be an integer from 1 to {MAX_LIMIT}")
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        return Refusal("limit.invalid", "offset must be a non-negative integer")
    return None


def _select_fields(
    contract: DatasetContract, visible: tuple[str, ...], requested: tuple[str, ...] | None
) -> tuple[str, ...] | Refusal:
    """The requested fields in request order (duplicates collapsed), or every visible field."""
    if requested is None:
        chosen = visible
    else:
        unknown = [n for n in requested if n not in contract.field_names]
        if unknown:
            return Refusal("field.unknown", f"dataset {contract.code} has no field(s) {unknown}")
        hidden = [n for n in requested if n not in visible]
        if hidden:
            return Refusal("field.not_granted", f"field(s) {hidden} are not in the grant")
        chosen = tuple(dict.fromkeys(requested))
    if not chosen:
        return Refusal("field.empty", "the read selects no field")
    return chosen


def _check_filters(
    contract: DatasetContract, visible: tuple[str, ...], filters: tuple[Condition, ...]
) -> Refusal | None:
    for condition in filters:
        problem = condition_problem(contract, visible, condition)
        if problem is not None:
            return Refusal("filter.invalid", problem)
    return None
