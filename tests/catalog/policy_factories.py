"""Builders for policy tests: contracts, principals, grant terms and requests, plus strategies."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from hypothesis import strategies as st

from catalog.actions import DATA_READ
from catalog.models import AccessMode, Role
from catalog.policy import (
    AccessPlan,
    Allowed,
    Condition,
    GrantTerms,
    Op,
    ReadRequest,
    ReadResource,
    Refusal,
    authorize,
)
from catalog.principals import Principal
from catalog.resources import DatasetTerms
from schemas import DatasetContract, ShareType, load_contract

NOW = dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC)
OWNER_CODE = "330100RSJ"
OWNER_DEPARTMENT_ID = 1
GRANTEE_CODE = "330100YBJ"
GRANTEE_DEPARTMENT_ID = 7
DATASET = "rsj_social_insurance"

#: The fields a typical grant hands out: an ID and a name (personal) plus employer and period.
GRANTED = ("citizen_id", "person_name", "employer_uscc", "period")
GRANT_FILTER = (Condition("region", Op.PREFIX, "3301"),)


def contract(**changes: Any) -> DatasetContract:
    """The social-insurance contract, optionally with some attributes replaced."""
    return dataclasses.replace(load_contract(DATASET), **changes)


def principal(
    *roles: Role,
    department_code: str = GRANTEE_CODE,
    department_id: int = GRANTEE_DEPARTMENT_ID,
    account_id: int = 42,
) -> Principal:
    return Principal(
        account_id=account_id,
        department_id=department_id,
        department_code=department_code,
        roles=frozenset(roles or (Role.REQUESTER,)),
    )


def owner(*roles: Role) -> Principal:
    """A member of the owner department (a publisher unless other roles are given)."""
    return principal(
        *(roles or (Role.PUBLISHER,)),
        department_code=OWNER_CODE,
        department_id=OWNER_DEPARTMENT_ID,
        account_id=3,
    )


def grant(**changes: Any) -> GrantTerms:
    """A live grant to the grantee department; override any term."""
    terms = GrantTerms(
        grant_id=11,
        dataset_code=DATASET,
        grantee_department_id=GRANTEE_DEPARTMENT_ID,
        fields=GRANTED,
        row_filter=GRANT_FILTER,
        access_modes=frozenset({AccessMode.QUERY, AccessMode.VERIFY}),
        purpose="医保待遇资格核验",
        quota_rows=None,
        rows_used=0,
        expires_at=NOW + dt.timedelta(days=30),
        revoked_at=None,
    )
    return dataclasses.replace(terms, **changes)


DATASET_ID = 5


def terms(source: DatasetContract | None = None) -> DatasetTerms:
    """The dataset's terms as the catalog would hold them for ``source`` (default: as shipped)."""
    return DatasetTerms.of_contract(
        source or contract(), dataset_id=DATASET_ID, owner_department_id=OWNER_DEPARTMENT_ID
    )


def decide(
    who: Principal,
    source: DatasetContract | DatasetTerms,
    grant_terms: GrantTerms | None,
    read: ReadRequest,
    *,
    now: dt.datetime,
) -> AccessPlan | Refusal:
    """``authorize(who, data.read, …)`` reduced to its plan or refusal, for table-like tests."""
    dataset = source if isinstance(source, DatasetTerms) else terms(source)
    decision = authorize(who, DATA_READ, ReadResource(dataset, grant_terms, read), now=now)
    if isinstance(decision, Allowed):
        assert decision.plan is not None
        return decision.plan
    return decision


def request(**changes: Any) -> ReadRequest:
    return dataclasses.replace(ReadRequest(), **changes)


def not_shared() -> DatasetContract:
    return contract(share_type=ShareType.NOT_SHARED, share_basis="《个人信息保护法》第十三条")


# --- Hypothesis strategies -------------------------------------------------------------------

FIELD_NAMES = load_contract(DATASET).field_names
TEXT_FIELDS = tuple(f.name for f in load_contract(DATASET).fields if f.duckdb_type == "VARCHAR")
_real_names = st.sampled_from(FIELD_NAMES)
_names = _real_names | _real_names | st.sampled_from(("nope", "_row", "_batch_id", ""))
_scalars: st.SearchStrategy[str | int | float] = (
    st.text(max_size=12) | st.integers(-(10**6), 10**6) | st.floats(allow_nan=True)
)
_values = _scalars | st.lists(_scalars, max_size=4).map(tuple)
_text_conditions = st.builds(
    Condition,
    field=st.sampled_from(TEXT_FIELDS),
    op=st.sampled_from([Op.EQ, Op.NE, Op.LT, Op.GE, Op.PREFIX]),
    value=st.text(max_size=20),
) | st.builds(
    Condition,
    field=st.sampled_from(TEXT_FIELDS),
    op=st.just(Op.IN),
    value=st.lists(st.text(max_size=20), min_size=1, max_size=5).map(tuple),
)
_amount_conditions = st.builds(
    Condition,
    field=st.just("amount"),
    op=st.sampled_from([Op.EQ, Op.LT, Op.LE, Op.GT, Op.GE]),
    value=st.integers(-(10**6), 10**6) | st.floats(allow_nan=False, allow_infinity=False),
)
_any_conditions = st.builds(Condition, field=_names, op=st.sampled_from(Op), value=_values)

#: Conditions, mostly well formed (so plans get built), sometimes anything at all.
conditions = _text_conditions | _amount_conditions | _any_conditions

_query = st.just(AccessMode.QUERY)
requests = st.builds(
    ReadRequest,
    fields=st.none() | st.lists(_names, max_size=9).map(tuple),
    filters=st.lists(conditions, max_size=4).map(tuple),
    limit=st.integers(1, 10_000) | st.integers(-2, 12_000),
    offset=st.integers(0, 10**6) | st.integers(-2, 2),
    mode=_query | _query | st.sampled_from(AccessMode),
)

_grant_filters = st.builds(
    Condition, field=st.sampled_from(TEXT_FIELDS), op=st.just(Op.EQ), value=st.text()
) | st.just(GRANT_FILTER[0])
_modes = st.frozensets(st.sampled_from(AccessMode))

grants = st.builds(
    grant,
    fields=st.lists(st.sampled_from(FIELD_NAMES), unique=True).map(tuple),
    row_filter=st.lists(_grant_filters, min_size=1, max_size=3).map(tuple),
    access_modes=_modes.map(lambda modes: modes | {AccessMode.QUERY}) | _modes,
    quota_rows=st.none() | st.integers(0, 20_000),
    rows_used=st.integers(0, 300),
    match_fields=st.lists(st.sampled_from(("citizen_id", "person_name")), unique=True).map(tuple),
)
