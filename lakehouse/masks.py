"""Masks as SQL: how a personal column is shown to a grantee, computed inside DuckDB.

Each :class:`schemas.MaskKind` compiles to one SQL expression over a column reference that the
caller has already quoted (``lakehouse.connection.quote_ident``). Rows are never fetched and edited
in Python. NULL stays NULL (except under ``redact``, which shows ``***`` whatever is there), and
values too short to mask safely are redacted rather than shown.

=========  ========================================  =====================
kind       shows                                     example
=========  ========================================  =====================
none       the value                                 330106199001011234
id_number  first 6, eight ``*``, last 4              330106********1234
name       first character, ``*`` for each other     张**
phone      first 3, four ``*``, last 4               138****5678
hash       SHA-256 hex of the text                   joinable, not readable
redact     ``***``                                   ***
=========  ========================================  =====================
"""

from __future__ import annotations

from schemas import MaskKind

__all__ = ["REDACTED", "mask_sql"]

REDACTED = "***"

_TEMPLATES: dict[MaskKind, str] = {
    MaskKind.NONE: "{col}",
    MaskKind.ID_NUMBER: (
        "CASE WHEN {v} IS NULL THEN NULL"
        " WHEN length({v}) > 10 THEN left({v}, 6) || '********' || right({v}, 4)"
        " ELSE '***' END"
    ),
    MaskKind.NAME: (
        "CASE WHEN {v} IS NULL THEN NULL"
        " ELSE left({v}, 1) || repeat('*', greatest(length({v}) - 1, 0)) END"
    ),
    MaskKind.PHONE: (
        "CASE WHEN {v} IS NULL THEN NULL"
        " WHEN length({v}) > 7 THEN left({v}, 3) || '****' || right({v}, 4)"
        " ELSE '***' END"
    ),
    MaskKind.HASH: "sha256({v})",
    MaskKind.REDACT: "'***'",
}


def mask_sql(kind: MaskKind, column: str) -> str:
    """The SQL expression showing ``column`` (an already-quoted reference) through ``kind``."""
    return _TEMPLATES[kind].format(col=column, v=f"CAST({column} AS VARCHAR)")
