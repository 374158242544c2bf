"""案件按时办结率 on the scenario world (issue 15): the dispatch centre's on-time scorecard equals
the generator's truth per handling department — through the library, the API, the CLI and the
portal page — and a hostile reader gets refusals, never a quietly wrong card: no grant is an
audited refusal, a narrowing row filter counts only its rows, a masked field can be neither a
filter of the card nor compared by the aggregate's new measures."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from catalog.db import init_catalog
from catalog.models import Account, AuditEvent
from catalog.principals import Principal
from catalog.settings import Settings
from exchange_api.app import create_app
from exchange_api.deps import LazyLake
from lakehouse.case_scorecard import case_scorecard
from lakehouse.samples.scenarios import scenario_contracts
from tests.fixtures.cli_runner import run_zhongtai
from tests.fixtures.world_copy import copied_world
from tests.scenarios import oracle
from tests.scenarios.case_world import AS_OF, CASES, CaseWorld, card_lines, grant, truth_lines

URL = "/api/v1/scorecards/cases"
BOTH = list(CASES)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CaseWorld]:
    var = tmp_path_factory.mktemp("cases") / "var"
    settings = Settings(var_dir=var, environment="test", _env_file=None)  # type: ignore[call-arg]
    built = copied_world(settings, only=set(CASES))
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        grants = {code: grant(client, built, "scen-mhww", code) for code in CASES}
        yield CaseWorld(settings, built, client, grants)


def _card(world: CaseWorld, account: str = "scen-mhww", **params: Any) -> Any:
    query = {"dataset": BOTH, "as_of": AS_OF.isoformat()} | params
    return world.client.get(URL, params=query, headers=world.headers(account))


def _events(world: CaseWorld, action: str) -> int:
    sessions = init_catalog(world.settings.resolved_catalog_url)
    try:
        with sessions() as session:
            return (
                session.scalar(
                    select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
                )
                or 0
            )
    finally:
        sessions.kw["bind"].dispose()


def test_the_truth_has_the_centre_and_every_kind_of_case(world: CaseWorld) -> None:
    lines = truth_lines(world.built)
    assert set(lines) == {"330102CGJ", "330102ZJJ", "330102MHWW"}
    assert all(sum(line[1:]) == line[0] for line in lines.values())
    assert sum(line[2] for line in lines.values()) and sum(line[3] for line in lines.values())


def test_the_library_equals_the_truth_and_audits_each_count(world: CaseWorld) -> None:
    sessions = init_catalog(world.settings.resolved_catalog_url)
    lake = LazyLake.of_settings(world.settings)
    try:
        with sessions() as session:
            account = session.scalars(select(Account).where(Account.name == "scen-mhww")).one()
            card = case_scorecard(
                session, lake, Principal.of(account), BOTH, as_of=AS_OF,
                min_group_size=world.settings.min_group_size,
            )  # fmt: skip
            session.commit()
            lines = {
                d.department: (d.cases, d.on_time, d.late, d.open_overdue, d.open_in_time)
                for d in card.departments
            }
            assert lines == truth_lines(world.built)
            assert not card.partial
            for part in card.datasets:
                assert part.grant_id == world.grants[part.dataset]
                assert len(part.audit_events) == 2
                for event_id in part.audit_events:
                    event = session.get(AuditEvent, event_id)
                    assert event is not None and event.action == "data.aggregated"
                    assert event.grant_id == part.grant_id
                    assert not event.detail["masked_group_by"]
    finally:
        lake.close()
        sessions.kw["bind"].dispose()
    rates = {d.department: d.rate for d in card.departments}
    truth = world.built.truth.cases_on_time
    assert rates == pytest.approx({k: v.ratio for k, v in truth.items()})


def test_the_api_equals_the_truth(world: CaseWorld) -> None:
    answer = _card(world)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert card_lines(body["departments"]) == truth_lines(world.built)
    assert body["suppressed_groups"] == 0 and body["partial"] is False
    assert [d["dataset"] for d in body["datasets"]] == BOTH


def test_the_cli_equals_the_truth(world: CaseWorld) -> None:
    env = dict(
        ZHONGTAI_VAR_DIR=str(world.settings.var_dir),
        ZHONGTAI_ENVIRONMENT="test",
        ZHONGTAI_ENV_FILE=os.devnull,
        ZHONGTAI_TOKEN=world.built.tokens.by_account["scen-mhww"],
        COLUMNS="200",
    )
    args = ["scorecard", "cases", "--dataset", BOTH[0], "--dataset", BOTH[1], "--as-of",
            "2026-12-01"]  # fmt: skip
    done = run_zhongtai(*args, "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert card_lines(json.loads(done.stdout)["departments"]) == truth_lines(world.built)
    table = run_zhongtai(*args, env=env)
    assert table.returncode == 0, table.stderr
    assert "330102MHWW" in table.stdout and "按时率" in table.stdout


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_portal_page_equals_the_truth(world: CaseWorld, lang: str) -> None:
    page = world.client.get(
        "/portal/scorecards/cases",
        params={"dataset": BOTH, "as_of": "2026-12-01", "lang": lang},
        headers=world.headers("scen-mhww"),
    )
    assert page.status_code == 200, page.text
    rows = re.findall(
        r'data-department="([^"]+)" data-cases="(\d+)" data-on-time="(\d+)" data-late="(\d+)" '
        r'data-open-overdue="(\d+)" data-open-in-time="(\d+)"',
        page.text,
    )
    lines = {r[0]: tuple(int(n) for n in r[1:]) for r in rows}
    assert lines == truth_lines(world.built)
    assert "<caption>" in page.text and 'scope="col"' in page.text  # a labelled table
    assert 'name="dataset" value="cgj_hotline_cases" checked' in page.text
    home = world.client.get(
        "/portal/scorecards", params={"lang": lang}, headers=world.headers("scen-mhww")
    )
    assert home.status_code == 200 and 'href="/portal/scorecards/cases?lang=' in home.text


def test_a_department_without_a_grant_is_refused_and_recorded(world: CaseWorld) -> None:
    before = _events(world, "access.refused")
    refused = _card(world, "scen-bsjd")
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "grant.missing"
    assert _events(world, "access.refused") == before + 1
    page = world.client.get(
        "/portal/scorecards/cases", params={"dataset": BOTH}, headers=world.headers("scen-bsjd")
    )
    assert page.status_code == 403 and "grant.missing" in page.text


def test_a_narrowing_row_filter_counts_only_its_rows(world: CaseWorld) -> None:
    kinds = ["噪音扰民", "违规停车", "物业管理"]
    bound = ({"field": "category", "op": "in", "value": kinds},)
    for code in CASES:
        grant(world.client, world.built, "scen-cl", code, modes=("query", "aggregate"),
              row_filter=bound)  # fmt: skip
    contracts = scenario_contracts()
    rows = {c: oracle.read_rows(contracts[c], world.built.extracts[c]) for c in CASES}
    narrowed = {c: [r for r in rs if r["category"] in kinds] for c, rs in rows.items()}
    expected = oracle.cases_on_time(narrowed, AS_OF.replace(tzinfo=None))
    answer = _card(world, "scen-cl")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["suppressed_groups"] == 0
    assert card_lines(body["departments"]) == {
        k: (v[1], v[0], v[2], v[3], v[4]) for k, v in expected.items()
    }
    assert sum(v[1] for v in expected.values()) < sum(len(r) for r in rows.values())
    outside = _card(world, "scen-cl", filter=[json.dumps(
        {"field": "category", "op": "eq", "value": "垃圾清运"}, ensure_ascii=False)])  # fmt: skip
    assert outside.status_code == 403 and outside.json()["code"] == "grant.outside_row_filter"


@pytest.mark.parametrize(
    "condition",
    [
        {"field": "citizen_name", "op": "prefix", "value": "王"},
        {"field": "mobile", "op": "eq", "value": "13800000000"},
    ],
    ids=["name-prefix", "mobile-eq"],
)
def test_filtering_the_card_on_a_masked_field_is_refused(
    world: CaseWorld, condition: dict[str, Any]
) -> None:
    before = _events(world, "access.refused")
    refused = _card(world, filter=[json.dumps(condition, ensure_ascii=False)])
    assert refused.status_code == 403 and refused.json()["code"] == "field.masked", refused.text
    assert _events(world, "access.refused") == before + 1


@pytest.mark.parametrize(
    ("measure", "code"),
    [
        ({"fn": "count_not_after", "field": "mobile", "than": "case_id"}, "field.masked"),
        ({"fn": "count_not_after", "field": "deadline", "than": "citizen_name"}, "field.masked"),
        ({"fn": "count_present", "field": "address"}, "field.masked"),
        ({"fn": "count_not_after", "field": "category", "than": "status"}, "aggregate.invalid"),
        ({"fn": "count_not_after", "field": "deadline", "than": "category"}, "aggregate.invalid"),
        ({"fn": "count_not_after", "field": "deadline"}, "aggregate.invalid"),
        ({"fn": "count_not_after", "field": "deadline", "than": "deadline"}, "aggregate.invalid"),
    ],
    ids=["masked-left", "masked-right", "masked-present", "text", "mixed", "no-than", "self"],
)
def test_the_comparing_measures_never_touch_a_masked_field(
    world: CaseWorld, measure: dict[str, Any], code: str
) -> None:
    refused = world.client.post(
        "/api/v1/datasets/cgj_hotline_cases/aggregate",
        headers=world.headers("scen-mhww"),
        json={"group_by": ["handling_department"], "measures": [{"fn": "count"}, measure]},
    )
    assert refused.status_code in (403, 422) and refused.json()["code"] == code, refused.text


def test_bad_input_is_a_problem_not_a_crash(world: CaseWorld) -> None:
    assert _card(world, as_of="yesterday").json()["code"] == "scorecard.bad_as_of"
    assert _card(world, dataset=["no_such_cases"]).status_code == 404
    assert _card(world, dataset=["mzt_assistance_recipients"]).json()["code"] == (
        "scorecard.invalid"
    )
    assert _card(world, filter=["not json"]).json()["code"] == "filter.invalid"
