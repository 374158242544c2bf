"""A data element's definition as someone submitted it (a YAML file's mapping, a JSON body) →
a checked :class:`schemas.loader.DataElement`, and the canonical form the catalog stores.

Pure: no session. Everything a forged or careless definition could get wrong is refused here with
:class:`catalog.errors.InvalidInput` and one of these codes, before anything is stored:

=========================  =====================================================================
``element.invalid``        not a mapping, an unknown key, a missing or over-long name/standard
``element.bad_code``       the code is not ``[a-z][a-z0-9_]{0,63}``
``element.unknown_check``  a check the quality engine does not know (``schemas.element_checks``)
``element.bad_params``     params the check does not take, lacks, or cannot read
``element.bad_type``       ``duckdb_type`` is not a column type an element may have
``element.bad_mask``       ``default_mask`` is not a mask (``schemas.masks``)
=========================  =====================================================================

Whether a named code list exists is the catalog's question (``catalog.elements``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from catalog.errors import InvalidInput
from schemas.element_checks import check_problem, duckdb_type_problem
from schemas.loader import DataElement
from schemas.masks import MaskSpec

__all__ = [
    "CODE_LIST_NAME",
    "ELEMENT_CODE",
    "code_list_name",
    "definition",
    "definition_sha256",
    "element_spec",
]

ELEMENT_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")
CODE_LIST_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
_KEYS = {
    "code",
    "name_zh",
    "name_en",
    "standard",
    "version",
    "duckdb_type",
    "check",
    "personal",
    "default_mask",
    "params",
    "description",
}
_LIMITS = {"name_zh": 100, "name_en": 200, "standard": 100, "version": 32}


def _invalid(message: str, code: str = "element.invalid") -> InvalidInput:
    return InvalidInput(message, code=code)


def code_list_name(reference: object) -> str:
    """The code list an element's ``params.code_list`` names: ``gb2261_1.csv`` (the shipped
    form) and ``gb2261_1`` are the same list. Refused unless a plain lower-case name."""
    name = str(reference).removesuffix(".csv")
    if not CODE_LIST_NAME.fullmatch(name):
        raise InvalidInput(
            f"code list name {str(reference)[:80]!r} must be lower-case letters, digits and '_', "
            "starting with a letter (no paths)",
            code="code_list.bad_name",
        )
    return name


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool) and key == "version":
        value = str(value)  # version: 2003 in YAML
    if not isinstance(value, str) or not value.strip():
        raise _invalid(f"'{key}' is required and must be text")
    value = value.strip()
    if len(value) > _LIMITS[key]:
        raise _invalid(f"'{key}' may be at most {_LIMITS[key]} characters")
    return value


def _number(value: object, key: str) -> int | float | str:
    if isinstance(value, bool):
        raise _invalid(f"params.{key} must be a number", "element.bad_params")
    try:
        Decimal(str(value))
    except InvalidOperation:
        raise _invalid(f"params.{key} must be a number", "element.bad_params") from None
    return value if isinstance(value, int | float) else str(value)


def _param(check: str, key: str, value: object) -> object:
    """One param, as JSON can hold it, refused when the check could not read it."""
    if key == "code_list":
        return str(value) if code_list_name(value) else value
    if key == "format":  # month: what the value looks like, for people (not compiled)
        if not isinstance(value, str) or len(value) > 32:
            raise _invalid(
                "params.format must be text of at most 32 characters", "element.bad_params"
            )
        return value
    if key == "not_future":
        if not isinstance(value, bool):
            raise _invalid("params.not_future must be true or false", "element.bad_params")
        return value
    if key == "max_length":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 100_000:
            raise _invalid("params.max_length must be 1 to 100000", "element.bad_params")
        return value
    if check == "date":
        text = value.isoformat() if isinstance(value, dt.date) else str(value)
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            raise _invalid(f"params.{key} must be an ISO date", "element.bad_params") from None
        return text
    return _number(value, key)


def element_spec(data: object) -> DataElement:
    """The checked definition in ``data`` (see the module's table for refusals)."""
    if not isinstance(data, Mapping):
        raise _invalid("a data element is a mapping of keys (code, name_zh, check …)")
    unknown = sorted(str(k) for k in set(data) - _KEYS)
    if unknown:
        raise _invalid(f"unknown keys {unknown}; allowed: {sorted(_KEYS)}")
    code = data.get("code")
    if not isinstance(code, str) or not ELEMENT_CODE.fullmatch(code):
        raise _invalid(
            f"code {str(code)[:80]!r} must be lower-case letters, digits and '_', starting with "
            "a letter, at most 64 characters",
            "element.bad_code",
        )
    check = str(data.get("check") or "")
    params = data.get("params") or {}
    if not isinstance(params, Mapping):
        raise _invalid("'params' must be a mapping", "element.bad_params")
    problem = check_problem(check, dict(params))
    if problem is not None:
        unknown_check = "is not one the quality engine knows" in problem
        raise _invalid(problem, "element.unknown_check" if unknown_check else "element.bad_params")
    duckdb_type = str(data.get("duckdb_type") or "VARCHAR").strip().upper()
    problem = duckdb_type_problem(duckdb_type)
    if problem is not None:
        raise _invalid(problem, "element.bad_type")
    try:
        mask = MaskSpec.parse(str(data.get("default_mask") or "none"))
    except ValueError as exc:
        raise _invalid(f"default_mask: {exc}", "element.bad_mask") from None
    personal = data.get("personal", False)
    if not isinstance(personal, bool):
        raise _invalid("'personal' must be true or false")
    description = data.get("description") or ""
    if not isinstance(description, str) or len(description) > 4000:
        raise _invalid("'description' must be text of at most 4000 characters")
    return DataElement(
        code=code,
        name_zh=_text(data, "name_zh"),
        name_en=_text(data, "name_en"),
        standard=_text(data, "standard"),
        version=_text(data, "version"),
        duckdb_type=duckdb_type,
        check=check,
        personal=personal,
        default_mask=mask,
        params={str(k): _param(check, str(k), v) for k, v in params.items()},
        description=description.strip(),
    )


def definition(element: DataElement) -> dict[str, Any]:
    """``element`` as plain JSON-able data, in one canonical shape."""
    params = {
        k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in element.params.items()
    }
    return {
        "code": element.code,
        "name_zh": element.name_zh,
        "name_en": element.name_en,
        "standard": element.standard,
        "version": element.version,
        "duckdb_type": element.duckdb_type,
        "check": element.check,
        "personal": element.personal,
        "default_mask": str(element.default_mask),
        "params": params,
        "description": element.description.strip(),
    }


def definition_sha256(element: DataElement) -> str:
    """SHA-256 of the canonical JSON of ``element``'s definition (key order, no spacing)."""
    text = json.dumps(
        definition(element), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
