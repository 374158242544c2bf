"""What the responsibility and demand lists accept as input, checked once for every edge.

Free text (titles, duties, legal bases, scenarios, reasons) is kept exactly as written —
Chinese full-width punctuation such as "《》（）" is right in Chinese text and is not folded — but
trimmed of surrounding white space (the ideographic space U+3000 included), refused when empty,
over its length, or carrying control characters, NUL or lone surrogates. Codes and enumerated
values (department and dataset codes, update cycles) are folded with NFKC first, so "ＤＡＩＬＹ"
or "３３０１００ＲＳＪ" typed on a Chinese keyboard mean what they look like. Every refusal is an
``InvalidInput`` with the stable code the caller names.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable

from catalog.errors import InvalidInput
from catalog.list_tables import UPDATE_CYCLES

__all__ = [
    "LONG_TEXT",
    "MAX_FIELDS",
    "SHORT_TEXT",
    "code_text",
    "cycle",
    "field_list",
    "free_text",
    "quality_score",
]

SHORT_TEXT = 200
"""Titles (the columns are ``String(200)``)."""
LONG_TEXT = 2000
"""Duties, legal bases, scenarios, legal duties, reasons."""
MAX_FIELDS = 50
"""Fields a demand may name."""
FIELD_TEXT = 64

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_LINE_BREAK = re.compile(r"[\r\n\t]")


def free_text(
    value: object, what: str, *, limit: int, code: str, required: bool = True, lines: bool = False
) -> str:
    """``value`` trimmed; refused if not text, empty (when ``required``), longer than ``limit``
    characters, or carrying control characters (line breaks only where ``lines``)."""
    if not isinstance(value, str):
        raise InvalidInput(f"{what} must be text", code=code, field=what)
    text = value.strip()
    if not text and required:
        raise InvalidInput(f"{what} must not be empty", code=code, field=what)
    if len(text) > limit:
        raise InvalidInput(
            f"{what} is {len(text)} characters long; at most {limit} are allowed",
            code=code,
            field=what,
        )
    found = _CONTROL.search(_LINE_BREAK.sub(" ", text) if lines else text)
    if found is not None or (not lines and _LINE_BREAK.search(text)):
        raise InvalidInput(f"{what} must not contain control characters", code=code, field=what)
    return text


def code_text(value: object, what: str, *, code: str) -> str:
    """A department or dataset code: NFKC-folded, trimmed, one line, at most 64 characters."""
    folded = unicodedata.normalize("NFKC", value) if isinstance(value, str) else value
    return free_text(folded, what, limit=64, code=code)


def cycle(value: object, *, code: str) -> str:
    """An update cycle of the contracts (``realtime`` … ``irregular``), NFKC-folded, any case."""
    text = code_text(value, "update_cycle", code=code).lower()
    if text not in UPDATE_CYCLES:
        raise InvalidInput(
            f"update cycle {text!r} is not one of {', '.join(UPDATE_CYCLES)}",
            code=code,
            field="update_cycle",
        )
    return text


def quality_score(value: object, *, code: str) -> float:
    """A minimum quality score on ``QualityReport.score``'s scale: 0 to 100, two decimals."""
    if isinstance(value, str):
        value = unicodedata.normalize("NFKC", value).strip()
    try:
        number = float(value) if isinstance(value, int | float | str) else math.nan
    except ValueError:
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number) or not 0 <= number <= 100:
        raise InvalidInput(
            f"minimum quality score {value!r} is not a number from 0 to 100",
            code=code,
            field="min_quality_score",
        )
    return round(number, 2)


def field_list(values: Iterable[object], *, code: str) -> list[str]:
    """The fields a demand names: each trimmed, non-empty, at most 64 characters; duplicates
    dropped (first kept); at most 50."""
    if isinstance(values, str):
        values = [values]
    seen: list[str] = []
    for value in values:
        text = free_text(value, "fields_wanted", limit=FIELD_TEXT, code=code)
        if text not in seen:
            seen.append(text)
        if len(seen) > MAX_FIELDS:
            raise InvalidInput(
                f"a demand names at most {MAX_FIELDS} fields", code=code, field="fields_wanted"
            )
    return seen
