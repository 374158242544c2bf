"""The scenario world (issue 15): its contracts parse, the generator is deterministic, the truth
recomputed from the written files equals the generator's, and every extract goes through the
real pipeline on the embedded stores (GBK decoded, full-width text normalised)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from catalog.settings import Settings
from exchange_api.app import create_app
from exchange_api.scenario_world import ACCOUNTS, DEPARTMENTS, ScenarioWorld, build_world
from lakehouse.connection import connect
from lakehouse.samples.scenarios import SCENARIOS_DIR, generate, scenario_contracts, write_extracts
from lakehouse.tables import table
from schemas.loader import ShareType, load_contracts
from schemas.report_templates import Fill, load_template, reuse_problems
from tests.scenarios import oracle


@pytest.fixture(scope="module")
def settings_of(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    var = tmp_path_factory.mktemp("scenarios") / "var"
    return Settings(var_dir=var, environment="test", _env_file=None)  # type: ignore[call-arg]


@pytest.fixture(scope="module")
def built(settings_of: Settings) -> ScenarioWorld:
    return build_world(settings_of)


def _read_back(extracts: dict[str, Path]) -> dict[str, list[dict[str, str]]]:
    contracts = scenario_contracts()
    return {code: oracle.read_rows(contracts[code], path) for code, path in extracts.items()}


def test_contracts_and_template_parse() -> None:
    contracts = scenario_contracts()
    assert len(contracts) == 8
    owners = {code for code, _, _ in DEPARTMENTS}
    assert {c.owner_department for c in contracts.values()} <= owners
    assert {a[0] for a in ACCOUNTS} == owners  # one account (or two) per department
    assert all(c.share_type is not ShareType.NOT_SHARED for c in contracts.values())
    assert contracts["mzt_assistance_recipients"].region_field == "region"
    handled = {c.code for c in contracts.values() if c.handler_field == "handling_department"}
    assert handled == {"cgj_hotline_cases", "zjj_hotline_cases"}
    assert {c.source.format for c in contracts.values()} == {"csv", "json", "ndjson", "xlsx"}
    assert [c.code for c in contracts.values() if c.source.encoding == "gbk"] == [
        "cl_disabled_persons"
    ]
    assert not set(contracts) & set(load_contracts())  # not in the shipped list
    template = load_template("street_monthly")
    assert 8 <= len(template.fields) <= 12
    platform = [f for f in template.fields if f.fill is Fill.PLATFORM]
    assert all(reuse_problems(f, contracts) == [] for f in platform)
    assert any(f.repeated_collection for f in template.fields)
    assert any(f.fill is Fill.COLLECT for f in template.fields)


def test_generator_is_deterministic(tmp_path: Path) -> None:
    first, again = generate(7), generate(7)
    assert first == again
    assert generate(8).people != first.people
    one = write_extracts(first, tmp_path / "one")
    two = write_extracts(again, tmp_path / "two")
    assert {c: p.read_bytes() for c, p in one.items()} == {
        c: p.read_bytes() for c, p in two.items()
    }


def test_truth_recomputed_from_the_files(built: ScenarioWorld) -> None:
    rows = _read_back(built.extracts)
    truth, world = built.truth, built.world
    assert oracle.eligible(rows) == truth.eligible
    assert truth.eligible, "the default world must hold eligible-but-unpaid people"
    assert oracle.rows_per_county(rows) == truth.rows_per_county
    assert {"330102", "330106"} <= set(truth.rows_per_county)
    assert any(not c.startswith("3301") for c in truth.rows_per_county)
    on_time = {
        k: (v.on_time, v.total, v.late, v.open_overdue, v.open_in_time)
        for k, v in truth.cases_on_time.items()
    }
    as_of = dt.datetime.combine(world.as_of, dt.time())
    assert oracle.cases_on_time(rows, as_of) == on_time
    assert set(on_time) == {"330102CGJ", "330102ZJJ", "330102MHWW"}  # the centre handles some
    assert oracle.report_values(rows, world.street, world.report_month) == truth.report_values
    template = load_template("street_monthly")
    for f in template.fields:
        reused = truth.report_fields[f.name]
        assert (reused.dataset is not None) == (f.fill is Fill.PLATFORM), f.name
        assert reused.repeated == f.repeated_collection, f.name


def test_every_extract_is_published_whole(built: ScenarioWorld) -> None:
    for code, batch in built.batches.items():
        assert batch.status == "published", batch
        assert batch.rows_in == batch.rows_published == len(built.world.rows[code]), code
        assert batch.rows_quarantined == 0, code


def test_the_gbk_extract_is_gbk(built: ScenarioWorld) -> None:
    data = built.extracts["cl_disabled_persons"].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert "残疾类别" in data.decode("gbk")


def test_full_width_rows_are_normalised(built: ScenarioWorld, settings_of: Settings) -> None:
    contracts = load_contracts(SCENARIOS_DIR)
    people = {p.citizen_id: p for p in built.world.people}
    for code, ids in built.world.full_width.items():
        raw = built.extracts[code].read_bytes().decode(contracts[code].source.encoding)
        assert oracle.half_width(raw) != raw  # the file really holds full-width text
        with connect(settings_of) as con:
            got = con.execute(
                f"SELECT citizen_id, person_name FROM {table(contracts[code])} "
                "WHERE citizen_id IN (SELECT unnest(?::VARCHAR[]))",
                [list(ids)],
            ).fetchall()
        assert sorted(got) == sorted((i, people[i].name) for i in ids), code
    with connect(settings_of) as con:
        rows = con.execute(
            f"SELECT citizen_id, mobile, address FROM {table(contracts['cl_disabled_persons'])}"
        ).fetchall()
    for citizen_id, mobile, address in rows:
        assert citizen_id.isascii() and mobile.isdigit() and mobile.isascii()
        assert not any("\uff01" <= c <= "\uff5e" for c in address)
    wide = built.world.full_width["cl_disabled_persons"]
    assert all(
        "幢A座" in a for cid, _, a in rows if cid in wide
    )  # the full-width building letter Ａ arrived as A


RETURNED = "mzt_assistance_recipients"


def _client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings), raise_server_exceptions=False)


def _granted(client: TestClient, built: ScenarioWorld, account: str) -> int:
    tokens = built.tokens
    filed = client.post(
        "/api/v1/requests",
        headers=tokens.headers(account),
        json={"dataset": RETURNED, "fields": ["assistance_type", "street", "region"],
              "purpose": "数据回流：本辖区困难群众救助对象核查"},
    )  # fmt: skip
    assert filed.status_code == 201, filed.text
    decided = client.post(
        f"/api/v1/requests/{filed.json()['id']}/approve",
        headers=tokens.headers("scen-mzt"),
        json={},
    )
    assert decided.status_code == 200, decided.text
    return int(decided.json()["grant"]["id"])


@pytest.mark.parametrize(
    ("account", "county"), [("scen-cl", "330106"), ("scen-mhww", "330102")], ids=["西湖", "上城"]
)
def test_a_county_gets_exactly_its_own_rows_of_the_provincial_dataset(
    built: ScenarioWorld, settings_of: Settings, account: str, county: str
) -> None:
    with _client(settings_of) as client:
        grant = _granted(client, built, account)
        page = client.post(
            f"/api/v1/datasets/{RETURNED}/query",
            headers=built.tokens.headers(account),
            json={"grant_id": grant, "limit": 10_000},
        )
        assert page.status_code == 200, page.text
        regions = [r["region"] for r in page.json()["rows"]]
        assert set(regions) == {county}
        assert len(regions) == built.truth.rows_per_county[county]  # the generator's truth
        other = "330102" if county == "330106" else "330106"
        refused = client.post(
            f"/api/v1/datasets/{RETURNED}/query",
            headers=built.tokens.headers(account),
            json={"grant_id": grant, "filters": [{"field": "region", "op": "eq", "value": other}]},
        )
        assert refused.status_code == 403 and refused.json()["code"] == "grant.outside_row_filter"


def test_building_again_finds_every_extract_published(  # last: it re-issues the tokens
    built: ScenarioWorld, settings_of: Settings
) -> None:
    again = build_world(settings_of)
    assert {c: b.outcome for c, b in again.batches.items()} == {
        c: "duplicate" for c in built.batches
    }
    assert again.truth == built.truth
