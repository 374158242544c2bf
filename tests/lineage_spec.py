"""Validate OpenLineage events against the specification's own JSON schemas
(``../shared/specs/openlineage``): the core event schema, then every facet against the schema its
name stands for, all through a local ``referencing`` registry — nothing is fetched."""

from __future__ import annotations

import json
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

SPECS = Path(__file__).resolve().parents[2] / "shared" / "specs" / "openlineage"
CORE_ID = "https://openlineage.io/spec/2-0-2/OpenLineage.json"

__all__ = ["SPECS", "NonConformingEvent", "problems", "refuse_nonconforming"]


@lru_cache(maxsize=1)
def _registry() -> tuple[Registry, dict[str, dict[str, Any]]]:
    """The registry of every schema, and each facet's schema by the facet's key in events
    (``columnLineage`` …, the property its schema file defines)."""
    if not SPECS.is_dir():
        raise FileNotFoundError(f"the OpenLineage schemas are read from {SPECS} (../shared/specs)")
    resources = []
    by_key: dict[str, dict[str, Any]] = {}
    for path in [SPECS / "OpenLineage.json", *sorted((SPECS / "facets").glob("*.json"))]:
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources.append((schema["$id"], Resource.from_contents(schema)))
        for key in schema.get("properties", {}):
            by_key[key] = schema
    return Registry().with_resources(resources), by_key


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    registry, _ = _registry()
    return Draft202012Validator(schema, registry=registry, format_checker=FormatChecker())


@lru_cache(maxsize=1)
def _core() -> Draft202012Validator:
    registry, _ = _registry()
    core = registry.contents(CORE_ID)
    return _validator({"$ref": f"{CORE_ID}#/$defs/RunEvent", **_defs(core)})


@cache
def _facet(key: str) -> Draft202012Validator | None:
    """The validator of the facet named ``key`` (one a facet, built once: every stored event of
    the suite is validated, and building one costs more than using it)."""
    _, by_key = _registry()
    schema = by_key.get(key)
    return None if schema is None else _validator(schema)


def problems(payload: dict[str, Any]) -> list[str]:
    """Every way ``payload`` breaks the core schema or a facet's schema; a facet whose name
    the specification does not define is a problem too (Zhongtai emits standard facets only)."""
    found = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _core().iter_errors(payload)
    ]
    for where, facets in _facets(payload):
        for key, facet in facets.items():
            validator = _facet(key)
            if validator is None:
                found.append(f"{where}.{key}: not a facet of the specification")
                continue
            found.extend(
                f"{where}.{key}/{'/'.join(map(str, e.absolute_path))}: {e.message}"
                for e in validator.iter_errors({key: facet})
            )
    return found


def _defs(core: dict[str, Any]) -> dict[str, Any]:
    return {"$schema": core["$schema"]}


def _facets(payload: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = [
        ("run.facets", payload.get("run", {}).get("facets") or {}),
        ("job.facets", payload.get("job", {}).get("facets") or {}),
    ]
    for side, extra in (("inputs", "inputFacets"), ("outputs", "outputFacets")):
        for index, dataset in enumerate(payload.get(side) or []):
            out.append((f"{side}[{index}].facets", dataset.get("facets") or {}))
            out.append((f"{side}[{index}].{extra}", dataset.get(extra) or {}))
    return out


class NonConformingEvent(AssertionError):
    """A test stored a lineage event the OpenLineage schemas refuse."""


def refuse_nonconforming(mapper: object, connection: object, target: Any) -> None:
    """A ``before_insert`` listener on ``LineageEvent`` (``tests/conftest.py``): validate the
    payload about to be stored, raising :class:`NonConformingEvent` with every problem."""
    found = problems(target.payload)
    if found:
        raise NonConformingEvent(f"lineage event {target.job_name!r} breaks the spec: {found}")
