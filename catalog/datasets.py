"""Datasets (信息资源): lookups, and loading a contract file into the catalog.

``register_contract`` is idempotent and goes through :mod:`catalog.contracts`: a dataset the
catalog does not have is registered (version 1), a changed contract revises it (a new version,
applied to its grants), and the same contract again — same SHA-256 of its text — changes nothing
and writes no audit event. Each load is audited as :class:`catalog.events.DatasetRegistered`.
Without an ``actor`` it acts as the platform itself (shipped contracts, the demo, tests).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from catalog.contracts import register_dataset, revise_dataset
from catalog.errors import InvalidInput, NotFound
from catalog.models import Dataset
from catalog.principals import SYSTEM, Principal
from schemas.loader import DatasetContract

__all__ = ["contract_sha256", "get_dataset", "list_datasets", "register_contract"]


def contract_sha256(contract: DatasetContract) -> str:
    """SHA-256 of the YAML text the contract was parsed from."""
    if not contract.text:
        raise InvalidInput(
            f"contract {contract.code!r} was not parsed from text; nothing to fingerprint",
            code="dataset.contract_without_file",
        )
    return contract.sha256


def register_contract(
    session: Session, contract: DatasetContract, *, actor: Principal | None = None
) -> Dataset:
    """Load ``contract`` into the catalog: register it, or revise the dataset if it changed."""
    contract_sha256(contract)
    source = contract.path if contract.path is not None else contract.text
    principal = SYSTEM if actor is None else actor
    dataset = session.scalars(select(Dataset).where(Dataset.code == contract.code)).one_or_none()
    if dataset is None:
        return register_dataset(session, source, principal)
    return revise_dataset(session, source, principal).dataset


def get_dataset(session: Session, code: str) -> Dataset:
    dataset = session.scalars(select(Dataset).where(Dataset.code == code)).one_or_none()
    if dataset is None:
        raise NotFound(f"no dataset {code!r}", code="dataset.not_found", dataset=code)
    return dataset


def list_datasets(session: Session) -> list[Dataset]:
    """Every dataset, by code, with its fields (read in one more query, not one per dataset:
    pages build every dataset's terms from them)."""
    query = select(Dataset).options(selectinload(Dataset.fields)).order_by(Dataset.code)
    return list(session.scalars(query))
