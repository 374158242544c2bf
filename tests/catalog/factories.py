"""Small factories for catalog tests: real rows made through the real service functions."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from catalog.datasets import register_contract
from catalog.departments import upsert_department
from catalog.models import Account, Dataset, Department, Role
from catalog.principals import Principal
from catalog.tokens import issue_account
from schemas import DatasetContract, ShareType
from schemas.loader import DATASETS_DIR, parse_contract

_sequence = itertools.count(1)
TEMPLATE_CONTRACT = DATASETS_DIR / "rsj_social_insurance.yaml"


@dataclass(frozen=True)
class Actor:
    account: Account
    principal: Principal
    token: str


def department(session: Session, code: str | None = None, *, region: str = "330100") -> Department:
    code = code or f"DEPT{next(_sequence):04d}"
    return upsert_department(session, code, f"部门 {code}", region)


def actor(session: Session, dept: Department, *roles: Role) -> Actor:
    account, token = issue_account(
        session, dept, f"svc-{next(_sequence)}", roles or (Role.REQUESTER,)
    )
    return Actor(account=account, principal=Principal.of(account), token=token)


def contract(
    directory: Path,
    owner: Department,
    *,
    code: str | None = None,
    share_type: ShareType = ShareType.CONDITIONAL,
    share_basis: str = "《个人信息保护法》第十三条",
    drop_fields: tuple[str, ...] = (),
    **overrides: Any,
) -> DatasetContract:
    """A contract file written under ``directory``, modelled on the social-insurance contract."""
    data = yaml.safe_load(TEMPLATE_CONTRACT.read_text(encoding="utf-8"))
    data.update(
        code=code or f"ds_{next(_sequence):04d}",
        owner_department=owner.code,
        share_type=share_type.value,
        share_basis=share_basis,
    )
    if share_type is ShareType.NOT_SHARED:
        data.pop("share_method", None)  # a not-shared resource names no share method
    data.update(overrides)
    data["fields"] = [f for f in data["fields"] if f["name"] not in drop_fields]
    data["primary_key"] = [k for k in data["primary_key"] if k not in drop_fields]
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{data['code']}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return parse_contract(path)


def dataset(
    session: Session,
    directory: Path,
    owner: Department,
    share_type: ShareType = ShareType.CONDITIONAL,
    **kwargs: Any,
) -> Dataset:
    return register_contract(session, contract(directory, owner, share_type=share_type, **kwargs))


@dataclass(frozen=True)
class Exchange:
    """An owner department with a publisher, a requesting department with a requester, a dataset."""

    owner: Department
    publisher: Actor
    requester_dept: Department
    requester: Actor
    dataset: Dataset


def exchange(
    session: Session, directory: Path, share_type: ShareType = ShareType.CONDITIONAL
) -> Exchange:
    owner = department(session)
    requester_dept = department(session, region="330102")
    return Exchange(
        owner=owner,
        publisher=actor(session, owner, Role.PUBLISHER),
        requester_dept=requester_dept,
        requester=actor(session, requester_dept, Role.REQUESTER),
        dataset=dataset(session, directory, owner, share_type),
    )
