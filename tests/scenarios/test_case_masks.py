"""民呼我为 on the scenario world (issue 15): the dispatch centre 330102MHWW reads both
departments' case datasets through grants the owners approved, and sees the citizen's name,
mobile and address clear exactly on the cases it handles itself (returned to it, or closed at
intake) and masked on every other row — checked row by row against the generated rows, in a
page read, the bulk file and the change feed."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from catalog.settings import Settings
from exchange_api.app import create_app
from lakehouse.pipeline import run_batch
from lakehouse.samples.scenarios import scenario_contracts
from tests.fixtures.world_copy import copied_world
from tests.scenarios.case_world import CASES, CENTRE, FIELDS, PERSONAL, CaseWorld, grant

CENTRE_ACCOUNT = "scen-mhww"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CaseWorld]:
    var = tmp_path_factory.mktemp("cases") / "var"
    settings = Settings(var_dir=var, environment="test", _env_file=None)  # type: ignore[call-arg]
    built = copied_world(settings, only=set(CASES))
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        modes = ("query", "bulk", "changes")
        grants = {c: grant(client, built, CENTRE_ACCOUNT, c, modes=modes) for c in CASES}
        yield CaseWorld(settings, built, client, grants)


def _generated(world: CaseWorld, code: str) -> dict[str, dict[str, str]]:
    """case_id → the generated row by field name (the reference)."""
    names = {f.source_column: f.name for f in scenario_contracts()[code].fields}
    rows = [{names[k]: str(v) for k, v in r.items()} for r in world.built.world.rows[code]]
    return {r["case_id"]: r for r in rows}


def _check(rows: list[dict[str, Any]], generated: dict[str, dict[str, str]]) -> int:
    """Every row clear on the centre's own cases and masked elsewhere; the number clear."""
    clear = 0
    for row in rows:
        truth = generated[row["case_id"]]
        assert row["handling_department"] == truth["handling_department"]
        if truth["handling_department"] == CENTRE:
            assert {f: row[f] for f in PERSONAL} == {f: truth[f] for f in PERSONAL}, row
            clear += 1
        else:
            for f in PERSONAL:
                assert row[f] != truth[f] and "*" in row[f], (f, row)
    return clear


def _own(generated: dict[str, dict[str, str]]) -> int:
    return sum(r["handling_department"] == CENTRE for r in generated.values())


@pytest.mark.parametrize("code", list(CASES))
def test_a_page_read_is_clear_only_on_the_centres_own_cases(world: CaseWorld, code: str) -> None:
    generated = _generated(world, code)
    assert _own(generated) >= 1, "the centre handles some cases of every department"
    page = world.client.post(
        f"/api/v1/datasets/{code}/query",
        headers=world.headers(CENTRE_ACCOUNT),
        json={"fields": FIELDS, "limit": 1000},
    )
    assert page.status_code == 200, page.text
    rows = page.json()["rows"]
    assert len(rows) == len(generated)
    assert _check(rows, generated) == _own(generated)
    masked = {c["name"] for c in page.json()["columns"] if c["masked"]}
    assert masked == set(PERSONAL)


@pytest.mark.parametrize("code", list(CASES))
def test_the_bulk_file_masks_the_same_way(world: CaseWorld, code: str) -> None:
    generated = _generated(world, code)
    bulk = world.client.post(
        f"/api/v1/datasets/{code}/bulk",
        headers=world.headers(CENTRE_ACCOUNT),
        json={"fields": FIELDS},
    )
    assert bulk.status_code == 200, bulk.text
    rows = pq.read_table(io.BytesIO(bulk.content)).to_pylist()
    assert len(rows) == len(generated)
    assert _check([{k: str(v) for k, v in r.items()} for r in rows], generated) == _own(generated)


def test_the_change_feed_masks_the_same_way(world: CaseWorld) -> None:
    code = "cgj_hotline_cases"
    contract = scenario_contracts()[code]
    template = next(iter(world.built.world.rows[code]))
    later = []
    for n, handler in enumerate((CENTRE, "330102CGJ", CENTRE)):  # the next day's cases
        row = dict(template)
        names = {f.name: f.source_column for f in contract.fields}
        row[names["case_id"]] = f"MHWWCG202611299{n:03d}"
        row[names["handling_department"]] = handler
        row[names["citizen_name"]] = "钱" + "伟芳娜"[n] + "明"
        row[names["mobile"]] = f"1390571{n:04d}"
        later.append(row)
    extract = world.settings.inbox_dir / code / "cgj_hotline_cases_2026-11-29.csv"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[f.source_column for f in contract.fields])
    writer.writeheader()
    writer.writerows(later)
    extract.write_text(buffer.getvalue(), encoding="utf-8")
    batch = run_batch(world.settings, code, extract)
    assert batch.status == "published", batch
    snapshots = world.client.get(
        f"/api/v1/datasets/{code}/snapshots", headers=world.headers(CENTRE_ACCOUNT)
    )
    assert snapshots.status_code == 200, snapshots.text
    first = min(s["snapshot_id"] for s in snapshots.json())
    feed = world.client.get(
        f"/api/v1/datasets/{code}/changes",
        params={"from_snapshot": first, "fields": ",".join(FIELDS)},
        headers=world.headers(CENTRE_ACCOUNT),
    )
    assert feed.status_code == 200, feed.text
    changed = [c["row"] for c in feed.json()["changes"]]
    names = {f.source_column: f.name for f in contract.fields}
    generated = {str(r["工单编号"]): {names[k]: str(v) for k, v in r.items()} for r in later}
    assert sorted(r["case_id"] for r in changed) == sorted(generated)
    assert _check(changed, generated) == 2
