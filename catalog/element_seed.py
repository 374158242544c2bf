"""The shipped standards as the catalog's seed: ``schemas/elements/*.yaml`` and
``schemas/codes/*.csv`` loaded into the catalog by the platform itself (``zhongtai init``, the
demo, ``zhongtai element seed``), idempotently.

For each shipped code list, then each shipped element:

- not in the catalog → added (``element.added`` / ``code_list.added``, origin ``shipped``);
- in the catalog as an incomplete mirror (a row written before migration 0011) → completed
  from the file, and audited the same way;
- in the catalog with the same definition (elements: the SHA-256 of the canonical definition, so
  reformatting a YAML file changes nothing; lists: of the file's bytes) → nothing;
- in the catalog with a DIFFERENT definition → **refused**: the catalog's definition is kept (it
  is what past batches were judged by), the difference is audited once as
  ``element.seed_refused`` and returned in :attr:`SeedReport.refused` for the command to print.
  A revised standard is shipped under a new name (``sex_2024``), not by editing a file.

A shipped list's CSV has a ``code`` column and a ``name`` column (the label; GB 32100's table
of authorities and types has ``type_name``); its sidecar
``<name>.yaml`` gives the title (``name_zh``), standard and version. Where a list repeats a
code over time (GB/T 2260: one code, several names in different years) the first label is kept:
membership is what the checks read.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import actions as act
from catalog import audit
from catalog.code_list_csv import ParsedEntry
from catalog.element_events import ElementSeedRefused
from catalog.element_spec import code_list_name, definition, definition_sha256, element_spec
from catalog.element_tables import CodeList
from catalog.elements import (
    ORIGIN_SHIPPED,
    catalog_code_lists,
    catalog_elements,
    store_code_list,
    store_element,
)
from catalog.errors import InvalidInput
from catalog.guard import ensure
from catalog.models import AuditEvent, DataElement, utcnow
from catalog.principals import SYSTEM
from catalog.resources import PLATFORM
from schemas.loader import CODES_DIR, ELEMENTS_DIR, load_elements, parse_element
from schemas.loader import DataElement as ElementSpec

__all__ = ["SeedReport", "element_rows", "seeded_elements", "seed_shipped"]


@dataclass
class SeedReport:
    """What a seed did, by ``element:<code>`` / ``code_list:<name>``."""

    added: list[str] = field(default_factory=list)
    completed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def _shipped_entries(path: Path) -> tuple[ParsedEntry, ...]:
    entries: dict[str, ParsedEntry] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        code_at = header.index("code")
        named = [h for h in ("name", "label", "type_name") if h in header]
        label_at = header.index(named[0]) if named else min(1, len(header) - 1)
        for line, row in enumerate(reader, start=2):
            code = row[code_at].strip()
            if code and code not in entries:
                entries[code] = ParsedEntry(line, code, row[label_at].strip()[:200] or code)
    return tuple(entries.values())


def _sidecar(path: Path) -> dict[str, str]:
    side = path.with_suffix(".yaml")
    data = yaml.safe_load(side.read_text(encoding="utf-8")) if side.is_file() else {}
    data = data if isinstance(data, dict) else {}
    return {
        "title": str(data.get("name_zh") or path.stem)[:200],
        "standard": str(data.get("standard") or "")[:100],
        "version": str(data.get("version") or "")[:32],
    }


def _refuse_once(
    session: Session, report: SeedReport, resource: str, stored: str, shipped: str, now: dt.datetime
) -> None:
    """Record the refusal unless this very difference is already on the record."""
    report.refused.append(resource)
    earlier = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == ElementSeedRefused.action, AuditEvent.object == resource
        )
    )
    if any((e.detail or {}).get("shipped_sha256") == shipped for e in earlier):
        return
    event = ElementSeedRefused(resource=resource, stored_sha256=stored, shipped_sha256=shipped)
    audit.record(session, event, actor=SYSTEM, now=now)


def _seed_list(session: Session, path: Path, report: SeedReport, now: dt.datetime) -> None:
    name = code_list_name(path.name)
    resource = f"code_list:{name}"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    stored = session.scalars(select(CodeList).where(CodeList.name == name)).one_or_none()
    if stored is None:
        store_code_list(
            session, name, _shipped_entries(path), digest,
            origin=ORIGIN_SHIPPED, actor=SYSTEM, now=now, **_sidecar(path),
        )  # fmt: skip
        report.added.append(resource)
    elif stored.content_sha256 == digest:
        report.unchanged.append(resource)
    else:
        _refuse_once(session, report, resource, stored.content_sha256, digest, now)


def _seed_element(
    session: Session, shipped: ElementSpec, report: SeedReport, now: dt.datetime
) -> None:
    spec = element_spec(definition(shipped))
    resource = f"element:{spec.code}"
    row = session.scalars(select(DataElement).where(DataElement.code == spec.code)).one_or_none()
    digest = definition_sha256(spec)
    if row is None or row.origin == "":
        store_element(session, spec, origin=ORIGIN_SHIPPED, actor=SYSTEM, now=now, row=row)
        (report.added if row is None else report.completed).append(resource)
    elif row.definition_sha256 == digest:
        report.unchanged.append(resource)
    else:
        _refuse_once(session, report, resource, row.definition_sha256, digest, now)


def seed_shipped(
    session: Session,
    *,
    elements: Iterable[str] | None = None,
    elements_dir: Path = ELEMENTS_DIR,
    codes_dir: Path = CODES_DIR,
    now: dt.datetime | None = None,
) -> SeedReport:
    """Load the shipped code lists and elements (only ``elements`` and the lists they name,
    when given) into the catalog as the platform; the caller commits."""
    now = now or utcnow()
    ensure(session, SYSTEM, act.ELEMENT_MANAGE, PLATFORM, now=now)
    paths = sorted(elements_dir.glob("*.yaml"))
    specs = {p: parse_element(p) for p in paths}
    if elements is not None:
        wanted = set(elements)
        specs = {p: s for p, s in specs.items() if s.code in wanted}
    needed = {
        code_list_name(s.params["code_list"]) for s in specs.values() if "code_list" in s.params
    }
    report = SeedReport()
    for path in sorted(codes_dir.glob("*.csv")):
        if elements is None or code_list_name(path.name) in needed:
            _seed_list(session, path, report, now)
    for spec in specs.values():
        _seed_element(session, spec, report, now)
    session.flush()
    return report


def seeded_elements(session: Session) -> dict[str, ElementSpec]:
    """The catalog's data elements (``catalog.elements.catalog_elements``), after seeding the
    shipped ones it lacks (or holds only as pre-0011 mirrors): what contract loading should
    parse with, so a catalog that was never seeded still knows the shipped standards, and an
    admin's elements are known too. Seeding happens at most once per catalog; afterwards this
    is one query. The caller commits."""
    known = catalog_elements(session)
    missing = sorted(set(load_elements()) - set(known))
    if missing:
        seed_shipped(session, elements=missing)
        known = catalog_elements(session)
    return known


def element_rows(session: Session, codes: Iterable[str]) -> dict[str, DataElement]:
    """The catalog rows of the data elements ``codes`` (what a contract's fields reference),
    seeding a shipped one the catalog lacks or holds incompletely, never changing one it holds
    whole. A code neither in the catalog nor shipped is ``element.unknown`` (422). This is the
    replacement for ``catalog.datasets``' ``_upsert_element``, which rewrote rows from the files."""
    wanted = list(dict.fromkeys(codes))

    def complete() -> dict[str, DataElement]:
        query = select(DataElement).where(DataElement.code.in_(wanted), DataElement.origin != "")
        return {row.code: row for row in session.scalars(query)}

    rows = complete()
    missing = [code for code in wanted if code not in rows]
    if missing:
        shipped = [code for code in missing if code in load_elements()]
        if shipped:
            seed_shipped(session, elements=shipped)
            rows = complete()
        unknown = [code for code in wanted if code not in rows]
        if unknown:
            raise InvalidInput(
                f"data elements {unknown} are neither in the catalog nor shipped",
                code="element.unknown",
                elements=unknown,
            )
    return rows


def catalog_standards(
    session: Session,
) -> tuple[dict[str, ElementSpec], dict[str, tuple[str, ...]]]:
    """What the quality engine compiles a batch's checks from: the catalog's data elements
    (:func:`seeded_elements`) and its code lists (``catalog.elements.catalog_code_lists``), so an
    admin's element or list applies to the next batch without a restart."""
    return seeded_elements(session), catalog_code_lists(session)
