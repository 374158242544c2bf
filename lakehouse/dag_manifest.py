"""The manifest the ingestion DAGs are generated from: one entry per dataset registered in the
catalog (not retired) that has a contract, written as a small JSON file under the Airflow home
(``var/airflow/datasets.json``), so that parsing the DAG files reads one file and makes no
database or network call (Airflow parses them every few seconds, in every component).

:func:`write_manifest` refreshes it from the catalog (``zhongtai lake dag-manifest``, the hourly
governance DAG, ``make airflow`` before it starts); :func:`read_manifest` is what the DAG file
calls. With no manifest yet, the DAG file falls back to the contracts on disk
(:func:`contract_entries`, the one place the shipped files still stand in for the catalog: DAG
parsing makes no database call), so a fresh checkout still has its DAGs.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.contract_tables import DatasetVersion
from catalog.models import Dataset, DatasetStatus
from catalog.settings import Settings
from schemas import load_contracts

__all__ = [
    "DagEntry",
    "contract_entries",
    "manifest_path",
    "read_manifest",
    "write_manifest",
]


@dataclass(frozen=True, slots=True)
class DagEntry:
    """What a dataset's ingestion DAG needs to be built: no personal data, codes and titles."""

    code: str
    title_zh: str
    title_en: str
    update_cycle: str
    owner_department: str


def manifest_path(settings: Settings) -> Path:
    return settings.airflow_home / "datasets.json"


def catalog_entries(session: Session) -> list[DagEntry]:
    """Every registered, not retired dataset of the catalog that has a contract to ingest by
    (a stored contract version: the catalog, not the files on disk, says what exists)."""
    versioned = select(DatasetVersion.dataset_id)
    datasets = session.scalars(
        select(Dataset)
        .where(Dataset.status != DatasetStatus.RETIRED, Dataset.id.in_(versioned))
        .order_by(Dataset.code)
    ).all()
    return [
        DagEntry(d.code, d.title_zh, d.title_en, d.update_cycle, d.owner.code) for d in datasets
    ]


def contract_entries() -> list[DagEntry]:
    return [
        DagEntry(c.code, c.title_zh, c.title_en, c.update_cycle, c.owner_department)
        for c in sorted(load_contracts().values(), key=lambda c: c.code)
    ]


def write_manifest(settings: Settings, session: Session) -> Path:
    """Write the catalog's entries to the manifest, atomically; its path."""
    path = manifest_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps([asdict(e) for e in catalog_entries(session)], ensure_ascii=False, indent=1)
    handle, name = tempfile.mkstemp(prefix=".datasets-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(body)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return path


def read_manifest(path: Path) -> list[DagEntry] | None:
    """The entries of the manifest at ``path``; ``None`` when there is none (or it is unreadable:
    the DAG file then falls back to the contracts rather than losing every DAG)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return [DagEntry(**{k: str(item[k]) for k in DagEntry.__slots__}) for item in raw]
    except (OSError, ValueError, KeyError, TypeError):
        return None
