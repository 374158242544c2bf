"""民呼我为 over HTTP: a case dataset whose contract names ``handler_field``.

杭州市人社局 (the module platform's publisher) registers a dataset of citizens' cases, each
handled by one department. Two grantees read it through grants on the same fields: each sees a
citizen's name and mobile in clear only on the cases its own department handles and masked on
every other case — through a page read, a bulk file and the change feed — and neither can use
the personal fields to filter, match or order its way to another department's citizens. Every
read replays from the audit log to the bytes sent. The reference is the generated rows.
"""

from __future__ import annotations

import csv
import io
import random
from typing import Any

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from catalog.contracts import register_dataset
from catalog.models import Account
from catalog.principals import Principal
from lakehouse.pipeline import run_batch
from tests.catalog.contract_factories import contract_text
from tests.exchange_api.conftest import Platform

CODE = "mh_cases"
OWNER, SWJ, GAJ = "rsj-exchange", "swj-exchange", "gaj-exchange"
HANDLERS = ("330100SWJ", "330100GAJ", "330100CGJ")
FIELDS = ["case_id", "person_name", "mobile", "handling_department", "status"]
_FIELDS = [
    {"name": "case_id", "title_zh": "工单编号", "source_column": "工单编号", "required": True},
    {"name": "person_name", "title_zh": "诉求人", "source_column": "诉求人",
     "element": "person_name", "required": True},
    {"name": "mobile", "title_zh": "联系电话", "source_column": "联系电话", "element": "mobile"},
    {"name": "handling_department", "title_zh": "承办单位", "source_column": "承办单位",
     "required": True},
    {"name": "status", "title_zh": "办理状态", "source_column": "办理状态"},
]  # fmt: skip
FIRST = 60
"""Rows of the first batch; the second adds the rest."""
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"


def _rows(count: int = 90) -> list[dict[str, str]]:
    rng = random.Random(15)
    rows = []
    for n in range(count):
        rows.append(
            {
                "工单编号": f"MH2026{n:05d}",
                "诉求人": rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=2)),
                "联系电话": f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
                "承办单位": HANDLERS[n % 3],
                "办理状态": rng.choice(("已办结", "办理中")),
            }
        )
    return rows


@pytest.fixture(scope="module")
def cases(platform: Platform, tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, str]]:
    text = contract_text(
        "330100RSJ",
        CODE,
        title_zh="12345 诉求工单",
        title_en="Citizens' cases",
        fields=_FIELDS,
        primary_key=["case_id"],
        source={"format": "csv", "encoding": "utf-8", "delimiter": ","},
        handler_field="handling_department",
        related_resources=None,
    )
    with platform.sessions() as session:
        owner = session.scalars(select(Account).where(Account.name == OWNER)).one()
        register_dataset(session, text, Principal.of(owner))
        session.commit()
    rows = _rows()
    directory = tmp_path_factory.mktemp("cases")
    for n, part in enumerate((rows[:FIRST], rows[FIRST:])):  # the second batch feeds the changes
        extract = directory / f"cases-{n}.csv"
        with extract.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(part)
        batch = run_batch(platform.settings, CODE, extract)
        assert batch.status == "published", batch
    for account in (SWJ, GAJ):
        _grant(platform, account)
    return rows


def _post(platform: Platform, url: str, account: str, body: dict[str, Any]) -> Any:
    return platform.client.post(url, headers=platform.headers(account), json=body)


def _grant(platform: Platform, account: str) -> None:
    filed = _post(platform, "/api/v1/requests", account, {
        "dataset": CODE, "fields": FIELDS, "purpose": "民呼我为：本单位承办工单的答复",
        "access_modes": ["query", "bulk", "changes"], "match_fields": ["mobile"],
    })  # fmt: skip
    assert filed.status_code == 201, filed.text
    approved = _post(platform, f"/api/v1/requests/{filed.json()['id']}/approve", OWNER, {})
    assert approved.status_code == 200, approved.text


def _expected(cases: list[dict[str, str]], department: str) -> dict[str, tuple[str, str]]:
    return {
        r["工单编号"]: (r["诉求人"], r["联系电话"]) for r in cases if r["承办单位"] == department
    }


def _read(platform: Platform, account: str, **body: Any) -> Any:
    return _post(platform, f"/api/v1/datasets/{CODE}/query", account,
                 {"fields": FIELDS, "limit": 1000} | body)  # fmt: skip


@pytest.mark.parametrize(("account", "department"), [(SWJ, "330100SWJ"), (GAJ, "330100GAJ")])
def test_personal_fields_are_clear_only_on_the_readers_own_cases(
    platform: Platform, cases: list[dict[str, str]], account: str, department: str
) -> None:
    page = _read(platform, account)
    assert page.status_code == 200, page.text
    rows = page.json()["rows"]
    assert len(rows) == len(cases)
    own = _expected(cases, department)
    for row in rows:
        if row["case_id"] in own:
            assert (row["person_name"], row["mobile"]) == own[row["case_id"]]
        else:
            truth = next(c for c in cases if c["工单编号"] == row["case_id"])
            assert row["person_name"] != truth["诉求人"] and "*" in row["person_name"]
            assert row["mobile"] != truth["联系电话"] and "*" in row["mobile"]
    masked = {c["name"] for c in page.json()["columns"] if c["masked"]}
    assert masked == {"person_name", "mobile"}  # still masked columns, for every other rule


def test_the_bulk_file_and_the_change_feed_mask_the_same_way(
    platform: Platform, cases: list[dict[str, str]]
) -> None:
    own = _expected(cases, "330100SWJ")
    bulk = _post(platform, f"/api/v1/datasets/{CODE}/bulk", SWJ, {"fields": FIELDS})
    assert bulk.status_code == 200, bulk.text
    table = pq.read_table(io.BytesIO(bulk.content)).to_pylist()
    clear = {r["case_id"]: (r["person_name"], r["mobile"]) for r in table if r["case_id"] in own}
    assert clear == own
    assert all("*" in r["person_name"] for r in table if r["case_id"] not in own)
    snapshots = platform.client.get(
        f"/api/v1/datasets/{CODE}/snapshots", headers=platform.headers(SWJ)
    )
    assert snapshots.status_code == 200, snapshots.text
    first = min(s["snapshot_id"] for s in snapshots.json())
    feed = platform.client.get(
        f"/api/v1/datasets/{CODE}/changes",
        params={"from_snapshot": first, "fields": ",".join(FIELDS)},
        headers=platform.headers(SWJ),
    )
    assert feed.status_code == 200, feed.text  # the second batch's rows, added
    changed = [c["row"] for c in feed.json()["changes"]]
    assert sorted(r["case_id"] for r in changed) == [c["工单编号"] for c in cases[FIRST:]]
    late = {k: v for k, v in own.items() if k in {r["case_id"] for r in changed}}
    assert late and {r["case_id"]: (r["person_name"], r["mobile"]) for r in changed
                     if r["case_id"] in own} == late  # fmt: skip
    assert all("*" in r["mobile"] for r in changed if r["case_id"] not in own)


@pytest.mark.parametrize(
    "body",
    [
        {"filters": [{"field": "person_name", "op": "prefix", "value": "王"}]},
        {"filters": [{"field": "mobile", "op": "prefix", "value": "13"}]},
        {"filters": [{"field": "mobile", "op": "in", "value": ["13800000000", "13900000000"]}]},
    ],
    ids=["name-prefix", "mobile-prefix", "mobile-candidates"],
)
def test_masked_fields_cannot_be_probed_even_by_the_handler(
    platform: Platform, cases: list[dict[str, str]], body: dict[str, Any]
) -> None:
    refused = _read(platform, SWJ, **body)
    assert refused.status_code == 403 and refused.json()["code"] == "field.masked", refused.text


def test_an_exact_match_on_another_departments_case_reveals_nothing_new(
    platform: Platform, cases: list[dict[str, str]]
) -> None:
    other = next(c for c in cases if c["承办单位"] == "330100GAJ")
    found = _read(platform, SWJ, filters=[{"field": "mobile", "op": "eq",
                                           "value": other["联系电话"]}])  # fmt: skip
    assert found.status_code == 200, found.text
    for row in found.json()["rows"]:  # a match key says "this case exists", never the name
        assert row["person_name"] != other["诉求人"]


def test_a_read_with_clear_rows_replays_to_the_bytes_sent(
    platform: Platform, cases: list[dict[str, str]]
) -> None:
    page = _read(platform, GAJ, limit=20)
    assert page.status_code == 200, page.text
    event = int(page.headers["x-zhongtai-audit-event"])
    replayed = platform.client.post(
        f"/api/v1/audit/events/{event}/reproduce", headers=platform.headers("dsj-audit")
    )
    assert replayed.status_code == 200, replayed.text
    result = replayed.json()
    assert result["verdict"] == "match", result
    assert result["recorded"]["sha256"] == page.headers["x-content-sha256"]
