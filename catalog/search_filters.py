"""The filters of a catalog search, checked once: :meth:`SearchFilters.parse` turns what a
person typed (the API's query string, the CLI's options, the portal's form) into a frozen value
or refuses it with ``search.bad_filter`` naming the filter and the values it accepts."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from catalog.errors import InvalidInput
from schemas import Grade, ShareType

__all__ = ["CYCLES", "FRESHNESS", "SearchFilters"]

CYCLES = ("realtime", "daily", "weekly", "monthly", "quarterly", "yearly", "irregular")
"""Update cycles a contract may declare (``schemas.loader``)."""
FRESHNESS = ("fresh", "stale", "unpublished", "irregular")
_DEPARTMENT = re.compile(r"^[0-9A-Za-z_-]{1,32}$")
_MAX_VALUES = 20


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """Owner department codes, share types, grades, update cycles (any of each); ``fresh``:
    True for fresh datasets only, False for the others (stale, unpublished, irregular),
    None for all."""

    departments: tuple[str, ...] = ()
    share_types: tuple[str, ...] = ()
    grades: tuple[str, ...] = ()
    cycles: tuple[str, ...] = ()
    fresh: bool | None = None

    @classmethod
    def parse(
        cls,
        *,
        departments: Iterable[str] = (),
        share_types: Iterable[str] = (),
        grades: Iterable[str] = (),
        cycles: Iterable[str] = (),
        fresh: str | bool | None = None,
    ) -> SearchFilters:
        return cls(
            departments=_values("department", departments, None),
            share_types=_values("share_type", share_types, tuple(s.value for s in ShareType)),
            grades=_values("grade", grades, tuple(g.value for g in Grade)),
            cycles=_values("cycle", cycles, CYCLES),
            fresh=_fresh(fresh),
        )

    def as_query(self) -> list[tuple[str, str]]:
        """The filters as query-string pairs (the portal's links keep them)."""
        pairs = [("department", d) for d in self.departments]
        pairs += [("share_type", s) for s in self.share_types]
        pairs += [("grade", g) for g in self.grades]
        pairs += [("cycle", c) for c in self.cycles]
        if self.fresh is not None:
            pairs.append(("fresh", "true" if self.fresh else "false"))
        return pairs


def _bad(name: str, value: str, allowed: Iterable[str] | None) -> InvalidInput:
    hint = f"; one of {', '.join(allowed)}" if allowed is not None else ""
    return InvalidInput(
        f"bad search filter {name}={value[:40]!r}{hint}",
        code="search.bad_filter",
        filter=name,
    )


def _values(name: str, given: Iterable[str], allowed: tuple[str, ...] | None) -> tuple[str, ...]:
    found: list[str] = []
    for raw in given:
        for value in (v.strip() for v in str(raw).split(",")):
            if not value:
                continue
            if allowed is not None and value not in allowed:
                raise _bad(name, value, allowed)
            if allowed is None and not _DEPARTMENT.match(value):
                raise _bad(name, value, None)
            if value not in found:
                found.append(value)
    if len(found) > _MAX_VALUES:
        raise _bad(name, ",".join(found), None)
    return tuple(found)


def _fresh(value: str | bool | None) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = value.strip().lower()
    if text in ("", "any"):
        return None
    if text in ("true", "1", "yes", "fresh"):
        return True
    if text in ("false", "0", "no", "stale"):
        return False
    raise _bad("fresh", value, ("true", "false"))
