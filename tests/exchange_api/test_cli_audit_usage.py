"""``zhongtai audit usage|reconcile|events`` through the installed command, as the account whose
token is in the environment: reports printed and written (CSV, XLSX), refusals and bad filters
exit 2 with their code and no traceback.

The commands run in this process through the installed command's entry point
(``tests.fixtures.cli_runner``): nothing here is about the process itself."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from exchange_api.demo import DATASET
from tests.exchange_api.conftest import Platform
from tests.exchange_api.verify_platform import make_grant
from tests.fixtures.cli_runner import run_zhongtai

AUDIT, SWJ, RSJ = "dsj-audit", "swj-exchange", "rsj-exchange"


def _run(platform: Platform, account: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = dict(
        ZHONGTAI_VAR_DIR=str(platform.settings.var_dir),
        ZHONGTAI_ENVIRONMENT="test",
        ZHONGTAI_ENV_FILE=os.devnull,
        ZHONGTAI_TOKEN=platform.tokens.by_account[account],
        COLUMNS="250",
    )
    return run_zhongtai("audit", *args, env=env, text=False)


@pytest.fixture(scope="module")
def grant(platform: Platform) -> int:
    grant_id = make_grant(platform, ["period", "amount"], ["query"])
    read = platform.client.get(
        f"/api/v1/datasets/{DATASET}/data",
        params={"grant_id": grant_id, "limit": 7},
        headers=platform.headers(SWJ),
    )
    assert read.status_code == 200, read.text
    return grant_id


def test_usage_table_csv_and_xlsx(platform: Platform, grant: int, tmp_path: Path) -> None:
    shown = _run(platform, AUDIT, "usage", "--grant", str(grant), "--by", "month")
    assert shown.returncode == 0, shown.stderr.decode()
    text = shown.stdout.decode()
    assert "国家税务总局杭州市税务局" in text and "用量汇总" in text

    out = tmp_path / "usage.csv"
    written = _run(
        platform, AUDIT, "usage", "--grant", str(grant), "--format", "csv", "--out", str(out)
    )
    assert written.returncode == 0, written.stderr.decode()
    assert "recorded as audit event" in written.stderr.decode()
    body = out.read_bytes()
    assert body.startswith(b"\xef\xbb\xbf")
    (row,) = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert (row["部门代码"], row["行数"], row["授权编号"]) == ("330100SWJ", "7", str(grant))

    piped = _run(
        platform, AUDIT, "usage", "--grant", str(grant), "--format", "csv", "--encoding", "gbk"
    )
    assert piped.returncode == 0 and "国家税务总局" in piped.stdout.decode("gbk")

    book = tmp_path / "recon.xlsx"
    done = _run(
        platform,
        AUDIT,
        "reconcile",
        "--department",
        "330100SWJ",
        "--format",
        "xlsx",
        "--out",
        str(book),
        "--lang",
        "en",
    )
    assert done.returncode == 0, done.stderr.decode()
    sheet = load_workbook(book)["reconciliation"]
    header, *lines = list(sheet.iter_rows(values_only=True))
    assert grant in [line[header.index("grant")] for line in lines]


def test_reconcile_table_and_events_json(platform: Platform, grant: int) -> None:
    shown = _run(platform, AUDIT, "reconcile", "--grant", str(grant), "--lang", "en")
    assert shown.returncode == 0, shown.stderr.decode()
    assert "columns_never_read" not in shown.stdout.decode()  # both granted fields were read
    assert "Social insurance" in shown.stdout.decode()
    events = _run(platform, AUDIT, "events", "--grant", str(grant), "--action", "data.*", "--json")
    assert events.returncode == 0, events.stderr.decode()
    lines = [json.loads(line) for line in events.stdout.decode().splitlines()]
    assert [e["action"] for e in lines] == ["data.read"] and lines[0]["rows_sent"] == 7


@pytest.mark.parametrize(
    ("account", "args", "code"),
    [
        (SWJ, ("usage",), "role.auditor_required"),
        (RSJ, ("reconcile", "--format", "csv"), "role.auditor_required"),
        (SWJ, ("events",), "role.auditor_required"),
        (AUDIT, ("usage", "--from", "2026-02-30"), "audit.bad_date"),
        (AUDIT, ("usage", "--from", "2026-03-02", "--to", "2026-03-01"), "audit.range_invalid"),
        (AUDIT, ("usage", "--department", "NOWHERE"), "audit.unknown_department"),
        (AUDIT, ("usage", "--by", "year"), "audit.bad_period"),
        (AUDIT, ("usage", "--format", "pdf"), "usage.bad_format"),
        (AUDIT, ("events", "--limit", "100000"), "audit.limit_invalid"),
    ],
)
def test_refusals_and_bad_filters_exit_2(
    platform: Platform, account: str, args: tuple[str, ...], code: str
) -> None:
    done = _run(platform, account, *args)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert code in done.stderr.decode()
    assert b"Traceback" not in done.stderr + done.stdout


def test_xlsx_needs_a_file(platform: Platform) -> None:
    done = _run(platform, AUDIT, "usage", "--format", "xlsx")
    assert done.returncode == 2 and b"--out" in done.stderr
