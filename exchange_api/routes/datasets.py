"""Catalog browsing: what datasets exist, who owns them, how far they may be shared."""

from __future__ import annotations

from fastapi import APIRouter

from catalog.datasets import get_dataset, list_datasets
from exchange_api.catalog_payloads import DatasetEntryPublic, dataset_entry
from exchange_api.deps import CurrentPrincipal, DatasetCode, SessionDep

router = APIRouter(prefix="/api/v1/datasets", tags=["datasets"])


@router.get("", summary="List datasets in the catalog (信息资源目录)")
def list_all(session: SessionDep, principal: CurrentPrincipal) -> list[DatasetEntryPublic]:
    return [dataset_entry(d) for d in list_datasets(session)]


@router.get("/{code}", summary="One dataset with its fields")
def get_one(
    code: DatasetCode, session: SessionDep, principal: CurrentPrincipal
) -> DatasetEntryPublic:
    return dataset_entry(get_dataset(session, code))
