"""Quarantined rows as a steward may see them: failing rules named, personal fields masked.

``lake.<code>__quarantine`` keeps every row of a batch that failed a rule, with the rule codes in
``failed_rules``, unmasked (it is the evidence the provider answers for). Every view of it — the
report page, the API, the CLI — reads it through :func:`quarantine_sample`, which masks each
personal field INSIDE DuckDB with :func:`lakehouse.masks.mask_sql`: the field's contract mask, or
``redact`` for a personal field whose contract names none or names ``hash`` (a keyed hash needs a
grant's key, and a sample is read under no grant). Raw personal values never reach Python.
"""

from __future__ import annotations

from typing import Any

import duckdb

from lakehouse.connection import LAKE, quote_ident
from lakehouse.masks import mask_sql
from lakehouse.tables import QUARANTINE_SUFFIX, quarantine_table
from schemas import MaskKind, MaskSpec
from schemas.loader import DatasetContract, FieldSpec

__all__ = ["quarantine_sample", "shown_mask"]

SAMPLE_LIMIT_MAX = 1000


def shown_mask(spec: FieldSpec) -> MaskSpec:
    """How ``spec`` is shown in a quarantine sample: never in clear when it is personal."""
    if spec.mask.kind is MaskKind.HASH or (spec.personal and not spec.mask.masked):
        return MaskSpec(MaskKind.REDACT)
    return spec.mask


def quarantine_sample(
    con: duckdb.DuckDBPyConnection, contract: DatasetContract, batch_id: int, limit: int = 20
) -> list[dict[str, Any]]:
    """Up to ``limit`` (at most 1000) quarantined rows of ``batch_id`` in source order.

    Each row is a dict of ``_row`` (the 1-based data row of the source file), ``failed_rules``
    (the rule codes, sorted) and the contract's fields, personal ones masked. ``con`` must have
    the lake attached (``lakehouse.connection.connect(settings)``); an unpublished dataset, whose
    quarantine table does not exist yet, has no sample.
    """
    if not _exists(con, contract):
        return []
    params: list[Any] = []  # the SELECT list's parameters come first
    columns = ", ".join(
        f"{mask_sql(shown_mask(f), quote_ident(f.name), params)} AS {quote_ident(f.name)}"
        for f in contract.fields
    )
    cursor = con.execute(
        f"SELECT _row, list_sort(failed_rules) AS failed_rules, {columns} "
        f"FROM {quarantine_table(contract)} WHERE _batch_id = ? ORDER BY _row LIMIT ?",
        [*params, int(batch_id), min(max(int(limit), 0), SAMPLE_LIMIT_MAX)],
    )
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _exists(con: duckdb.DuckDBPyConnection, contract: DatasetContract) -> bool:
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' "
        "AND table_name = ?",
        [LAKE, contract.table_name + QUARANTINE_SUFFIX],
    ).fetchone()
    return bool(found and found[0])
