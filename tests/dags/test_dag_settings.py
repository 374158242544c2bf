"""A DAG file's import is where an Airflow process meets the settings: in production, insecure
ones fail every DAG file's import with what to change (Airflow shows it as the import error)."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.settings import Settings, get_settings
from tests.dags.conftest import REPO

pytestmark = pytest.mark.airflow


def test_insecure_production_settings_fail_every_dag_file(
    airflow_home: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.dag_processing.dagbag import DagBag

    monkeypatch.setenv("ZHONGTAI_ENVIRONMENT", "production")
    monkeypatch.setenv("ZHONGTAI_SECRET_KEY", "CHANGE-ME")
    get_settings.cache_clear()
    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert bag.dags == {}
    failed = {Path(path).name: error for path, error in bag.import_errors.items()}
    assert set(failed) == {"ingest.py", "governance.py"}
    for error in failed.values():
        assert "ZHONGTAI_SECRET_KEY: is a placeholder" in error
        assert "ZHONGTAI_AUDIT_SIGNING_KEY" in error  # all at once
