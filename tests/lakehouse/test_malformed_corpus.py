"""The malformed-input corpus (``tests/data/malformed/``) through the real pipeline steps.

Each file is landed, standardised, and (when it gets that far) validated and published by the
steps of :mod:`lakehouse.pipeline`, on one catalog and one lake shared by the module, under the
contract options ``EXPECTED.yaml`` lists beside it. A rejected file must be refused for its
reason, naming its line, with the batch marked rejected, no staging file and no new snapshot; a
quarantined one must publish with exactly that row held back under that rule. Nothing
half-written may remain either way: no temporary staging or landing file.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any, cast

import pytest
import yaml

from catalog.datasets import register_contract
from catalog.db import init_catalog
from catalog.departments import upsert_department
from catalog.models import Batch, BatchStatus
from catalog.settings import Settings, get_settings
from lakehouse import pipeline
from lakehouse.connection import connect
from lakehouse.samples import write_social_insurance_extract
from schemas import load_contract
from schemas.loader import DatasetContract
from tests.fixtures.postgres import PostgresServer

CORPUS = Path(__file__).resolve().parents[1] / "data" / "malformed"
EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load(
    (CORPUS / "EXPECTED.yaml").read_text(encoding="utf-8")
)
SOCIAL = "rsj_social_insurance"


def _builders() -> dict[str, Callable[[], bytes]]:
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return cast(dict[str, Callable[[], bytes]], module.BUILDERS)


BUILDERS = _builders()


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ],
)
def lake(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    """One catalog (SQLite, then PostgreSQL) and lake for the whole corpus (each file is a
    batch of its own)."""
    root = tmp_path_factory.mktemp("corpus")
    database = ""
    server: PostgresServer | None = None
    with pytest.MonkeyPatch.context() as patch:
        if request.param == "postgresql":
            server = request.getfixturevalue("postgresql_server")
            assert server is not None
            database = server.create_database("corpus")
            patch.setenv("ZHONGTAI_CATALOG_URL", server.url(database))
        (root / "var").mkdir()
        patch.setenv("ZHONGTAI_VAR_DIR", str(root / "var"))
        patch.setenv("ZHONGTAI_ENVIRONMENT", "test")
        patch.setenv("ZHONGTAI_ENV_FILE", str(root / "none.env"))
        get_settings.cache_clear()
        settings = get_settings()
        sessions = init_catalog(settings.resolved_catalog_url)
        with sessions() as session:
            upsert_department(session, "330100RSJ", "杭州市人力资源和社会保障局", "330100")
            register_contract(session, load_contract(SOCIAL))
            session.commit()
        yield settings
        sessions.kw["bind"].dispose()
        pipeline.sessions(settings).kw["bind"].dispose()
    get_settings.cache_clear()
    if server is not None:
        with server.admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _contract(options: dict[str, Any]) -> DatasetContract:
    base = load_contract(SOCIAL)
    return dataclasses.replace(base, source=dataclasses.replace(base.source, **options))


def _delivery(name: str, folder: Path) -> Path:
    """The committed file, or (for the one too big to commit) the generator's output."""
    committed = CORPUS / name
    if committed.is_file():
        return committed
    built = folder / name
    built.write_bytes(BUILDERS[name]())
    return built


def _snapshots(settings: Settings) -> int:
    """Snapshots in the DuckLake catalog (read from its SQLite file: attaching the lake for a
    count would cost more than the whole rejected batch)."""
    path = settings.var_dir / "lake" / "ducklake.sqlite"
    if not path.exists():
        return 0
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as con:
        return int(con.execute("SELECT count(*) FROM ducklake_snapshot").fetchone()[0])


def _leftovers(settings: Settings) -> list[str]:
    found = (
        [p.name for p in settings.staging_dir.glob(".*")] if settings.staging_dir.exists() else []
    )
    if settings.raw_dir.exists():
        found += [p.name for p in settings.raw_dir.glob(".landing-*")]
    return found


def _quarantined(settings: Settings, batch_id: int) -> dict[int, list[str]]:
    with connect(settings) as con:
        rows = con.execute(
            f'SELECT _row, failed_rules FROM lake."{SOCIAL}__quarantine" WHERE _batch_id = ?',
            [batch_id],
        ).fetchall()
    return {int(row): sorted(rules) for row, rules in rows}


def test_the_corpus_is_what_the_script_writes_and_is_big_enough() -> None:
    assert len(EXPECTED) >= 40
    assert set(EXPECTED) == set(BUILDERS)
    for name, build in BUILDERS.items():
        committed = CORPUS / name
        if committed.is_file():
            assert committed.read_bytes() == build(), f"{name} differs from make_corpus.py"
        else:
            assert name == "huge_field.csv"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_malformed_file_fails_for_its_own_reason(
    lake: Settings, name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    expected = EXPECTED[name]
    contract = _contract(expected.get("contract") or {})
    monkeypatch.setattr(pipeline, "contract_of", lambda settings, code: contract)
    before = _snapshots(lake)

    landed = pipeline.land_step(lake, SOCIAL, _delivery(name, tmp_path))
    assert landed["duplicate"] is False
    batch_id = int(landed["batch_id"])
    staged = pipeline.standardize_step(lake, SOCIAL, batch_id)
    line = expected["line"]

    if expected["outcome"] == "rejected":
        assert staged["status"] == "rejected"
        reason = str(staged["reason"])
        assert expected["reason"] in reason
        if line is None:
            assert ", line " not in reason.split(": ")[0]
        else:
            assert f", line {line}: " in reason
        with pipeline.sessions(lake)() as session:
            batch = session.get(Batch, batch_id)
            assert batch is not None
            assert batch.status is BatchStatus.REJECTED
            assert expected["reason"] in (batch.error or "")
        assert not (lake.staging_dir / f"{batch_id}.parquet").exists()
        assert _snapshots(lake) == before
    else:
        assert staged["status"] == "standardized", staged
        checked = pipeline.validate_step(lake, SOCIAL, batch_id)
        done = pipeline.publish_step(
            lake, SOCIAL, batch_id, checked["decision"], checked["verdict_path"]
        )
        assert done["status"] == "published"
        quarantined = _quarantined(lake, batch_id)
        assert expected["reason"] in quarantined[line - 1]  # header on line 1, one line a row
        assert _snapshots(lake) > before and done["snapshot_id"] is not None
    assert _leftovers(lake) == []


def test_the_pipeline_names_the_users_file(
    lake: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(pipeline, "contract_of", lambda settings, code: _contract({}))
    delivery = tmp_path / "社保缴费_2023-05.csv"
    delivery.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(1, 200)))
    landed = pipeline.land_step(lake, SOCIAL, delivery)
    staged = pipeline.standardize_step(lake, SOCIAL, int(landed["batch_id"]))
    assert str(staged["reason"]).startswith("社保缴费_2023-05.csv: not a text file")


@pytest.mark.parametrize(("encoding", "declared"), [("gbk", "auto"), ("utf-8", "auto")])
def test_the_batch_records_what_was_detected(
    lake: Settings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    encoding: str,
    declared: str,
) -> None:
    monkeypatch.setattr(
        pipeline, "contract_of", lambda settings, code: _contract({"encoding": declared})
    )
    delivery = tmp_path / "社保缴费.csv"
    write_social_insurance_extract(delivery, rows=30, defects=False)
    if encoding != "gbk":  # the sample is written in GBK; re-encode it
        delivery.write_bytes(delivery.read_bytes().decode("gbk").encode(encoding))
    landed = pipeline.land_step(lake, SOCIAL, delivery)
    staged = pipeline.standardize_step(lake, SOCIAL, int(landed["batch_id"]))
    assert staged["status"] == "standardized", staged
    assert (staged["source_kind"], staged["encoding"]) == ("csv", encoding)
    sessions = init_catalog(lake.resolved_catalog_url)
    try:
        with sessions() as session:
            batch = session.get(Batch, int(landed["batch_id"]))
            assert batch is not None
            assert (batch.source_kind, batch.encoding) == ("csv", encoding)
    finally:
        sessions.kw["bind"].dispose()
