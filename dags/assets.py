"""What the DAG files share, with no DAG of its own: the datasets to build DAGs for (the
manifest, ``lakehouse.dag_manifest``; no database or network call) and their Assets.

Every DAG file asks :func:`dag_entries` first, so this is where a DAG file's import meets the
settings: in production, insecure ones (``catalog.settings_checks``) fail the import with what to
change, and Airflow shows it as the file's import error."""

from __future__ import annotations

from pathlib import Path

from airflow.sdk import Asset, AssetWatcher

from catalog.settings import get_settings
from catalog.settings_checks import check_startup
from dags.inbox_watch import InboxTrigger
from lakehouse.dag_manifest import DagEntry, contract_entries, manifest_path, read_manifest

__all__ = ["TIMEZONE", "dag_entries", "dataset_asset", "inbox_asset"]

TIMEZONE = "Asia/Shanghai"


def dag_entries() -> list[DagEntry]:
    """The catalog's datasets as the manifest lists them; the contracts before it exists."""
    settings = check_startup(get_settings())
    return read_manifest(manifest_path(settings)) or contract_entries()


def dataset_asset(code: str) -> Asset:
    """The dataset's published data: updated by every publish."""
    return Asset(name=f"lake.{code}", uri=f"zhongtai://lake/{code}", group="zhongtai")


def inbox_asset(code: str, inbox: Path) -> Asset:
    """The dataset's inbox folder, watched in the triggerer."""
    watcher = AssetWatcher(name=f"inbox_{code}", trigger=InboxTrigger(directory=str(inbox / code)))
    return Asset(
        name=f"inbox.{code}",
        uri=f"zhongtai://inbox/{code}",
        group="zhongtai",
        watchers=[watcher],
    )
