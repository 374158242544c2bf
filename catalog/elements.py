"""The data-element registry: data elements (数据元) and code lists (代码表) held in the catalog,
added by admins, read by the quality engine at run time.

The catalog row is the definition: :func:`catalog_elements` turns the stored rows into the
:class:`schemas.loader.DataElement` values contracts are parsed with and checks compile from,
and :func:`catalog_code_lists` gives the quality engine every list's codes
(``quality.code_lists.ensure_code_lists(..., lists=…)``). Nothing is cached across calls.

Adding is decided as ``element.manage`` (admins; the platform for the shipped seed,
``catalog.element_seed``) and audited (``catalog.element_events``); reading as ``element.view``.
Additions never replace: an element code or a list name already in the catalog is
``element.exists`` / ``code_list.exists`` (409). A revised standard is added under a new name
(``sex_2024``) and contracts move to it; the old definition stays what existing reports were
judged by. An element whose check names a code list the catalog lacks is refused
(``element.unknown_code_list``). Everything is checked before the first row is written, and
all of an addition is in the caller's one transaction, so nothing is ever half-written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog import actions as act
from catalog import audit
from catalog.code_list_csv import ParsedEntry, parse_code_list
from catalog.element_events import CodeListAdded, ElementAdded
from catalog.element_spec import code_list_name, definition, definition_sha256, element_spec
from catalog.element_tables import CodeList, CodeListEntry
from catalog.errors import Conflict, InvalidInput, NotFound
from catalog.guard import ensure
from catalog.models import DataElement, utcnow
from catalog.principals import Principal
from catalog.resources import PLATFORM
from schemas.loader import DataElement as ElementSpec
from schemas.masks import MaskSpec

__all__ = [
    "ORIGIN_ADMIN",
    "ORIGIN_SHIPPED",
    "add_code_list",
    "add_element",
    "catalog_code_lists",
    "catalog_elements",
    "code_list_values",
    "element_of_row",
    "get_code_list",
    "list_code_lists",
    "list_elements",
    "store_code_list",
    "store_element",
]

ORIGIN_ADMIN = "admin"
ORIGIN_SHIPPED = "shipped"
_META_LIMITS = {"title": 200, "standard": 100, "version": 32}


# --- reading ------------------------------------------------------------------------------------


def element_of_row(row: DataElement) -> ElementSpec:
    """The definition a stored row holds."""
    return ElementSpec(
        code=row.code,
        name_zh=row.name_zh,
        name_en=row.name_en,
        standard=row.standard,
        version=row.version,
        duckdb_type=row.duckdb_type,
        check=row.check,
        personal=row.personal,
        default_mask=MaskSpec.parse(row.default_mask),
        params=dict(row.params or {}),
        description=row.description,
    )


def _complete_rows(session: Session) -> list[DataElement]:
    """Rows holding a whole definition (not the partial mirrors of a catalog before 0011)."""
    query = select(DataElement).where(DataElement.origin != "").order_by(DataElement.code)
    return list(session.scalars(query))


def catalog_elements(session: Session) -> dict[str, ElementSpec]:
    """Every data element the catalog holds whole, by code: what contracts bind fields to and
    what the quality engine compiles checks from. No access decision: this is the platform's
    own read (the pipeline's); people list elements through :func:`list_elements`."""
    return {row.code: element_of_row(row) for row in _complete_rows(session)}


def _code_list(session: Session, name: str) -> CodeList | None:
    return session.scalars(select(CodeList).where(CodeList.name == name)).one_or_none()


def code_list_values(session: Session, name: str) -> tuple[str, ...]:
    """The codes of the list ``name`` (``gb2261_1`` or ``gb2261_1.csv``), in file order."""
    found = _code_list(session, code_list_name(name))
    if found is None:
        raise NotFound(f"no code list {name!r}", code="code_list.not_found", name=name)
    query = (
        select(CodeListEntry.code)
        .where(CodeListEntry.code_list_id == found.id)
        .order_by(CodeListEntry.position)
    )
    return tuple(session.scalars(query))


def catalog_code_lists(session: Session) -> dict[str, tuple[str, ...]]:
    """Every code list's codes by name: the mapping ``quality.code_lists`` loads tables from."""
    rows = session.execute(
        select(CodeList.name, CodeListEntry.code)
        .join(CodeListEntry, CodeListEntry.code_list_id == CodeList.id)
        .order_by(CodeList.name, CodeListEntry.position)
    )
    lists: dict[str, list[str]] = {}
    for name, code in rows:
        lists.setdefault(name, []).append(code)
    return {name: tuple(codes) for name, codes in lists.items()}


def list_elements(session: Session, actor: Principal) -> list[DataElement]:
    """Every whole element row, by code (``element.view``)."""
    ensure(session, actor, act.ELEMENT_VIEW, PLATFORM)
    return _complete_rows(session)


def list_code_lists(session: Session, actor: Principal) -> list[CodeList]:
    """Every code list (without its entries), by name (``element.view``)."""
    ensure(session, actor, act.ELEMENT_VIEW, PLATFORM)
    return list(session.scalars(select(CodeList).order_by(CodeList.name)))


def get_code_list(session: Session, actor: Principal, name: str) -> CodeList:
    """One code list with its entries (``element.view``); ``code_list.not_found`` otherwise."""
    ensure(session, actor, act.ELEMENT_VIEW, PLATFORM)
    found = _code_list(session, code_list_name(name))
    if found is None:
        raise NotFound(f"no code list {name!r}", code="code_list.not_found", name=name)
    return found


# --- adding -------------------------------------------------------------------------------------


def _element_row(session: Session, code: str) -> DataElement | None:
    return session.scalars(select(DataElement).where(DataElement.code == code)).one_or_none()


def _referenced_lists(session: Session, spec: ElementSpec) -> None:
    reference = spec.params.get("code_list")
    if reference is None:
        return
    name = code_list_name(reference)
    if _code_list(session, name) is None:
        raise InvalidInput(
            f"element {spec.code!r} names code list {name!r}, which the catalog does not hold; "
            "add the code list first",
            code="element.unknown_code_list",
            code_list=name,
        )


def store_element(
    session: Session,
    spec: ElementSpec,
    *,
    origin: str,
    actor: Principal,
    now: dt.datetime,
    row: DataElement | None = None,
) -> DataElement:
    """Write ``spec`` (checked) into ``row`` or a new row and audit it. The callers decide."""
    if row is None:
        row = DataElement(code=spec.code)
        session.add(row)
    digest = definition_sha256(spec)
    row.name_zh, row.name_en = spec.name_zh, spec.name_en
    row.standard, row.version = spec.standard, spec.version
    row.check, row.personal = spec.check, spec.personal
    row.duckdb_type, row.default_mask = spec.duckdb_type, str(spec.default_mask)
    row.params = dict(spec.params)
    row.description = spec.description.strip()
    row.origin, row.definition_sha256 = origin, digest
    row.added_by_account_id = None if actor.is_system else actor.account_id
    row.added_at = now
    session.flush()
    audit.record(
        session,
        ElementAdded(
            resource=f"element:{spec.code}",
            code=spec.code,
            check=spec.check,
            standard=spec.standard,
            version=spec.version,
            origin=origin,
            definition_sha256=digest,
        ),
        actor=actor,
        now=now,
    )
    return row


def add_element(
    session: Session, spec: object, actor: Principal, *, now: dt.datetime | None = None
) -> DataElement:
    """Add the data element defined by ``spec`` (a mapping as in ``schemas/elements/*.yaml``,
    or a :class:`schemas.loader.DataElement`) as ``actor`` (an admin). Refusals: the decision's
    (audited), ``catalog.element_spec``'s codes, ``element.unknown_code_list``,
    ``element.exists``."""
    now = now or utcnow()
    ensure(session, actor, act.ELEMENT_MANAGE, PLATFORM, now=now)
    checked = element_spec(definition(spec) if isinstance(spec, ElementSpec) else spec)
    _referenced_lists(session, checked)
    exists = Conflict(
        f"data element {checked.code!r} is already in the catalog; add a revised standard "
        "under a new code",
        code="element.exists",
        element=checked.code,
    )
    if _element_row(session, checked.code) is not None:
        raise exists
    with _racing(session, exists):
        return store_element(session, checked, origin=ORIGIN_ADMIN, actor=actor, now=now)


@contextmanager
def _racing(session: Session, exists: Conflict) -> Iterator[None]:
    """Another admin added the same name between our check and our insert: the unique index
    refuses the second, which is answered as the conflict it is (the transaction rolled back)."""
    try:
        yield
    except IntegrityError:
        session.rollback()
        raise exists from None


def _meta(value: str, key: str) -> str:
    text = value.strip()
    if len(text) > _META_LIMITS[key]:
        raise InvalidInput(
            f"{key} may be at most {_META_LIMITS[key]} characters", code="code_list.invalid"
        )
    return text


def store_code_list(
    session: Session,
    name: str,
    entries: tuple[ParsedEntry, ...],
    file_sha256: str,
    *,
    title: str,
    standard: str,
    version: str,
    origin: str,
    actor: Principal,
    now: dt.datetime,
) -> CodeList:
    """Write a checked list and all its entries, and audit it. The callers decide."""
    found = CodeList(
        name=name,
        title=title,
        standard=standard,
        version=version,
        origin=origin,
        content_sha256=file_sha256,
        entry_count=len(entries),
        added_by_account_id=None if actor.is_system else actor.account_id,
        added_at=now,
    )
    session.add(found)
    session.flush()
    session.execute(  # one executemany: GB/T 2260 is seven thousand rows
        insert(CodeListEntry),
        [
            {
                "code_list_id": found.id,
                "position": i,
                "code": e.code,
                "label": e.label,
                "parent": e.parent,
            }
            for i, e in enumerate(entries, start=1)
        ],
    )
    audit.record(
        session,
        CodeListAdded(
            resource=f"code_list:{name}",
            name=name,
            title=title,
            standard=standard,
            version=version,
            entries=len(entries),
            origin=origin,
            file_sha256=file_sha256,
        ),
        actor=actor,
        now=now,
    )
    return found


def add_code_list(
    session: Session,
    name: str,
    data: bytes,
    actor: Principal,
    *,
    title: str = "",
    standard: str = "",
    version: str = "",
    now: dt.datetime | None = None,
) -> CodeList:
    """Add the code list ``name`` from the CSV file ``data`` (``code,label[,parent]``; UTF-8 or
    GBK/GB18030) as ``actor`` (an admin). Refusals: the decision's (audited),
    ``code_list.bad_name``, ``code_list.exists``, and ``catalog.code_list_csv``'s codes."""
    now = now or utcnow()
    ensure(session, actor, act.ELEMENT_MANAGE, PLATFORM, now=now)
    checked_name = code_list_name(name) if not name.endswith(".csv") else ""
    if not checked_name:
        raise InvalidInput(
            f"code list name {name[:80]!r} must be a plain name, not a file name",
            code="code_list.bad_name",
        )
    meta = {
        "title": _meta(title, "title"),
        "standard": _meta(standard, "standard"),
        "version": _meta(version, "version"),
    }
    entries = parse_code_list(data)
    exists = Conflict(
        f"code list {checked_name!r} is already in the catalog; add a revised list under a "
        "new name",
        code="code_list.exists",
        name=checked_name,
    )
    if _code_list(session, checked_name) is not None:
        raise exists
    with _racing(session, exists):
        return store_code_list(
            session,
            checked_name,
            entries,
            hashlib.sha256(data).hexdigest(),
            origin=ORIGIN_ADMIN,
            actor=actor,
            now=now,
            **meta,
        )
