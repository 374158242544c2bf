"""The read half of the access decision: a read becomes an :class:`AccessPlan` or a refusal.

``catalog.policy.authorize`` calls :func:`plan_read` for ``data.read``; nothing else does. It is
pure: no session, no connection, no clock (``now`` is an argument). ``lakehouse.read`` compiles a
plan into one parameterised SQL statement; nothing else decides which columns, masks or rows a
caller gets.

Rules, in the order they are checked:

1. A principal of the owner department (by department id, from the catalog row) holding the
   PUBLISHER or STEWARD role reads every field unmasked, with no grant and no quota.
2. Everyone else needs the REQUESTER role (an auditor or admin account of the grantee department
   reads nothing through its grant) and a live grant for this dataset and this department: a
   not-shared dataset refuses every non-owner even when a (stale) grant exists; then missing,
   revoked, expired, mode not allowed, quota exhausted, and a grant row filter that no longer
   fits the dataset (``grant.invalid``: a grant filter is never dropped), and a client filter
   that asks for rows the grant's row filter excludes — another county's code where the grant
   is bound to one county (``catalog.regions``) — is refused (``grant.outside_row_filter``)
   rather than answered with nothing. The negative list
   (负面清单, ``catalog.negative_check``): a listed dataset refuses every non-owner; a read that
   selects, filters or matches a listed field — or names no fields while one is granted — is
   refused; a listed key field never orders the rows.
3. The request itself: page bounds, requested fields (all known, all granted — never silently
   dropped; ``field.empty`` when nothing is left to select), client filters (granted fields
   only, operator and value must fit the column).
4. **A masked field cannot be probed.** A client filter on a field the grantee sees masked is
   refused (``field.masked``) — a range, a prefix or a list of candidates would reveal what the
   mask hides — unless the grant names the field as a *match key*, and then only as one exact
   ``eq`` value per call. Such a read is a probe: it costs at least one row of quota even when
   nothing matches (``AccessPlan.probe``), and is audited like every read. Ordering never uses a
   masked field either (``AccessPlan.order_by`` leaves the key out; see ``lakehouse.read``).
5. The plan: grantee columns of personal fields carry their mask (``redact`` when none is named:
   fail closed); the grant's row filter always comes first in the plan's conditions, ANDed with
   the client's; the limit is clipped to the remaining quota.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from catalog.conditions import Condition, Op, condition_problem, first_outside
from catalog.models import AccessMode, Role
from catalog.negative_check import barred_fields, dataset_barred, fields_barred, read_barred
from catalog.principals import Principal
from catalog.resources import DatasetTerms, FieldTerms, GrantTerms, ReadRequest, ReadResource
from schemas.loader import ShareType
from schemas.masks import MaskKind, MaskSpec

__all__ = [
    "MAX_LIMIT",
    "WHOLE_EXTRACT_MODES",
    "OWNER_ROLES",
    "AccessPlan",
    "PlannedColumn",
    "Refusal",
    "check_grant",
    "grantee_mask",
    "is_owner_reader",
    "plan_read",
]

MAX_LIMIT = 10_000
"""The largest page one read may return."""

WHOLE_EXTRACT_MODES = frozenset({AccessMode.BULK, AccessMode.SUBSCRIBE})
"""Modes that deliver a whole extract: their request may ask for every row (``limit=None``)."""

OWNER_ROLES = frozenset({Role.PUBLISHER, Role.STEWARD})
"""Roles that let a member of the owner department read its dataset without a grant."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """A refused act. Carries a stable ``code`` and a reason, and never any data.

    ``hidden`` refusals are answered as "not found": the caller may not even learn that the
    object exists (another department's request or grant).
    """

    code: str
    reason: str
    hidden: bool = False


@dataclass(frozen=True, slots=True)
class PlannedColumn:
    """One output column: a field and the mask it is shown through.

    ``clear_for`` (民呼我为): the row condition under which the column is shown unmasked — the
    rows the reader's own department handles (the dataset's ``handler_field``). On every other
    row the mask applies. The column still counts as masked for every other rule: it is never
    filtered, matched (but as a match key), grouped or ordered by.
    """

    name: str
    duckdb_type: str
    mask: MaskSpec
    clear_for: Condition | None = None


@dataclass(frozen=True, slots=True)
class AccessPlan:
    """An allowed read: exactly what ``lakehouse.read`` may select, from where, and which rows.

    ``conditions`` are ANDed; the grant's row filter always comes first. ``order_by`` is the
    primary key when none of its fields is masked for this caller, so pages are stable;
    ``order_hidden`` says the key was left out because the caller sees part of it masked.
    ``filterable`` names the fields the caller may filter, order or group by; ``match_keys``
    the masked fields it may match exactly, one value per call. ``probe`` marks a read that
    matched a masked field: it costs at least one row of quota.
    """

    dataset_code: str
    table: str
    columns: tuple[PlannedColumn, ...]
    conditions: tuple[Condition, ...]
    limit: int | None
    """Rows at most; ``None`` (a whole-extract mode, with no quota) reads every row."""
    offset: int
    grant_id: int | None
    purpose: str
    order_by: tuple[str, ...] = ()
    order_hidden: bool = False
    filterable: frozenset[str] = frozenset()
    match_keys: frozenset[str] = frozenset()
    probe: bool = False
    hash_key: bytes | None = field(default=None, repr=False)
    """The grant's secret key for ``hash`` masks and the hidden ordering (``catalog.keys``),
    attached by ``lakehouse.exchange``; the decision itself never sees a key."""

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def masked_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.mask.masked)


def is_owner_reader(principal: Principal, dataset: DatasetTerms) -> bool:
    """A publisher or steward of the owning department (compared by id, from the catalog)."""
    return principal.department_id == dataset.owner_department_id and bool(
        principal.roles & OWNER_ROLES
    )


def plan_read(
    principal: Principal, read: ReadResource, *, now: dt.datetime
) -> AccessPlan | Refusal:
    """Decide whether ``principal`` may make ``read.request`` on ``read.dataset``, and how."""
    if now.tzinfo is None:
        raise ValueError("plan_read() needs a timezone-aware 'now'")
    dataset, request = read.dataset, read.request
    if is_owner_reader(principal, dataset):
        return _owner_plan(dataset, request)
    if not principal.has(Role.REQUESTER) or principal.is_system:
        return Refusal(
            "role.requester_required",
            "reading another department's data through a grant needs the requester role",
        )
    checked = check_grant(principal, dataset, read.grant, request, now)
    if isinstance(checked, Refusal):
        return checked
    barred = read_barred(dataset, checked.fields, request)  # 负面清单: catalog.negative_check
    if barred is not None:
        return Refusal(barred.code, barred.reason)
    return _grantee_plan(dataset, checked, request, principal.department_code)


def check_grant(
    principal: Principal,
    dataset: DatasetTerms,
    grant: GrantTerms | None,
    request: ReadRequest,
    now: dt.datetime,
) -> GrantTerms | Refusal:
    """The grant, if it lets this principal read this dataset now in this mode."""
    if dataset.share_type is ShareType.NOT_SHARED:
        basis = f" ({dataset.share_basis})" if dataset.share_basis else ""
        return Refusal("dataset.not_shared", f"dataset {dataset.code} is not shared{basis}")
    # 负面清单: a listed dataset serves no grantee; a subscription delivers every granted field.
    barred = (
        fields_barred(dataset, grant.fields, use="delivered")
        if grant is not None and request.mode is AccessMode.SUBSCRIBE
        else dataset_barred(dataset)
    )
    if barred is not None:
        return Refusal(barred.code, barred.reason)
    if (
        grant is None
        or grant.dataset_code != dataset.code
        or grant.grantee_department_id != principal.department_id
    ):
        return Refusal(
            "grant.missing",
            f"department {principal.department_code} holds no grant on dataset {dataset.code}",
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
        return Refusal("quota.exceeded", f"grant {grant.grant_id} has used its row quota")
    for condition in grant.row_filter:
        # A grant filter that cannot be applied must never be dropped: refuse instead.
        problem = condition_problem(dataset, dataset.field_names, condition)
        if problem is not None:
            return Refusal("grant.invalid", f"grant {grant.grant_id} row filter: {problem}")
    outside = first_outside(grant.row_filter, request.filters)
    if outside is not None:  # asked for rows the grant excludes: refused, not silently empty
        bound, asked = outside
        return Refusal(
            "grant.outside_row_filter",
            f"grant {grant.grant_id} covers only rows where {bound.field} {bound.op.value} "
            f"{bound.value!r}; the filter on {asked.field} asks for rows outside it",
        )
    return grant


def _owner_plan(dataset: DatasetTerms, request: ReadRequest) -> AccessPlan | Refusal:
    visible = dataset.field_names
    selected = _check_request(dataset, visible, request)
    if isinstance(selected, Refusal):
        return selected
    refusal = _check_filters(dataset, visible, request.filters)
    if refusal is not None:
        return refusal
    return AccessPlan(
        dataset_code=dataset.code,
        table=dataset.table_name,
        columns=tuple(PlannedColumn(n, dataset.field(n).duckdb_type, UNMASKED) for n in selected),
        conditions=request.filters,
        limit=request.limit,
        offset=request.offset,
        grant_id=None,
        purpose="owner",
        order_by=dataset.primary_key,
        filterable=frozenset(visible),
    )


def _grantee_plan(
    dataset: DatasetTerms, grant: GrantTerms, request: ReadRequest, reader: str
) -> AccessPlan | Refusal:
    granted = set(grant.fields)
    visible = tuple(name for name in dataset.field_names if name in granted)
    selected = _check_request(dataset, visible, request)
    if isinstance(selected, Refusal):
        return selected
    masks = {name: grantee_mask(dataset.field(name)) for name in visible}
    masked = frozenset(name for name, mask in masks.items() if mask.masked)
    filterable = frozenset(visible) - masked
    match_keys = masked & frozenset(grant.match_fields)
    refusal = _check_filters(dataset, visible, request.filters)
    if refusal is None:
        refusal = _check_masked_use(request.filters, masked, match_keys)
    if refusal is not None:
        return refusal
    hidden = masked | barred_fields(dataset)  # never ordered by a masked or negative-listed key
    key_masked = any(k in hidden or k not in granted for k in dataset.primary_key)
    rows_left = grant.rows_left
    return AccessPlan(
        dataset_code=dataset.code,
        table=dataset.table_name,
        columns=tuple(_grantee_column(dataset, n, masks[n], reader) for n in selected),
        conditions=grant.row_filter + request.filters,
        limit=_clip(request.limit, rows_left),
        offset=request.offset,
        grant_id=grant.grant_id,
        purpose=grant.purpose,
        order_by=() if key_masked else dataset.primary_key,
        order_hidden=key_masked,
        filterable=filterable,
        match_keys=match_keys,
        probe=any(c.field in masked for c in request.filters),
    )


UNMASKED = MaskSpec(MaskKind.NONE)
_REDACTED = MaskSpec(MaskKind.REDACT)


def _grantee_column(dataset: DatasetTerms, name: str, mask: MaskSpec, reader: str) -> PlannedColumn:
    """A grantee's column; on a dataset with a ``handler_field``, a masked one is clear on the
    rows ``reader`` (a department code) handles. There a ``hash`` mask becomes ``redact`` on the
    other rows: a keyed hash would let the reader link a person it sees in clear on its own rows
    to the same person on another department's rows."""
    duckdb_type = dataset.field(name).duckdb_type
    if dataset.handler_field is None or not mask.masked:
        return PlannedColumn(name, duckdb_type, mask)
    other_rows = _REDACTED if mask.kind is MaskKind.HASH else mask
    return PlannedColumn(
        name, duckdb_type, other_rows, clear_for=Condition(dataset.handler_field, Op.EQ, reader)
    )


def grantee_mask(spec: FieldTerms) -> MaskSpec:
    """How a grantee sees a field: personal fields masked (``redact`` if none is named)."""
    if not spec.personal:
        return UNMASKED
    return spec.mask if spec.mask.masked else _REDACTED


def _check_masked_use(
    filters: tuple[Condition, ...], masked: frozenset[str], match_keys: frozenset[str]
) -> Refusal | None:
    """Refuse any use of a masked field but one exact match of a match key per call."""
    seen: set[str] = set()
    for condition in filters:
        if condition.field not in masked:
            continue
        if condition.field not in match_keys:
            return Refusal(
                "field.masked",
                f"field {condition.field!r} is masked for this grant; it cannot be filtered on",
            )
        if condition.op is not Op.EQ or isinstance(condition.value, tuple):
            return Refusal(
                "field.masked",
                f"field {condition.field!r} is masked: it may only be matched with one exact "
                "'eq' value per call",
            )
        if condition.field in seen:
            return Refusal(
                "field.masked", f"field {condition.field!r} may be matched once per call"
            )
        seen.add(condition.field)
    return None


def _check_request(
    dataset: DatasetTerms, visible: tuple[str, ...], request: ReadRequest
) -> tuple[str, ...] | Refusal:
    if request.mode in WHOLE_EXTRACT_MODES and request.limit is None:
        refusal = _check_page(1, request.offset)
    else:
        refusal = _check_page(request.limit, request.offset)
    if refusal is not None:
        return refusal
    return _select_fields(dataset, visible, request.fields)


def _clip(limit: int | None, rows_left: int | None) -> int | None:
    """The request's limit, no more than the rows the quota has left."""
    if rows_left is None:
        return limit
    return rows_left if limit is None else min(limit, rows_left)


def _check_page(limit: int | None, offset: int) -> Refusal | None:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        return Refusal("limit.invalid", f"limit must be an integer from 1 to {MAX_LIMIT}")
    if isinstance(offset, bool) or not isinstance(offset, int) or not 0 <= offset < 2**63:
        return Refusal("limit.invalid", "offset must be a non-negative 64-bit integer")
    return None


def _select_fields(
    dataset: DatasetTerms, visible: tuple[str, ...], requested: tuple[str, ...] | None
) -> tuple[str, ...] | Refusal:
    """The requested fields in request order (duplicates collapsed), or every visible field."""
    if requested is None:
        chosen = visible
    else:
        unknown = [n for n in requested if n not in dataset.field_names]
        if unknown:
            return Refusal("field.unknown", f"dataset {dataset.code} has no field(s) {unknown}")
        hidden = [n for n in requested if n not in visible]
        if hidden:
            return Refusal("field.not_granted", f"field(s) {hidden} are not in the grant")
        chosen = tuple(dict.fromkeys(requested))
    if not chosen:
        return Refusal("field.empty", "the read selects no field")
    return chosen


def _check_filters(
    dataset: DatasetTerms, visible: tuple[str, ...], filters: tuple[Condition, ...]
) -> Refusal | None:
    for condition in filters:
        problem = condition_problem(dataset, visible, condition)
        if problem is not None:
            code = (
                "field.not_granted"
                if condition.field in dataset.field_names and (condition.field not in visible)
                else "filter.invalid"
            )
            return Refusal(code, problem)
    return None
