"""The verify (核验) half of the access decision: a batch of records becomes a :class:`VerifyPlan`
or a refusal.

A caller submits records — an ID number and a name, say — and learns per record only ``match``,
``not_found`` or ``differs`` with the *names* of the compared fields that differ; never a stored
value. ``catalog.policy.authorize`` calls :func:`plan_verify` for ``data.verify``; nothing else
does. Like ``catalog.read_plan.plan_read`` it is pure: the submitted values never reach it (they
are personal data and the decision does not need them), only which fields are used and how many
records there are.

Rules, in the order they are checked:

1. A publisher or steward of the owner department verifies without a grant, on any field.
2. Everyone else needs the requester role and a live grant allowing the ``verify`` mode
   (``catalog.read_plan.check_grant``: not shared, missing, revoked, expired, mode, quota,
   invalid row filter).
3. The fields: ``match_on`` and ``compare`` each name 1 to 20 fields, none twice and none in
   both lists (``verify.fields_invalid``); every field known (``field.unknown``) and granted
   (``field.not_granted``). A field the grantee sees masked may be used only when the grant
   names it a match key (``GrantTerms.match_fields``); otherwise ``field.masked``: answering
   "differs" about a masked name would reveal what the mask hides.
4. The batch: 1 to :data:`MAX_RECORDS` records (``verify.batch_size``); every record costs one
   row of quota whether it matched or not, so a batch larger than the quota left is refused
   (``quota.exceeded``) before anything runs.
5. The plan: the grant's row filter always applies — a stored row outside it looks
   ``not_found`` — and stored values are compared, never masked ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from catalog.conditions import Condition
from catalog.models import AccessMode, Role
from catalog.negative_check import fields_barred
from catalog.principals import Principal
from catalog.read_plan import Refusal, check_grant, grantee_mask, is_owner_reader
from catalog.resources import DatasetTerms, GrantTerms, ReadRequest

__all__ = [
    "MAX_RECORDS",
    "MAX_VERIFY_FIELDS",
    "VerifyPlan",
    "VerifyRequest",
    "VerifyResource",
    "plan_verify",
]

MAX_RECORDS = 10_000
"""The most records one verify call may submit."""

MAX_VERIFY_FIELDS = 20
"""The most fields either list (``match_on``, ``compare``) may name."""


@dataclass(frozen=True, slots=True)
class VerifyRequest:
    """What a caller asks to verify: which fields identify a record, which are compared, and
    how many records are submitted (their values are not part of the decision)."""

    match_on: tuple[str, ...]
    compare: tuple[str, ...]
    record_count: int


@dataclass(frozen=True, slots=True)
class VerifyResource:
    """A verification: the dataset, the grant it would go through (if any), and what is asked."""

    dataset: DatasetTerms
    grant: GrantTerms | None
    request: VerifyRequest


@dataclass(frozen=True, slots=True)
class VerifyPlan:
    """An allowed verification: which stored fields to join and compare, under which rows.

    ``conditions`` is the grant's row filter (empty for the owner); ``masked_fields`` the fields
    used that the caller sees masked (match keys of its grant), recorded in the audit event.
    """

    dataset_code: str
    table: str
    match_on: tuple[str, ...]
    compare: tuple[str, ...]
    field_types: tuple[tuple[str, str], ...]
    """(field, DuckDB type) of every field used, in ``match_on + compare`` order."""
    conditions: tuple[Condition, ...]
    record_count: int
    grant_id: int | None
    purpose: str
    masked_fields: tuple[str, ...] = ()

    @property
    def fields(self) -> tuple[str, ...]:
        return self.match_on + self.compare


def plan_verify(
    principal: Principal, resource: VerifyResource, *, now: dt.datetime
) -> VerifyPlan | Refusal:
    """Decide whether ``principal`` may verify ``resource.request`` against ``resource.dataset``."""
    if now.tzinfo is None:
        raise ValueError("plan_verify() needs a timezone-aware 'now'")
    dataset, request = resource.dataset, resource.request
    shape = _check_shape(request)
    if shape is not None:
        return shape
    if is_owner_reader(principal, dataset):
        known = _check_fields(dataset, dataset.field_names, request)
        if known is not None:
            return known
        return _plan(dataset, request, (), None, "owner", ())
    if not principal.has(Role.REQUESTER) or principal.is_system:
        return Refusal(
            "role.requester_required",
            "verifying against another department's data through a grant needs the requester role",
        )
    checked = check_grant(
        principal, dataset, resource.grant, ReadRequest(mode=AccessMode.VERIFY), now
    )
    if isinstance(checked, Refusal):
        return checked
    granted = tuple(n for n in dataset.field_names if n in set(checked.fields))
    refusal = _check_fields(dataset, granted, request)
    if refusal is not None:
        return refusal
    barred = fields_barred(dataset, request.match_on + request.compare, use="verified")
    if barred is not None:  # 负面清单: catalog.negative_check
        return Refusal(barred.code, barred.reason)
    masked = tuple(
        n for n in request.match_on + request.compare if grantee_mask(dataset.field(n)).masked
    )
    for name in masked:
        if name not in checked.match_fields:
            return Refusal(
                "field.masked",
                f"field {name!r} is masked for this grant and is not one of its match keys; "
                "it cannot be verified",
            )
    rows_left = checked.rows_left
    if rows_left is not None and request.record_count > rows_left:
        return Refusal(
            "quota.exceeded",
            f"grant {checked.grant_id} has {rows_left} rows of quota left; "
            f"verifying {request.record_count} records costs {request.record_count}",
        )
    return _plan(dataset, request, checked.row_filter, checked.grant_id, checked.purpose, masked)


def _plan(
    dataset: DatasetTerms,
    request: VerifyRequest,
    conditions: tuple[Condition, ...],
    grant_id: int | None,
    purpose: str,
    masked: tuple[str, ...],
) -> VerifyPlan:
    used = request.match_on + request.compare
    return VerifyPlan(
        dataset_code=dataset.code,
        table=dataset.table_name,
        match_on=request.match_on,
        compare=request.compare,
        field_types=tuple((n, dataset.field(n).duckdb_type) for n in used),
        conditions=conditions,
        record_count=request.record_count,
        grant_id=grant_id,
        purpose=purpose,
        masked_fields=masked,
    )


def _check_shape(request: VerifyRequest) -> Refusal | None:
    for label, names in (("match_on", request.match_on), ("compare", request.compare)):
        if not 1 <= len(names) <= MAX_VERIFY_FIELDS:
            return Refusal(
                "verify.fields_invalid", f"{label} must name 1 to {MAX_VERIFY_FIELDS} fields"
            )
    used = request.match_on + request.compare
    if len(set(used)) != len(used):
        return Refusal(
            "verify.fields_invalid",
            "a field may appear once, in match_on or in compare, not twice",
        )
    count = request.record_count
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_RECORDS:
        return Refusal("verify.batch_size", f"submit 1 to {MAX_RECORDS} records per call")
    return None


def _check_fields(
    dataset: DatasetTerms, visible: tuple[str, ...], request: VerifyRequest
) -> Refusal | None:
    used = request.match_on + request.compare
    unknown = [n for n in used if n not in dataset.field_names]
    if unknown:
        return Refusal("field.unknown", f"dataset {dataset.code} has no field(s) {unknown}")
    hidden = [n for n in used if n not in visible]
    if hidden:
        return Refusal("field.not_granted", f"field(s) {hidden} are not in the grant")
    return None
