"""Departments (member organisations), each placed in a GB/T 2260 administrative division.

:func:`add_department` is the audited, access-checked way in (``department.manage``: admins,
and the platform itself); :func:`upsert_department` is the unchecked one the demo and tests
seed with.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import actions as act
from catalog import audit
from catalog.contract_events import DepartmentSaved
from catalog.errors import Conflict, InvalidInput, NotFound
from catalog.guard import ensure
from catalog.models import Department
from catalog.principals import Principal
from catalog.resources import PLATFORM
from schemas.loader import CODES_DIR

__all__ = [
    "add_department",
    "get_department",
    "known_region_codes",
    "list_departments",
    "upsert_department",
]

_REGION_RE = re.compile(r"[0-9]{6}")
_CODE_RE = re.compile(r"[0-9A-Za-z_]{1,32}")


@lru_cache(maxsize=1)
def known_region_codes() -> frozenset[str]:
    """Every code in the shipped GB/T 2260 list (``schemas/codes/gb2260.csv``), any period."""
    with (CODES_DIR / "gb2260.csv").open(encoding="utf-8", newline="") as handle:
        return frozenset(row["code"] for row in csv.DictReader(handle))


def _check_region(region_code: str) -> None:
    if not _REGION_RE.fullmatch(region_code):
        raise InvalidInput(
            f"region code {region_code!r} is not six digits (GB/T 2260)",
            code="department.invalid_region",
            region_code=region_code,
        )
    if region_code not in known_region_codes():
        raise InvalidInput(
            f"region code {region_code} is not in the GB/T 2260 list",
            code="department.unknown_region",
            region_code=region_code,
        )


def upsert_department(session: Session, code: str, name: str, region_code: str) -> Department:
    """Create the department ``code`` or bring its name and region up to date."""
    if not code.strip() or not name.strip():
        raise InvalidInput("a department needs a code and a name", code="department.invalid")
    _check_region(region_code)
    department = session.scalars(select(Department).where(Department.code == code)).one_or_none()
    if department is None:
        department = Department(code=code, name=name, region_code=region_code)
        session.add(department)
    else:
        department.name = name
        department.region_code = region_code
    session.flush()
    return department


def get_department(session: Session, code: str) -> Department:
    department = session.scalars(select(Department).where(Department.code == code)).one_or_none()
    if department is None:
        raise NotFound(f"no department {code!r}", code="department.not_found", department=code)
    return department


def add_department(
    session: Session, actor: Principal, code: str, name: str, region_code: str
) -> Department:
    """Add the department ``code`` (``department.exists`` if the catalog has it already)."""
    ensure(session, actor, act.DEPARTMENT_MANAGE, PLATFORM)
    code, name = code.strip(), name.strip()
    if not _CODE_RE.fullmatch(code):
        raise InvalidInput(
            "a department code is 1-32 letters, digits or underscores", code="department.invalid"
        )
    if not name or len(name) > 200:
        raise InvalidInput("a department needs a name of at most 200 characters",
                           code="department.invalid")  # fmt: skip
    _check_region(region_code)
    if session.scalars(select(Department.id).where(Department.code == code)).first() is not None:
        raise Conflict(f"department {code} exists already", code="department.exists")
    department = upsert_department(session, code, name, region_code)
    audit.record(
        session,
        DepartmentSaved(code=code, name=name, region_code=region_code, created=True),
        actor=None if actor.is_system else actor,
    )
    return department


def list_departments(session: Session) -> list[Department]:
    """Every department, by code."""
    return list(session.scalars(select(Department).order_by(Department.code)))
