"""A batch's rows into its lake tables as the contract's ``publish:`` block says, inside the one
DuckLake transaction of ``lakehouse.publish`` (which opens, tags and commits it).

The inputs are two SQL relations ``lakehouse.publish`` builds from the staging file and the
quality verdict: ``passing`` (rows every rule accepted, with their ``_row``) and ``failing`` (the
others, with a ``failed_rules VARCHAR[]`` column). Failing rows always go to the quarantine table,
which is only ever appended to: it is the history of every batch.

Among the passing rows, when the contract has a primary key, a few are *flagged* first — one scan
with a window over the key (``row_number() OVER (PARTITION BY key ORDER BY _row)``) and, for
``append``, a join with the keys already in the table — into a small temporary table of
``(_row, rule)``:

================================  =========================================================
``primary_key.superseded``        ``duplicate_keys: keep_first|keep_last``: an earlier (or
                                  later) passing copy of the key is the one published; counted
                                  as superseded, not quarantined
``primary_key.unique``            ``duplicate_keys: quarantine`` and the key repeats among the
                                  passing rows (the quality rule already caught it, unless
                                  the batch was published without a verdict)
``primary_key.exists``            ``mode: append`` and the key is already in the lake table
================================  =========================================================

Flagged rows go to the quarantine table with their rule; the rest are written by mode:
``append`` inserts them, ``merge`` runs one ``MERGE INTO`` on the key (DuckLake records an
update as an update pre/post image of the same row id, so the change feed shows ``changed``),
``replace`` deletes every row of the table and inserts them. All of it is in the caller's
transaction: a reader sees the table before the batch or after it, never between.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from lakehouse.connection import quote_ident
from lakehouse.tables import quarantine_table, table
from schemas.loader import DatasetContract

__all__ = ["EXISTS_RULE", "SUPERSEDED_RULE", "UNIQUE_RULE", "Applied", "apply_batch"]

SUPERSEDED_RULE = "primary_key.superseded"
UNIQUE_RULE = "primary_key.unique"
EXISTS_RULE = "primary_key.exists"
_FLAGGED = "zt_publish_flagged"


@dataclass(frozen=True, slots=True)
class Applied:
    published: int
    """Rows of the batch now in the table (inserted, or merged over an old row)."""
    quarantined: int
    """Rows in the quarantine table as failures: the verdict's, cast errors, key rules."""
    superseded: int
    """Rows in the quarantine table as ``primary_key.superseded`` (not failures)."""


def apply_batch(
    con: duckdb.DuckDBPyConnection,
    contract: DatasetContract,
    batch_id: int,
    passing: str,
    failing: str,
) -> Applied:
    """Write the batch in the open transaction of ``con``; the tables must exist."""
    fields = [quote_ident(f.name) for f in contract.fields]
    listed = ", ".join(fields)
    quarantine = quarantine_table(contract)
    quarantined = _count(
        con.execute(
            f"INSERT INTO {quarantine} ({listed}, _batch_id, _row, failed_rules) "
            f"SELECT {listed}, ?, _row, failed_rules FROM ({failing})",
            [batch_id],
        )
    )
    superseded = 0
    accepted = passing
    if contract.primary_key:
        counts = _flag(con, contract, passing)
        superseded = counts.get(SUPERSEDED_RULE, 0)
        quarantined += sum(n for rule, n in counts.items() if rule != SUPERSEDED_RULE)
        if counts:
            con.execute(
                f"INSERT INTO {quarantine} ({listed}, _batch_id, _row, failed_rules) "
                f"SELECT {listed}, ?, p._row, [f.rule] "
                f"FROM ({passing}) AS p JOIN {_FLAGGED} AS f USING (_row)",
                [batch_id],
            )
            accepted = f"SELECT p.* FROM ({passing}) AS p ANTI JOIN {_FLAGGED} AS f USING (_row)"
    mode = contract.publish.mode
    target = table(contract)
    if mode == "merge":
        published = _merge(con, contract, batch_id, accepted)
    else:
        if mode == "replace":
            con.execute(f"DELETE FROM {target}")
        published = _count(
            con.execute(
                f"INSERT INTO {target} ({listed}, _batch_id, _row) "
                f"SELECT {listed}, ?, _row FROM ({accepted})",
                [batch_id],
            )
        )
    con.execute(f"DROP TABLE IF EXISTS {_FLAGGED}")
    return Applied(published, quarantined, superseded)


def _flag(
    con: duckdb.DuckDBPyConnection, contract: DatasetContract, passing: str
) -> dict[str, int]:
    """Fill the temporary table of flagged passing rows; their count per rule."""
    keys = [quote_ident(k) for k in contract.primary_key]
    policy = contract.publish.duplicate_keys
    order = "DESC" if policy == "keep_last" else "ASC"
    over = f"PARTITION BY {', '.join(keys)}"
    ranked = (
        f"SELECT p._row, {', '.join(f'p.{k}' for k in keys)}, "
        f"row_number() OVER ({over} ORDER BY p._row {order}) AS _zt_rank, "
        f"count(*) OVER ({over}) AS _zt_copies FROM ({passing}) AS p"
    )
    if policy == "quarantine":
        duplicate = f"WHEN r._zt_copies > 1 THEN '{UNIQUE_RULE}'"
    else:
        duplicate = f"WHEN r._zt_rank > 1 THEN '{SUPERSEDED_RULE}'"
    exists = ""
    joined = ""
    if contract.publish.mode == "append":
        on = " AND ".join(f"l.{k} IS NOT DISTINCT FROM r.{k}" for k in keys)
        joined = (
            f" LEFT JOIN (SELECT DISTINCT {', '.join(keys)}, true AS _zt_found "
            f"FROM {table(contract)}) AS l ON {on}"
        )
        exists = f" WHEN l._zt_found THEN '{EXISTS_RULE}'"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {_FLAGGED} AS SELECT _row, rule FROM ("
        f"SELECT r._row, CASE {duplicate}{exists} END AS rule FROM ({ranked}) AS r{joined}"
        f") WHERE rule IS NOT NULL"
    )
    rows = con.execute(f"SELECT rule, count(*) FROM {_FLAGGED} GROUP BY rule").fetchall()
    return {str(rule): int(n) for rule, n in rows}


def _merge(
    con: duckdb.DuckDBPyConnection, contract: DatasetContract, batch_id: int, accepted: str
) -> int:
    """Upsert the accepted rows on the key (unique among them: duplicates were flagged)."""
    names = [quote_ident(f.name) for f in contract.fields] + ["_batch_id", "_row"]
    on = " AND ".join(
        f"t.{quote_ident(k)} IS NOT DISTINCT FROM s.{quote_ident(k)}" for k in contract.primary_key
    )
    listed = ", ".join(names)
    values = ", ".join(f"s.{n}" for n in names)
    return _count(
        con.execute(
            f"MERGE INTO {table(contract)} AS t USING ("
            f"SELECT {', '.join(names[:-2])}, CAST(? AS BIGINT) AS _batch_id, _row "
            f"FROM ({accepted})) AS s ON {on} "
            f"WHEN MATCHED THEN UPDATE SET {', '.join(f'{n} = s.{n}' for n in names)} "
            f"WHEN NOT MATCHED THEN INSERT ({listed}) VALUES ({values})",
            [batch_id],
        )
    )


def _count(result: duckdb.DuckDBPyConnection) -> int:
    row = result.fetchone()
    return int(row[0]) if row else 0
