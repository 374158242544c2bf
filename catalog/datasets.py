"""Datasets (信息资源): dataset contracts loaded into the catalog, and lookups.

``register_contract`` is idempotent: the dataset row remembers the SHA-256 of the contract file it
was loaded from, so loading the same file again changes nothing and writes no audit event, while a
changed file updates the dataset and its fields (in contract order) and is audited as
:class:`catalog.events.DatasetRegistered`.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import audit
from catalog.errors import InvalidInput, NotFound
from catalog.events import DatasetRegistered
from catalog.models import DataElement, Dataset, Department, Field
from catalog.principals import Principal
from catalog.search_index import index_dataset
from schemas.loader import DataElement as ElementSpec
from schemas.loader import DatasetContract, load_elements

__all__ = ["contract_sha256", "get_dataset", "list_datasets", "register_contract"]


def contract_sha256(contract: DatasetContract) -> str:
    """SHA-256 of the YAML file the contract was parsed from."""
    if contract.path is None:
        raise InvalidInput(
            f"contract {contract.code!r} was not loaded from a file; nothing to fingerprint",
            code="dataset.contract_without_file",
        )
    return hashlib.sha256(contract.path.read_bytes()).hexdigest()


def _upsert_element(session: Session, spec: ElementSpec) -> DataElement:
    row = session.scalars(select(DataElement).where(DataElement.code == spec.code)).one_or_none()
    if row is None:
        row = DataElement(code=spec.code)
        session.add(row)
    values = {
        "name_zh": spec.name_zh,
        "name_en": spec.name_en,
        "standard": spec.standard,
        "version": spec.version,
        "check": spec.check,
        "personal": spec.personal,
    }
    for key, value in values.items():
        if getattr(row, key, None) != value:
            setattr(row, key, value)
    return row


def _owner(session: Session, code: str) -> Department:
    owner = session.scalars(select(Department).where(Department.code == code)).one_or_none()
    if owner is None:
        raise NotFound(
            f"owner department {code!r} of the dataset is not registered",
            code="department.not_found",
            department=code,
        )
    return owner


def _sync_fields(
    session: Session, dataset: Dataset, contract: DatasetContract, elements: dict[str, DataElement]
) -> None:
    """Make ``dataset.fields`` match the contract: same names, same order, same definitions."""
    existing = {f.name: f for f in dataset.fields}
    wanted = []
    for position, spec in enumerate(contract.fields, start=1):
        field = existing.pop(spec.name, None) or Field(name=spec.name)
        field.position = position
        field.title_zh = spec.title_zh
        field.data_element = elements[spec.element] if spec.element else None
        field.duckdb_type = spec.duckdb_type
        field.required = spec.required
        field.personal = spec.personal
        field.mask = str(spec.mask)
        wanted.append(field)
    for gone in existing.values():
        dataset.fields.remove(gone)
    session.flush()  # delete removed fields before their names could be reused
    dataset.fields = wanted


def register_contract(
    session: Session, contract: DatasetContract, *, actor: Principal | None = None
) -> Dataset:
    """Load ``contract`` into the catalog: its data elements, the dataset and its fields."""
    digest = contract_sha256(contract)
    owner = _owner(session, contract.owner_department)
    dataset = session.scalars(select(Dataset).where(Dataset.code == contract.code)).one_or_none()
    if dataset is not None and dataset.contract_sha256 == digest:
        return dataset

    specs = load_elements()
    elements = {
        code: _upsert_element(session, specs[code])
        for code in dict.fromkeys(f.element for f in contract.fields if f.element)
    }
    if dataset is None:
        dataset = Dataset(code=contract.code)
        session.add(dataset)
    dataset.title_zh = contract.title_zh
    dataset.title_en = contract.title_en
    dataset.description = contract.description
    dataset.owner = owner
    dataset.steward = contract.steward
    dataset.share_type = contract.share_type
    dataset.share_basis = contract.share_basis
    dataset.open_type = contract.open_type
    dataset.grade = contract.grade
    dataset.update_cycle = contract.update_cycle
    dataset.contract_sha256 = digest
    dataset.primary_key = list(contract.primary_key)
    session.flush()
    _sync_fields(session, dataset, contract, elements)
    session.flush()
    index_dataset(session, dataset)
    audit.record(
        session,
        DatasetRegistered(dataset_id=dataset.id, code=dataset.code, contract_sha256=digest),
        actor=actor,
    )
    return dataset


def get_dataset(session: Session, code: str) -> Dataset:
    dataset = session.scalars(select(Dataset).where(Dataset.code == code)).one_or_none()
    if dataset is None:
        raise NotFound(f"no dataset {code!r}", code="dataset.not_found", dataset=code)
    return dataset


def list_datasets(session: Session) -> list[Dataset]:
    """Every dataset, by code."""
    return list(session.scalars(select(Dataset).order_by(Dataset.code)))
