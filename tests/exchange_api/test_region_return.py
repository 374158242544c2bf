"""数据回流 over HTTP: a dataset returned to lower levels by its ``region_field``.

The module's platform publishes 杭州市人社局's social-insurance extract (rows in Hangzhou's
districts, 3301xx). Its contract is revised to name ``region_field: region``. Then two county
departments (上城区 330102, 西湖区 330106), the city's tax bureau and a provincial department
ask for it: each county is bound to its own rows through every read path, the city and the
province are not bound, another county's rows are refused (not silently empty) and audited, the
owner's narrowing cannot drop the bound, and a grant issued before the revision is revoked.
The reference for "a county's rows" is the owner's own unbounded read of the same snapshot.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from catalog.contracts import revise_dataset
from catalog.departments import upsert_department
from catalog.models import Account, AuditEvent, Grant, Role
from catalog.principals import Principal
from catalog.tokens import issue_account
from exchange_api.demo import DATASET
from schemas.loader import DATASETS_DIR
from tests.exchange_api.conftest import Platform
from tests.fixtures.cli_runner import run_zhongtai

OWNER = "rsj-exchange"
FIELDS = ["citizen_id", "period", "amount", "region"]
SHANGCHENG, XIHU = "330102", "330106"


@dataclass
class Region:
    platform: Platform
    tokens: dict[str, str]
    truth: Counter[str]
    """Rows per district code, from the owner's own read."""
    old_grant: int
    """Issued to 西湖区 before the contract named its region field."""
    pending: int
    """Filed by 上城区 before the revision, approved after it."""

    def headers(self, account: str) -> dict[str, str]:
        if account in self.tokens:
            return {"Authorization": f"Bearer {self.tokens[account]}"}
        return self.platform.headers(account)

    def post(self, url: str, account: str, body: dict[str, Any]) -> Any:
        return self.platform.client.post(url, headers=self.headers(account), json=body)

    def file(self, account: str, **body: Any) -> Any:
        payload = {"dataset": DATASET, "fields": FIELDS, "purpose": "数据回流：本辖区参保核查"}
        return self.post("/api/v1/requests", account, payload | body)

    def approve(self, request_id: int, **narrowing: Any) -> int:
        """The id of the grant the owner's approval issues."""
        answer = self.post(f"/api/v1/requests/{request_id}/approve", OWNER, narrowing)
        assert answer.status_code == 200, answer.text
        return int(answer.json()["grant"]["id"])

    def grant(self, grant_id: int) -> Grant:
        with self.platform.sessions() as session:
            row = session.get(Grant, grant_id)
            assert row is not None
            session.expunge(row)
            return row

    def refusals(self, code: str) -> list[AuditEvent]:
        with self.platform.sessions() as session:
            events = session.scalars(
                select(AuditEvent).where(AuditEvent.action.endswith("refused"))
            ).all()
            return [e for e in events if e.detail.get("code") == code]


def _query(world: Region, account: str, grant_id: int | None, **body: Any) -> Any:
    payload: dict[str, Any] = {"fields": FIELDS, "limit": 10_000} | body
    if grant_id is not None:
        payload["grant_id"] = grant_id
    return world.post(f"/api/v1/datasets/{DATASET}/query", account, payload)


def _regions(answer: Any) -> Counter[str]:
    assert answer.status_code == 200, answer.text
    return Counter(row["region"] for row in answer.json()["rows"])


def _add(session: Any, code: str, name: str, region: str, account: str) -> str:
    department = upsert_department(session, code, name, region)
    _, token = issue_account(session, department, account, (Role.REQUESTER,))
    return token


@pytest.fixture(scope="module")
def world(platform: Platform) -> Region:
    with platform.sessions() as session:
        tokens = {
            "sc-mz": _add(session, "330102MZJ", "杭州市上城区民政局", SHANGCHENG, "sc-mz"),
            "xh-mz": _add(session, "330106MZJ", "杭州市西湖区民政局", XIHU, "xh-mz"),
            "zj-mz": _add(session, "330000MZT", "浙江省民政厅", "330000", "zj-mz"),
        }
        session.commit()
    world = Region(platform, tokens, Counter(), 0, 0)
    world.truth = _regions(_query(world, OWNER, None))
    assert world.truth[SHANGCHENG] and world.truth[XIHU], world.truth  # both districts have rows
    # before the contract names its region field: 西湖区 gets an unbounded grant; 上城区 files
    old = world.file("xh-mz", access_modes=["query"])
    assert old.status_code == 201 and old.json()["row_filter"] == [], old.text
    world.old_grant = world.approve(old.json()["id"])
    pending = world.file("sc-mz", access_modes=["query", "bulk", "aggregate", "verify"],
                         match_fields=["citizen_id"])  # fmt: skip
    assert pending.status_code == 201, pending.text
    world.pending = pending.json()["id"]
    text = (DATASETS_DIR / f"{DATASET}.yaml").read_text(encoding="utf-8")
    with platform.sessions() as session:
        owner = session.scalars(select(Account).where(Account.name == OWNER)).one()
        revise_dataset(session, text + "region_field: region\n", Principal.of(owner))
        session.commit()
    return world


def test_the_catalog_entry_names_the_region_field(world: Region) -> None:
    entry = world.platform.client.get(f"/api/v1/datasets/{DATASET}", headers=world.headers("sc-mz"))
    assert entry.status_code == 200 and entry.json()["region_field"] == "region"
    for account, bound in (("sc-mz", SHANGCHENG), ("swj-exchange", None)):
        page = world.platform.client.get(
            f"/portal/catalog/{DATASET}", headers=world.platform.cookie_headers(account)
        )
        assert page.status_code == 200 and 'id="region-return"' in page.text
        assert (
            (f'id="region-bound">{bound}<' in page.text)
            if bound
            else ('id="region-bound"' not in page.text)
        )


def test_a_grant_issued_before_the_revision_is_revoked(world: Region) -> None:
    old = world.grant(world.old_grant)
    assert old.revoked_at is not None and "region" in (old.revoke_reason or "")
    refused = _query(world, "xh-mz", world.old_grant)
    assert refused.status_code == 403 and refused.json()["code"] == "grant.revoked"


def test_a_request_filed_before_the_revision_gets_the_bound_when_approved(world: Region) -> None:
    # the owner narrows with its own condition; the region bound is derived again and stays
    period = {"field": "period", "op": "ge", "value": "2000-01"}
    grant_id = world.approve(world.pending, row_filter=[period])
    grant = world.grant(grant_id)
    assert {"field": "region", "op": "prefix", "value": SHANGCHENG} in grant.row_filter
    assert period in grant.row_filter


def _county_grant(world: Region) -> int:
    with world.platform.sessions() as session:
        grant = session.scalars(
            select(Grant).where(Grant.request_id == world.pending, Grant.revoked_at.is_(None))
        ).one()
        return grant.id


def test_a_county_sees_only_its_own_rows_through_every_read_path(world: Region) -> None:
    grant_id = _county_grant(world)
    assert _regions(_query(world, "sc-mz", grant_id)) == Counter(
        {SHANGCHENG: world.truth[SHANGCHENG]}
    )
    inside = _query(world, "sc-mz", grant_id, filters=[{"field": "region", "op": "eq",
                                                         "value": SHANGCHENG}])  # fmt: skip
    assert _regions(inside) == Counter({SHANGCHENG: world.truth[SHANGCHENG]})
    bulk = world.post(f"/api/v1/datasets/{DATASET}/bulk", "sc-mz",
                      {"format": "parquet", "fields": FIELDS, "grant_id": grant_id})  # fmt: skip
    assert bulk.status_code == 200, bulk.text
    table = pq.read_table(io.BytesIO(bulk.content))
    assert Counter(table.column("region").to_pylist()) == Counter(
        {SHANGCHENG: world.truth[SHANGCHENG]}
    )
    counted = world.post(f"/api/v1/datasets/{DATASET}/aggregate", "sc-mz",
                         {"grant_id": grant_id, "group_by": ["region"]})  # fmt: skip
    assert counted.status_code == 200, counted.text
    answer = counted.json()
    assert answer["group_count"] == 1, answer  # one district's group, never the others'
    assert [g["region"] for g in answer["groups"]] in ([SHANGCHENG], [])  # [] if suppressed


def test_verify_finds_only_the_countys_own_people(world: Region) -> None:
    rows = _query(world, OWNER, None, fields=["citizen_id", "region"]).json()["rows"]
    own = next(r for r in rows if r["region"] == SHANGCHENG)
    other = next(r for r in rows if r["region"] == XIHU)
    body = {
        "grant_id": _county_grant(world),
        "match_on": ["citizen_id"],
        "compare": ["region"],
        "records": [
            {"citizen_id": own["citizen_id"], "region": SHANGCHENG},
            {"citizen_id": other["citizen_id"], "region": XIHU},
        ],
    }
    answer = world.post(f"/api/v1/datasets/{DATASET}/verify", "sc-mz", body)
    assert answer.status_code == 200, answer.text
    assert [r["result"] for r in answer.json()["results"]] == ["match", "not_found"]


@pytest.mark.parametrize(
    "condition",
    [
        {"field": "region", "op": "eq", "value": XIHU},
        {"field": "region", "op": "in", "value": [SHANGCHENG, XIHU]},
        {"field": "region", "op": "prefix", "value": "3301"},
        {"field": "region", "op": "prefix", "value": "330106"},
    ],
    ids=["eq", "in", "city-prefix", "other-county-prefix"],
)
def test_another_countys_rows_are_refused_and_audited(
    world: Region, condition: dict[str, Any]
) -> None:
    grant_id = _county_grant(world)
    before = len(world.refusals("grant.outside_row_filter"))
    query = _query(world, "sc-mz", grant_id, filters=[condition])
    assert query.status_code == 403, query.text
    assert query.headers["content-type"].startswith("application/problem+json")
    assert query.json()["code"] == "grant.outside_row_filter"
    bulk = world.post(f"/api/v1/datasets/{DATASET}/bulk", "sc-mz",
                      {"fields": FIELDS, "filters": [condition], "grant_id": grant_id})  # fmt: skip
    assert bulk.status_code == 403 and bulk.json()["code"] == "grant.outside_row_filter"
    counted = world.post(f"/api/v1/datasets/{DATASET}/aggregate", "sc-mz",
                         {"grant_id": grant_id, "filters": [condition]})  # fmt: skip
    assert counted.status_code == 403 and counted.json()["code"] == "grant.outside_row_filter"
    assert len(world.refusals("grant.outside_row_filter")) == before + 3


def test_filing_for_another_countys_rows_is_refused_and_audited(world: Region) -> None:
    before = len(world.refusals("request.outside_region"))
    for condition in (
        {"field": "region", "op": "eq", "value": SHANGCHENG},
        {"field": "region", "op": "prefix", "value": "3301"},
    ):
        refused = world.file("xh-mz", row_filter=[condition])
        assert refused.status_code == 403, refused.text
        assert refused.json()["code"] == "request.outside_region"
    assert len(world.refusals("request.outside_region")) == before + 2
    own = world.file("xh-mz", row_filter=[{"field": "region", "op": "eq", "value": XIHU}])
    assert own.status_code == 201, own.text
    assert {"field": "region", "op": "prefix", "value": XIHU} in own.json()["row_filter"]


def test_the_bound_is_shown_on_the_filed_request(world: Region) -> None:
    filed = world.file("xh-mz")
    assert filed.status_code == 201, filed.text
    assert filed.json()["row_filter"] == [{"field": "region", "op": "prefix", "value": XIHU}]
    grant_id = world.approve(filed.json()["id"])
    assert _regions(_query(world, "xh-mz", grant_id)) == Counter({XIHU: world.truth[XIHU]})


@pytest.mark.parametrize("account", ["swj-exchange", "zj-mz"], ids=["city", "province"])
def test_the_city_and_the_province_are_not_bound(world: Region, account: str) -> None:
    filed = world.file(account)
    assert filed.status_code == 201 and filed.json()["row_filter"] == [], filed.text
    grant_id = world.approve(filed.json()["id"])
    assert _regions(_query(world, account, grant_id)) == world.truth


def _zhongtai(world: Region, account: str, *args: str) -> subprocess.CompletedProcess[str]:
    settings = world.platform.settings
    env = {
        "ZHONGTAI_VAR_DIR": str(settings.var_dir),
        "ZHONGTAI_CATALOG_URL": settings.resolved_catalog_url,
        "ZHONGTAI_ENVIRONMENT": "test",
        "ZHONGTAI_ENV_FILE": os.devnull,
        "ZHONGTAI_TOKEN": world.tokens[account],
        "COLUMNS": "200",
    }
    return run_zhongtai(*args, env=env)  # in this process (tests.fixtures.cli_runner)


def test_the_terminal_files_with_the_bound_and_is_refused_another_countys_rows(
    world: Region,
) -> None:
    base = ("requests", "file", DATASET, "--field", "region", "--purpose", "本辖区核查")
    other = json.dumps({"field": "region", "op": "eq", "value": SHANGCHENG})
    refused = _zhongtai(world, "xh-mz", *base, "--filter", other)
    assert refused.returncode == 2, refused.stdout
    assert "request.outside_region" in refused.stderr and "Traceback" not in refused.stderr
    own = json.dumps({"field": "region", "op": "eq", "value": XIHU})
    filed = _zhongtai(world, "xh-mz", *base, "--filter", own)
    assert filed.returncode == 0, filed.stderr
    row_filter = json.loads(filed.stdout)["row_filter"]
    assert {"field": "region", "op": "prefix", "value": XIHU} in row_filter
