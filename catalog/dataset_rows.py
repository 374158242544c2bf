"""Writing a parsed contract onto its catalog row: the data elements it uses, the dataset's
columns (catalog fields included) and its fields, in contract order. No access check and no
audit here: :mod:`catalog.contracts` does both before it calls :func:`apply_contract`.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.element_seed import element_rows
from catalog.errors import NotFound
from catalog.models import DataElement, Dataset, Department, Field
from schemas.loader import DataElement as ElementSpec
from schemas.loader import DatasetContract

__all__ = ["apply_contract", "owner_of"]


def owner_of(session: Session, code: str) -> Department:
    """The department ``code`` a contract names as its owner."""
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


def apply_contract(
    session: Session,
    dataset: Dataset,
    contract: DatasetContract,
    owner: Department,
    specs: dict[str, ElementSpec],
) -> None:
    """Write ``contract`` onto ``dataset`` (a new or existing row) and flush."""
    with session.no_autoflush:  # a new dataset row is not complete yet
        elements = element_rows(session, (f.element for f in contract.fields if f.element))
    entry = contract.catalog
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
    dataset.contract_sha256 = contract.sha256
    dataset.primary_key = list(contract.primary_key)
    dataset.region_field = contract.region_field
    dataset.handler_field = contract.handler_field
    dataset.classification = entry.classification
    dataset.provider_code = entry.provider_code or owner.code
    dataset.resource_format = entry.resource_format
    dataset.share_conditions = entry.share_conditions
    dataset.share_method = list(entry.share_method)
    dataset.open_conditions = entry.open_conditions
    dataset.publication_date = entry.publication_date
    dataset.related_resources = list(entry.related_resources)
    dataset.tags = list(entry.tags)
    session.flush()
    _sync_fields(session, dataset, contract, elements)
    session.flush()
