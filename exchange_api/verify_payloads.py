"""HTTP bodies of verify (核验) and aggregate: what comes in, and what goes out.

Limits that the access decision owns (1 to 10,000 records, 1 to 20 fields per list, the measures
an aggregate may ask for) are *not* repeated here: the planners answer them with stable codes
(``verify.batch_size``, ``verify.fields_invalid``, ``aggregate.invalid``). Here only the shape:
field names are short identifiers and every submitted value is a string or a number of plain text
(no NUL, no lone surrogate), so nothing malformed reaches DuckDB.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, StrictFloat, StrictInt, StrictStr

from exchange_api.payloads import BIGINT_MAX, BodyIn, ConditionIn

__all__ = [
    "AggregateGroupColumn",
    "AggregateIn",
    "AggregateMeasureOut",
    "AggregateOut",
    "MeasureIn",
    "VerifyCounts",
    "VerifyIn",
    "VerifyOut",
    "VerifyResultOut",
]

_NOT_TEXT = re.compile(r"[\x00\ud800-\udfff]")

FieldName = Annotated[str, Field(min_length=1, max_length=64, pattern="^[A-Za-z0-9_]+$")]
Value = StrictStr | StrictInt | StrictFloat


def _plain_records(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for index, record in enumerate(records):
        for key, value in record.items():
            if _NOT_TEXT.search(key) or (isinstance(value, str) and _NOT_TEXT.search(value)):
                raise ValueError(f"record {index}: NUL or unpaired UTF-16 surrogate")
    return records


GrantId = Annotated[
    int | None,
    Field(ge=1, le=BIGINT_MAX, description="The grant to go through (needed when several live)"),
]


class VerifyIn(BodyIn):
    """核验: which fields identify a record, which are compared, and the records."""

    grant_id: GrantId = None
    match_on: list[FieldName] = Field(
        description="Fields that find the stored record(s), e.g. ['citizen_id']",
        examples=[["citizen_id"]],
    )
    compare: list[FieldName] = Field(
        description="Fields compared with the stored record, e.g. ['person_name']",
        examples=[["person_name"]],
    )
    records: Annotated[
        list[dict[Annotated[str, Field(max_length=64)], Value]],
        AfterValidator(_plain_records),
    ] = Field(description="1 to 10,000 records, each naming exactly match_on + compare")


class VerifyResultOut(BaseModel):
    index: int
    result: Literal["match", "not_found", "differs"]
    differs: list[str] = Field(description="Names of the compared fields that differ")


class VerifyCounts(BaseModel):
    match: int
    not_found: int
    differs: int


class VerifyOut(BaseModel):
    dataset: str
    snapshot_id: int | None
    grant_id: int | None
    match_on: list[str]
    compare: list[str]
    counts: VerifyCounts
    results: list[VerifyResultOut]


class MeasureIn(BodyIn):
    """``count``; ``sum`` or ``count_present`` (non-null rows) of ``field``; ``count_not_after``:
    rows where ``field <= than`` (both unmasked numbers, or dates/times)."""

    fn: Literal["count", "sum", "count_present", "count_not_after"]
    field: FieldName | None = None
    than: FieldName | None = None


class AggregateIn(BodyIn):
    """Counts and sums grouped by granted fields; groups under the minimum size suppressed."""

    grant_id: GrantId = None
    group_by: list[FieldName] = Field(default_factory=list)
    measures: list[MeasureIn] = Field(
        default_factory=lambda: [MeasureIn(fn="count")],
        examples=[[{"fn": "count"}, {"fn": "sum", "field": "amount"}]],
    )
    filters: list[ConditionIn] = Field(default_factory=list, max_length=20)


class AggregateGroupColumn(BaseModel):
    name: str
    masked: bool
    mask: str


class AggregateMeasureOut(BaseModel):
    fn: str
    field: str | None
    than: str | None = None
    name: str


class AggregateOut(BaseModel):
    dataset: str
    snapshot_id: int | None
    grant_id: int | None
    group_by: list[AggregateGroupColumn]
    measures: list[AggregateMeasureOut]
    min_group_size: int
    group_count: int
    suppressed_groups: int = Field(description="Groups under the minimum size: not sent")
    groups: list[dict[str, Any]]
