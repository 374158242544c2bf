"""The checks a data element may name, and the ``params`` each takes.

The quality engine compiles exactly these (``quality.elements.element_checks``; a test in
``tests/quality`` proves the two agree), so the catalog can refuse an element whose check no
engine would run before it is stored (``catalog.elements.add_element``). Plain data: no engine,
no database.

=============  ===================================  ===========================================
check          params (``*`` required)              meaning
=============  ===================================  ===========================================
gb11643        —                                    citizen ID (公民身份号码), GB 11643
gb32100        —                                    unified social credit code, GB 32100
gb11714        —                                    organisation code, GB 11714
gbt2260        code_list                            administrative division, GB/T 2260
code_list      code_list*                           a code of the named code list (代码表)
month          format (documentation only)          ``YYYY-MM``
amount         min, max                             a number within bounds
date           min, max, not_future                 a DATE within bounds
text           max_length                           text of at most so many characters
email          —                                    an e-mail address (RFC 5321 lengths)
mobile         —                                    a mainland mobile number
landline       —                                    ``AREA-LOCAL[-EXT]``
postal_code    —                                    six digits
=============  ===================================  ===========================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ELEMENT_CHECKS", "CheckParams", "check_problem", "duckdb_type_problem"]


@dataclass(frozen=True, slots=True)
class CheckParams:
    """The params a check reads: ``required`` ones must be there, nothing outside ``allowed``."""

    allowed: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()


_NONE = CheckParams()
ELEMENT_CHECKS: dict[str, CheckParams] = {
    "gb11643": _NONE,
    "gb32100": _NONE,
    "gb11714": _NONE,
    "gbt2260": CheckParams(frozenset({"code_list"})),
    "code_list": CheckParams(frozenset({"code_list"}), frozenset({"code_list"})),
    "month": CheckParams(frozenset({"format"})),
    "amount": CheckParams(frozenset({"min", "max"})),
    "date": CheckParams(frozenset({"min", "max", "not_future"})),
    "text": CheckParams(frozenset({"max_length"})),
    "email": _NONE,
    "mobile": _NONE,
    "landline": _NONE,
    "postal_code": _NONE,
}

_DUCKDB_TYPE = re.compile(
    r"VARCHAR|DATE|TIMESTAMP|BOOLEAN|INTEGER|BIGINT|DOUBLE|DECIMAL\((\d{1,2}),\s?(\d{1,2})\)"
)


def check_problem(check: str, params: dict[str, object]) -> str | None:
    """Why ``check`` with ``params`` cannot be an element's, or None when it can."""
    known = ELEMENT_CHECKS.get(check)
    if known is None:
        return f"check '{check}' is not one the quality engine knows ({', '.join(ELEMENT_CHECKS)})"
    missing = sorted(known.required - set(params))
    if missing:
        return f"check '{check}' needs params {missing}"
    extra = sorted(set(params) - known.allowed)
    if extra:
        return f"check '{check}' takes no params {extra}"
    return None


def duckdb_type_problem(duckdb_type: str) -> str | None:
    """Why ``duckdb_type`` is not a column type an element may have, or None."""
    match = _DUCKDB_TYPE.fullmatch(duckdb_type)
    if match is None:
        return (
            f"duckdb_type '{duckdb_type}' is not one of VARCHAR, DATE, TIMESTAMP, BOOLEAN, "
            "INTEGER, BIGINT, DOUBLE, DECIMAL(p,s)"
        )
    if match.group(1) is not None and not int(match.group(2)) <= int(match.group(1)) <= 38:
        return f"duckdb_type '{duckdb_type}': DECIMAL needs scale ≤ precision ≤ 38"
    return None
