"""The joined view of a scenario (应用场景) as ONE DuckDB statement over its members' plans.

Each member's :class:`catalog.policy.AccessPlan` — built by the one access decision, so it carries
that member grant's columns, masks, row filter and region bound — becomes a CTE whose columns are
compiled by ``lakehouse.read.shown_sql`` (each grant's own ``hash`` key) and whose conditions by
``lakehouse.read.condition_sql``, reading the member's table at its snapshot. Each CTE adds two
columns the reader never receives:

- ``zt_key``: HMAC-SHA256 of the stored join field under the *scenario's* key
  (``catalog.keys.scenario_key``), bound as parameters like every hash mask
  (``lakehouse.masks``): per-grant keys differ, so a grant's hashed key cannot join across
  members, and a masked key joins without ever being shown;
- ``zt_rid``: the DuckLake row id, so the reader can count each member's rows delivered.

The statement left-joins every member to the anchor on ``zt_key`` and orders by the anchor's
``zt_key`` and the row ids: an order that reveals nothing of a masked key. The output names each
column ``dataset.field``; the join field is shown only as the anchor's plan shows it, and each
other member adds ``dataset.matched`` (whether it holds a row for the person within its grant).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from catalog.policy import AccessPlan
from lakehouse.connection import LAKE, quote_ident
from lakehouse.masks import mask_sql
from lakehouse.read import column_sql, condition_sql, shown_sql
from schemas import MaskKind, MaskSpec

__all__ = ["JoinMember", "JoinedSql", "compile_joined", "rowid_column"]

_HASH = MaskSpec(MaskKind.HASH)
_ALIAS = "src"


@dataclass(frozen=True, slots=True)
class JoinMember:
    """One member of the join: its dataset code, its plan, and the snapshot it is read at."""

    dataset_code: str
    plan: AccessPlan
    snapshot_id: int


@dataclass(frozen=True, slots=True)
class JoinedSql:
    sql: str
    params: list[Any]
    columns: tuple[str, ...]
    """The output columns the reader receives, in order."""
    masked_columns: tuple[str, ...]
    member_columns: tuple[tuple[str, ...], ...]
    """Per member, the output columns that come from it."""


def rowid_column(index: int) -> str:
    """The hidden column of member ``index``'s row id (dropped before anything is sent)."""
    return f"zt_rid_{index}"


def _cte(member: JoinMember, join_field: str, key: bytes, params: list[Any]) -> str:
    plan = member.plan
    shown = [
        f"{shown_sql(c, params, hash_key=plan.hash_key)} AS c{i}"
        for i, c in enumerate(plan.columns)
    ]
    joined = mask_sql(_HASH, column_sql(join_field, _ALIAS), params, hash_key=key)
    select = ", ".join([*shown, f"{joined} AS zt_key", f"{_ALIAS}.rowid AS zt_rid"])
    sql = f"SELECT {select} FROM {LAKE}.{quote_ident(plan.table)} AS {_ALIAS} AT (VERSION => ?)"
    params.append(member.snapshot_id)
    where = [f"({condition_sql(c, params)})" for c in plan.conditions]
    if where:
        sql += f" WHERE {' AND '.join(where)}"
    return sql


def compile_joined(
    members: Sequence[JoinMember],
    join_field: str,
    key: bytes,
    *,
    limit: int,
    offset: int,
) -> JoinedSql:
    """SQL text and bound parameters of the joined view; ``members[0]`` is the anchor."""
    if not members:
        raise ValueError("a joined view needs at least one member")
    if not key:
        raise ValueError("a joined view needs the scenario's key")
    params: list[Any] = []
    ctes = [f"m{i} AS ({_cte(m, join_field, key, params)})" for i, m in enumerate(members)]
    select: list[str] = []
    columns: list[str] = []
    masked: list[str] = []
    per_member: list[tuple[str, ...]] = []
    for i, member in enumerate(members):
        mine: list[str] = []
        for j, column in enumerate(member.plan.columns):
            if i > 0 and column.name == join_field:
                continue  # the key is shown only as the anchor shows it
            name = f"{member.dataset_code}.{column.name}"
            select.append(f"m{i}.c{j} AS {quote_ident(name)}")
            mine.append(name)
            if column.mask.masked:
                masked.append(name)
        if i > 0:
            name = f"{member.dataset_code}.matched"
            select.append(f"(m{i}.zt_rid IS NOT NULL) AS {quote_ident(name)}")
            mine.append(name)
        columns.extend(mine)
        per_member.append(tuple(mine))
    select.extend(f"m{i}.zt_rid AS {rowid_column(i)}" for i in range(len(members)))
    sql = f"WITH {', '.join(ctes)} SELECT {', '.join(select)} FROM m0"
    for i in range(1, len(members)):
        sql += f" LEFT JOIN m{i} ON m{i}.zt_key = m0.zt_key"
    order = ["m0.zt_key", *(f"m{i}.zt_rid" for i in range(len(members)))]
    sql += f" ORDER BY {', '.join(order)} LIMIT ? OFFSET ?"
    params.extend((limit, offset))
    return JoinedSql(sql, params, tuple(columns), tuple(masked), tuple(per_member))
