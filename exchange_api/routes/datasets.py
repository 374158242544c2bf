"""Catalog browsing: what datasets exist, who owns them, how far they may be shared."""

from __future__ import annotations

from fastapi import APIRouter

from catalog.datasets import get_dataset, list_datasets
from catalog.models import Dataset
from exchange_api.deps import CurrentPrincipal, DatasetCode, SessionDep
from exchange_api.payloads import DatasetPublic, FieldPublic

router = APIRouter(prefix="/api/v1/datasets", tags=["datasets"])


def dataset_public(dataset: Dataset) -> DatasetPublic:
    return DatasetPublic(
        code=dataset.code,
        title_zh=dataset.title_zh,
        title_en=dataset.title_en,
        description=dataset.description,
        owner_department=dataset.owner.code,
        share_type=dataset.share_type,
        share_type_zh=dataset.share_type.label_zh,
        share_basis=dataset.share_basis,
        open_type=dataset.open_type,
        grade=dataset.grade,
        update_cycle=dataset.update_cycle,
        status=dataset.status.value,
        current_snapshot_id=dataset.current_snapshot_id,
        fields=[FieldPublic.model_validate(f) for f in dataset.fields],
    )


@router.get("", summary="List datasets in the catalog (信息资源目录)")
def list_all(session: SessionDep, principal: CurrentPrincipal) -> list[DatasetPublic]:
    return [dataset_public(d) for d in list_datasets(session)]


@router.get("/{code}", summary="One dataset with its fields")
def get_one(code: DatasetCode, session: SessionDep, principal: CurrentPrincipal) -> DatasetPublic:
    return dataset_public(get_dataset(session, code))
