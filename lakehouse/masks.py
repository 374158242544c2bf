"""Masks as SQL: how a personal column is shown to a grantee, computed inside DuckDB.

Each :class:`schemas.MaskSpec` compiles to one SQL expression over a column reference that the
caller has already quoted (``lakehouse.connection.quote_ident``). Rows are never fetched and edited
in Python. NULL stays NULL (except under ``redact``, which shows ``***`` whatever is there), and
values too short to mask safely are redacted rather than shown. Every mask but ``none`` yields
text (``drop`` a NULL of type VARCHAR).

============  ==================================================  ================================
spec          shows                                               example
============  ==================================================  ================================
none          the value                                           330106199001011234
keep:F:L      first F and last L characters around ``****``;      keep:6:4 330106****1234,
              the run never varies, so the length stays hidden;   keep:1:0 张****,
              F+L characters or fewer → ``***``                   keep:3:4 138****5678
hash          HMAC-SHA256 (hex) of the text under the grant's     64 hex digits; joinable within
              key; no key → refused                               one grant only
year          the year of a date, timestamp or date text          2023-05-06 → 2023
              (YYYY-MM-DD, YYYY/MM/DD, YYYYMMDD, 2023年…); else
              ``***``
county        a division code of 6+ digits → its first 6;         330106001 → 330106;
              an address → up to its first county-level unit      浙江省杭州市西湖区文三路90号
              (区/县/市/旗, 自治县/自治旗); else ``***``            → 浙江省杭州市西湖区
drop          NULL: the value is never sent                       NULL
redact        ``***``                                             ***
============  ==================================================  ================================

The presets ``id_number``, ``name`` and ``phone`` are ``keep:6:4``, ``keep:1:0`` and ``keep:3:4``.

``hash`` is HMAC-SHA256 (RFC 2104) evaluated by DuckDB from bound parameters: the key never
appears in the SQL text. Python precomputes the two padded key blocks (``K ⊕ ipad``,
``K ⊕ opad``, 64 bytes each) and binds them as BLOBs; DuckDB computes
``sha256(opad ‖ unhex(sha256(ipad ‖ utf8(value))))``. ``mask_sql`` appends those parameters to
``params`` in the order their ``?`` appear, so callers must compile the SELECT list before any
later clause that binds parameters.
"""

from __future__ import annotations

import hashlib
from typing import Any, assert_never

from schemas import MaskKind, MaskSpec

__all__ = ["ADDRESS_COUNTY_RE", "KEEP_RUN", "REDACTED", "hmac_pads", "mask_sql"]

REDACTED = "***"
KEEP_RUN = "****"
"""What stands for the hidden characters of a ``keep`` mask, whatever their number."""

_BLOCK = 64  # SHA-256 block size in bytes

# Han characters that may spell a division name: not digits, Latin letters or the units that
# start a street-level address (road, street, lane, number, building, village, town…).
_NAME = r"[^\P{Han}路街道巷弄号楼室栋幢单元村组镇乡]"
_PROVINCE = (
    rf"(?:{_NAME}{{2,3}}省|(?:内蒙古|广西壮族|西藏|宁夏回族|新疆维吾尔)自治区"
    r"|(?:北京|天津|上海|重庆)市)"
)
_CITY = rf"(?:{_NAME}{{2,4}}?(?:市|地区|盟)|{_NAME}{{2,10}}?自治州)"
_COUNTY = rf"(?:{_NAME}{{1,6}}?[区县市旗]|{_NAME}{{2,12}}?自治[县旗])"
ADDRESS_COUNTY_RE = rf"^({_PROVINCE}?{_CITY}?{_COUNTY})"
"""RE2 pattern: an address's province and city (each optional) and its first county-level unit.

A heuristic that fails closed: an address it cannot read is redacted, and one whose county unit it
cannot tell from a street (路南区, 道里区) is cut back to its city."""

_DIVISION_CODE_RE = r"^[0-9]{6}[0-9]*$"
_YEAR_RE = r"^([0-9]{4})(?:[-/.年]|[0-9]{4}(?:[^0-9]|$)|$)"


def hmac_pads(key: bytes) -> tuple[bytes, bytes]:
    """The HMAC-SHA256 outer and inner key blocks (``K ⊕ opad``, ``K ⊕ ipad``) of ``key``."""
    block = hashlib.sha256(key).digest() if len(key) > _BLOCK else key
    block = block.ljust(_BLOCK, b"\0")
    return bytes(b ^ 0x5C for b in block), bytes(b ^ 0x36 for b in block)


def _literal(text: str) -> str:
    """A constant of this module as an SQL string literal (never used for values or input)."""
    return "'" + text.replace("'", "''") + "'"


def _or_redacted(expression: str) -> str:
    return f"coalesce(nullif({expression}, ''), '{REDACTED}')"


def mask_sql(
    spec: MaskSpec, column: str, params: list[Any], *, hash_key: bytes | None = None
) -> str:
    """The SQL expression showing ``column`` (an already-quoted reference) through ``spec``.

    Bound parameters the expression needs (only ``hash``: the padded key blocks) are appended to
    ``params``. A ``hash`` mask without a key raises ``ValueError``: it never falls back to a
    plain, enumerable SHA-256.
    """
    v = f"CAST({column} AS VARCHAR)"
    kind = spec.kind
    if kind is MaskKind.NONE:
        return column
    if kind is MaskKind.REDACT:
        return f"'{REDACTED}'"
    if kind is MaskKind.DROP:
        return "CAST(NULL AS VARCHAR)"
    if kind is MaskKind.KEEP:
        return (
            f"CASE WHEN {v} IS NULL THEN NULL"
            f" WHEN length({v}) > {spec.first + spec.last}"
            f" THEN left({v}, {spec.first}) || '{KEEP_RUN}' || right({v}, {spec.last})"
            f" ELSE '{REDACTED}' END"
        )
    if kind is MaskKind.HASH:
        if not hash_key:
            raise ValueError("a hash mask needs the grant's key; refusing to hash without one")
        outer, inner = hmac_pads(hash_key)
        params.extend((outer, inner))
        return f"sha256(CAST(? AS BLOB) || unhex(sha256(CAST(? AS BLOB) || encode({v}))))"
    if kind is MaskKind.YEAR:
        year = f"regexp_extract({v}, {_literal(_YEAR_RE)}, 1)"
        return f"CASE WHEN {v} IS NULL THEN NULL ELSE {_or_redacted(year)} END"
    if kind is MaskKind.COUNTY:
        address = f"regexp_extract({v}, {_literal(ADDRESS_COUNTY_RE)}, 1)"
        return (
            f"CASE WHEN {v} IS NULL THEN NULL"
            f" WHEN regexp_matches({v}, {_literal(_DIVISION_CODE_RE)}) THEN left({v}, 6)"
            f" ELSE {_or_redacted(address)} END"
        )
    assert_never(kind)
