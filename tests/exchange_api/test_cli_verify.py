"""``zhongtai exchange verify`` / ``aggregate`` through the installed command: the same decision,
SQL and audit as the API; exit 0 when it ran, 2 with the stable code when refused.

The commands run in this process through the installed command's entry point
(``tests.fixtures.cli_runner``): nothing here is about the process itself."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from exchange_api.demo import DATASET
from tests.exchange_api.conftest import Platform
from tests.exchange_api.test_cli_requests import _run
from tests.exchange_api.verify_platform import make_grant, stored_rows

FIELDS = ["citizen_id", "person_name", "employer_uscc", "period", "amount", "region"]


@pytest.fixture(scope="module")
def grant(platform: Platform) -> int:
    return make_grant(
        platform, FIELDS, ["verify", "aggregate"], match=["citizen_id", "person_name"]
    )


@pytest.fixture(scope="module")
def row(platform: Platform) -> dict[str, Any]:
    return stored_rows(platform)[0]


def _verify(platform: Platform, grant: int, *args: str) -> Any:
    return _run(
        platform,
        "swj-exchange",
        "exchange",
        "verify",
        DATASET,
        "--match-on",
        "citizen_id",
        "--compare",
        "person_name",
        "--grant",
        str(grant),
        *args,
    )


def test_records_on_the_command_line_as_json(
    platform: Platform, grant: int, row: dict[str, Any]
) -> None:
    done = _verify(
        platform,
        grant,
        "--record",
        f"citizen_id={row['citizen_id'].lower()},person_name={row['person_name']}",
        "--record",
        f"citizen_id={row['citizen_id']},person_name=无此人",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert [r["result"] for r in answer["results"]] == ["match", "differs"]
    assert row["person_name"] not in done.stdout.replace(f"person_name={row['person_name']}", "")


def test_a_gbk_csv_file_and_the_table(
    platform: Platform, grant: int, row: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "records.csv"
    text = (
        f"citizen_id,person_name\n{row['citizen_id']},{row['person_name']}\n"
        "110105194912310029,张三\n"
    )
    path.write_bytes(text.encode("gbk"))
    done = _verify(platform, grant, "--file", str(path), "--encoding", "gbk")
    assert done.returncode == 0, done.stderr
    assert "一致 match 1" in done.stdout and "未找到 not found 1" in done.stdout


def test_refusals_exit_non_zero_with_their_code(platform: Platform, grant: int) -> None:
    masked = _run(
        platform,
        "gaj-exchange",
        "exchange",
        "verify",
        DATASET,
        "--match-on",
        "citizen_id",
        "--compare",
        "person_name",
        "--record",
        "citizen_id=1,person_name=x",
    )
    assert masked.returncode == 2 and "grant.missing" in masked.stderr
    both = _verify(platform, grant, "--record", "citizen_id=1,person_name=x", "--file", "x.csv")
    assert both.returncode == 2 and "verify.input" in both.stderr
    bad = _verify(platform, grant, "--record", "citizen_id=1")
    assert bad.returncode == 2 and "verify.record_invalid" in bad.stderr


def test_aggregate_from_the_terminal(platform: Platform, grant: int) -> None:
    done = _run(
        platform,
        "swj-exchange",
        "exchange",
        "aggregate",
        DATASET,
        "--group-by",
        "period",
        "--sum",
        "amount",
        "--grant",
        str(grant),
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["measures"][1]["name"] == "sum_amount"
    refused = _run(
        platform,
        "swj-exchange",
        "exchange",
        "aggregate",
        DATASET,
        "--sum",
        "citizen_id",
        "--grant",
        str(grant),
    )
    assert refused.returncode == 2 and "field.masked" in refused.stderr
