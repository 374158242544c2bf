"""A lake whose stores moved: the embedded default's var/ copied elsewhere reads its own files; an
operator-set data path that disagrees with the lake is refused, never silently followed.

Regression (issue 14): DuckLake records its data path in the lake's catalog, as an absolute path,
and ATTACH refused any other one — a copied var/ failed on its first read with ``DATA_PATH …
does not match existing data path in the catalog``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from catalog.datasets import get_dataset
from catalog.db import init_catalog
from catalog.settings import Settings
from exchange_api.demo import DATASET, seed
from lakehouse.connection import LakehouseError, connect
from lakehouse.land import land
from lakehouse.pipeline import resume_batch
from lakehouse.samples import write_social_insurance_extract
from tests.backup.platform_world import build_platform, read_rows

pytestmark = pytest.mark.slow


def _settings(var: Path, **more: str) -> Settings:
    return Settings(var_dir=var, environment="test", _env_file=None, **more)  # type: ignore[call-arg]


def test_a_copied_var_dir_reads_its_own_lake(tmp_path: Path) -> None:
    old = _settings(tmp_path / "old" / "var")
    built = build_platform(old, tmp_path)
    before = read_rows(old, built.tokens, "swj-exchange", built.grant_id)
    shutil.copytree(tmp_path / "old", tmp_path / "moved")
    shutil.rmtree(tmp_path / "old")  # the old place is gone: nothing may still be read from it

    moved = _settings(tmp_path / "moved" / "var")
    after = read_rows(moved, built.tokens, "swj-exchange", built.grant_id)
    assert after[0] == 200, after
    assert after[1]["rows"] == before[1]["rows"]
    with connect(moved) as con:  # and it writes there too: the old place is not recreated
        con.execute("CREATE TABLE lake.moved_probe AS SELECT range AS n FROM range(5000)")
    assert not (tmp_path / "old").exists()


def test_an_operator_set_data_path_that_disagrees_is_refused(tmp_path: Path) -> None:
    var = tmp_path / "var"
    first = _settings(var, lake_data_path=str(tmp_path / "data-a") + "/")
    with connect(first) as con:
        con.execute("CREATE TABLE lake.t AS SELECT range AS n FROM range(10)")
    wrong = _settings(var, lake_data_path=str(tmp_path / "data-b") + "/")
    with pytest.raises(LakehouseError) as refused, connect(wrong):
        pass
    assert refused.value.code == "lake.data_path_mismatch"
    assert str(tmp_path / "data-a") in refused.value.message
    assert "ZHONGTAI_LAKE_DATA_PATH" in refused.value.message


def test_a_batch_landed_before_the_move_resumes_from_the_moved_raw_zone(tmp_path: Path) -> None:
    """The raw zone is content-addressed (``raw/ab/<sha256>.csv``) but each batch recorded its
    file's absolute path: after a move the batch went looking in the old var dir."""
    old = _settings(tmp_path / "old" / "var")
    sessions = init_catalog(old.resolved_catalog_url)
    try:
        with sessions() as session:
            seed(session)
            extract = tmp_path / "社保缴费_2026-10.csv"
            write_social_insurance_extract(extract, rows=300)
            landing = land(session, old, get_dataset(session, DATASET), extract)
            session.commit()
    finally:
        sessions.kw["bind"].dispose()
    shutil.copytree(tmp_path / "old", tmp_path / "moved")
    shutil.rmtree(tmp_path / "old")

    moved = _settings(tmp_path / "moved" / "var")
    summary = resume_batch(moved, landing.batch_id, dataset_code=DATASET)
    assert summary.status == "published", summary
