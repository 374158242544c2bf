"""The ingestion DAGs' manifest, written from the catalog (``zhongtai lake dag-manifest``) and
read back without touching it; a missing or damaged manifest reads as none."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from catalog.db import init_catalog
from catalog.models import Dataset, DatasetStatus
from catalog.settings import Settings
from exchange_api.cli import app
from exchange_api.demo import seed
from lakehouse.dag_manifest import manifest_path, read_manifest


def test_the_manifest_lists_the_catalogs_live_datasets(settings: Settings) -> None:
    sessions = init_catalog(settings.resolved_catalog_url)
    with sessions() as session:
        seed(session)
        session.query(Dataset).filter_by(
            code="gaj_household_registration"
        ).one().status = DatasetStatus.RETIRED
        session.commit()
    sessions.kw["bind"].dispose()

    done = CliRunner().invoke(app, ["lake", "dag-manifest"])

    assert done.exit_code == 0, done.output
    path = manifest_path(settings)
    entries = read_manifest(path)
    assert entries is not None
    assert [(e.code, e.update_cycle, e.owner_department) for e in entries] == [
        ("rsj_social_insurance", "monthly", "330100RSJ"),
        ("scjgj_enterprise_registration", "daily", "330100SCJGJ"),
    ]
    assert entries[0].title_zh and "社" in path.read_text(encoding="utf-8")  # not \\u-escaped

    path.write_text("{not json", encoding="utf-8")
    assert read_manifest(path) is None
    path.write_text(json.dumps([{"code": "x"}]), encoding="utf-8")
    assert read_manifest(path) is None
    assert read_manifest(path.with_name("absent.json")) is None
