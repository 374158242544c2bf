"""The national catalog fields of a dataset contract (GB/T 21063 style), parsed and checked.

Optional contract keys (all absent means "not catalogued yet", except the share rules below)::

    resource_code: "2.01.003.001/330100RSJ-00001"  # 信息资源代码; generated when absent
    classification: "2.01.003.001"  # 类.项.目.细目, dotted digits (GB/T 21063.4)
    provider_code: "330100RSJ"       # 提供方代码; default: the owner department's code
    format: "数据库/CSV"              # 信息资源格式 (stored as ``resource_format``)
    share_conditions: "…"            # 共享条件: required for a conditional share
    share_method: [api, file]        # 共享方式: api, file, database; default [api] when shared
    open_conditions: "…"             # 开放条件: required for conditional_open
    publication_date: 2024-01-15     # 发布日期
    related_resources: [code, …]     # 关联资源: dataset codes
    tags: [社保, 缴费]

**Share rules** (checked when a contract is parsed, so a contract that breaks one cannot be saved
anywhere — file, CLI, API or portal):

- a ``conditional`` or ``not_shared`` contract needs a legal basis (``share_basis``):
  ``contract.legal_basis_required``;
- a ``conditional`` contract needs ``share_conditions`` (what the requester must show):
  ``contract.share_conditions_required``;
- a ``conditional_open`` contract needs ``open_conditions``: ``contract.open_conditions_required``;
- a ``not_shared`` contract names no ``share_method``: ``contract.share_method_not_shared``.

**Classification** is 类 (1-2 digits, not starting with 0), then optionally 项 (2 digits),
目 (3 digits) and 细目 (3 digits), joined by dots: ``2``, ``2.01``, ``2.01.003``,
``2.01.003.001``. Anything else is ``contract.invalid_classification``.

**Resource code rule** (信息资源代码, after GB/T 21063.4's 前段码/后段码): the classification as
written (``0`` when the contract gives none: 未分类), a slash, the provider code, a hyphen and the
provider's sequence number as five digits — ``2.01.003.001/330100RSJ-00001``. The sequence is one
more than the highest sequence among the catalog's resource codes of that provider, so it never
reuses a number. The code is generated once, when the dataset is first registered, and then kept
for every revision (a revision whose classification changes keeps the code: the code identifies
the resource, it is not re-derived). A contract may give its own code; it must be unique and may
not change on revision. :mod:`catalog.contracts` applies the rule; :func:`resource_code` is it.

Per-field data types are named in GB/T 21063.3 terms by :func:`gbt_data_type`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "SHARE_METHODS",
    "CatalogFieldError",
    "CatalogFields",
    "check_share_terms",
    "gbt_data_type",
    "parse_catalog_fields",
    "resource_code",
]

SHARE_METHODS = ("api", "file", "database")
"""共享方式: through the exchange's API, as files, or by database (库表) exchange."""

_CLASSIFICATION_RE = re.compile(r"[1-9][0-9]?(\.[0-9]{2}(\.[0-9]{3}(\.[0-9]{3})?)?)?")
_RESOURCE_CODE_RE = re.compile(r"[0-9A-Za-z.]{1,20}/[0-9A-Za-z_]{1,32}-[0-9]{5,}")
_DATASET_CODE_RE = re.compile(r"[a-z][a-z0-9_]{0,63}")
_TAG_MAX = 40
_TEXT_MAX = 4000


class CatalogFieldError(ValueError):
    """A catalog field is malformed; ``code`` is the stable code the contract error carries."""

    def __init__(self, message: str, code: str = "contract.invalid") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class CatalogFields:
    """The GB/T 21063 catalog entries of a contract beyond title, summary, owner and fields."""

    resource_code: str = ""
    classification: str = ""
    provider_code: str = ""
    resource_format: str = ""
    share_conditions: str = ""
    share_method: tuple[str, ...] = ()
    open_conditions: str = ""
    publication_date: dt.date | None = None
    related_resources: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


def _text(data: dict[str, Any], key: str, limit: int = _TEXT_MAX) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise CatalogFieldError(f"'{key}' must be text")
    text = str(value).strip()
    if len(text) > limit:
        raise CatalogFieldError(f"'{key}' is longer than {limit} characters")
    return text


def _list(data: dict[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CatalogFieldError(f"'{key}' must be a list of text")
    return tuple(dict.fromkeys(v.strip() for v in value if v.strip()))


def _date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise CatalogFieldError(
            f"'publication_date' {str(value)[:40]!r} is not a date (YYYY-MM-DD)"
        ) from None


def parse_catalog_fields(data: dict[str, Any], *, shared: bool) -> CatalogFields:
    """The catalog keys of a contract mapping; ``shared``: its share type is not not_shared."""
    classification = _text(data, "classification", 20)
    if classification and not _CLASSIFICATION_RE.fullmatch(classification):
        raise CatalogFieldError(
            f"classification {classification!r} is not 类.项.目.细目 dotted digits"
            " (e.g. 2.01.003.001)",
            "contract.invalid_classification",
        )
    code = _text(data, "resource_code", 64)
    if code and not _RESOURCE_CODE_RE.fullmatch(code):
        raise CatalogFieldError(
            f"resource_code {code!r} does not follow 分类/提供方代码-顺序号"
            " (e.g. 2.01.003.001/330100RSJ-00001)",
            "contract.invalid_resource_code",
        )
    provider = _text(data, "provider_code", 32)
    if provider and not re.fullmatch(r"[0-9A-Za-z_]{1,32}", provider):
        raise CatalogFieldError(f"provider_code {provider!r} must be letters and digits")
    methods = _list(data, "share_method")
    unknown = sorted(set(methods) - set(SHARE_METHODS))
    if unknown:
        raise CatalogFieldError(
            f"share_method {unknown} not in {list(SHARE_METHODS)}", "contract.invalid_share_method"
        )
    if not shared and methods:
        raise CatalogFieldError(
            "a not-shared resource names no share_method", "contract.share_method_not_shared"
        )
    related = _list(data, "related_resources")
    for item in related:
        if not _DATASET_CODE_RE.fullmatch(item):
            raise CatalogFieldError(f"related resource {item[:70]!r} is not a dataset code")
    tags = _list(data, "tags")
    if any(len(t) > _TAG_MAX for t in tags) or len(tags) > 50:
        raise CatalogFieldError(f"at most 50 tags of at most {_TAG_MAX} characters")
    return CatalogFields(
        resource_code=code,
        classification=classification,
        provider_code=provider,
        resource_format=_text(data, "format", 100),
        share_conditions=_text(data, "share_conditions"),
        share_method=methods or (("api",) if shared else ()),
        open_conditions=_text(data, "open_conditions"),
        publication_date=_date(data.get("publication_date")),
        related_resources=related,
        tags=tags,
    )


def check_share_terms(
    share_type: str, share_basis: str, open_type: str, fields: CatalogFields
) -> None:
    """Refuse a contract that may not be saved (the share rules of the module docstring)."""
    if share_type in ("conditional", "not_shared") and not share_basis.strip():
        raise CatalogFieldError(
            f"a {share_type} resource needs its legal basis (share_basis)",
            "contract.legal_basis_required",
        )
    if share_type == "conditional" and not fields.share_conditions:
        raise CatalogFieldError(
            "a conditional share needs share_conditions (what a requester must show)",
            "contract.share_conditions_required",
        )
    if open_type == "conditional_open" and not fields.open_conditions:
        raise CatalogFieldError(
            "a conditionally open resource needs open_conditions",
            "contract.open_conditions_required",
        )


def resource_code(classification: str, provider_code: str, sequence: int) -> str:
    """信息资源代码 by the rule of the module docstring."""
    return f"{classification or '0'}/{provider_code}-{sequence:05d}"


_GBT_TYPES: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("DECIMAL", "NUMERIC"), "数值型", "N"),
    (("TINYINT", "SMALLINT", "INTEGER", "INT", "BIGINT", "HUGEINT", "UBIGINT", "UINTEGER"),
     "整型", "I"),
    (("DOUBLE", "FLOAT", "REAL"), "浮点型", "F"),
    (("TIMESTAMP", "DATETIME"), "日期时间型", "T"),
    (("DATE",), "日期型", "D"),
    (("BOOLEAN", "BOOL"), "逻辑型", "L"),
    (("BLOB", "BYTEA"), "通用型", "G"),
)  # fmt: skip


def gbt_data_type(duckdb_type: str) -> tuple[str, str]:
    """(name, letter) of a DuckDB type in GB/T 21063.3 terms: 字符型 C, 数值型 N, 整型 I,
    浮点型 F, 日期型 D, 日期时间型 T, 逻辑型 L, 通用型 G. Anything textual is 字符型."""
    base = re.split(r"[\s(]", duckdb_type.strip().upper(), maxsplit=1)[0]
    for names, label, letter in _GBT_TYPES:
        if base in names or (base.startswith("TIMESTAMP") and letter == "T"):
            return label, letter
    return "字符型", "C"
