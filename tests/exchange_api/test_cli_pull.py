"""``zhongtai exchange pull``: the installed command writes the extract atomically, verified
against the audited manifest, and exits non-zero on a refusal, leaving no file.

The commands run in this process through the installed command's entry point
(``tests.fixtures.cli_runner``): nothing here is about the process itself."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
from pathlib import Path

import pyarrow.parquet as pq

from catalog.settings_view import store_environment
from tests.exchange_api.bulk_fixtures import DATASET, events, grant, spool_files
from tests.exchange_api.conftest import Platform
from tests.fixtures.cli_runner import run_zhongtai

SWJ = "swj-exchange"


def _pull(platform: Platform, account: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(
        ZHONGTAI_VAR_DIR=str(platform.settings.var_dir),
        ZHONGTAI_ENVIRONMENT="test",
        ZHONGTAI_ENV_FILE=os.devnull,
        ZHONGTAI_TOKEN=platform.tokens.by_account[account],
        COLUMNS="200",
    )
    env.update(store_environment(platform.settings))  # ZHONGTAI_TEST_STORES=production
    return run_zhongtai("exchange", "pull", DATASET, *args, env=env)


def test_pull_writes_the_verified_file_and_prints_the_manifest(
    platform: Platform, tmp_path: Path
) -> None:
    grant_id = grant(platform, SWJ, ["citizen_id", "person_name", "period", "amount"])
    out = tmp_path / "extract.parquet"
    done = _pull(platform, SWJ, "--out", str(out), "--grant", str(grant_id))
    assert done.returncode == 0, done.stderr
    manifest = json.loads(done.stdout)
    data = out.read_bytes()
    assert manifest["sha256"] == hashlib.sha256(data).hexdigest()
    assert manifest["bytes"] == len(data) and manifest["complete"] is True
    table = pq.read_table(io.BytesIO(data))
    assert table.num_rows == manifest["row_count"] == platform.batch.rows_published
    ids = table.column("citizen_id").to_pylist()
    assert all(re.fullmatch(r"\d{6}\*{4}[\dX]{4}", v) for v in ids)
    [event] = [
        e for e in events(platform, "data.bulk_delivered") if e["id"] == manifest["audit_event"]
    ]
    assert event["content_sha256"] == manifest["sha256"] and event["grant_id"] == grant_id
    # no temp file left; the signed manifest is kept beside the file, as printed
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "extract.parquet",
        "extract.parquet.manifest.json",
    ]
    kept = json.loads((tmp_path / "extract.parquet.manifest.json").read_text("utf-8"))
    assert kept == {k: v for k, v in manifest.items() if k != "file"}
    assert kept["signature"]["algorithm"] == "ed25519"
    assert spool_files(platform) == []

    gbk = tmp_path / "extract.csv"
    done = _pull(
        platform,
        SWJ,
        "--out",
        str(gbk),
        "--grant",
        str(grant_id),
        "--format",
        "csv",
        "--encoding",
        "gbk",
        "--fields",
        "person_name,period",
    )
    assert done.returncode == 0, done.stderr
    text = gbk.read_bytes().decode("gbk")
    assert text.startswith("person_name,period")
    assert re.search(r"\n[\u4e00-\u9fff]\*+,20\d\d-\d\d", text)


def test_a_refused_pull_exits_non_zero_and_writes_nothing(
    platform: Platform, tmp_path: Path
) -> None:
    query_only = grant(platform, SWJ, ["period", "amount"], modes=("query",))
    out = tmp_path / "nope.parquet"
    done = _pull(platform, SWJ, "--out", str(out), "--grant", str(query_only))
    assert done.returncode == 2
    assert "grant.mode_not_allowed" in done.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []
    assert events(platform, "data.read_refused")[-1]["code"] == "grant.mode_not_allowed"

    bad = _pull(platform, SWJ, "--out", str(out), "--format", "xlsx")
    assert bad.returncode == 2 and "bulk.invalid_format" in bad.stderr
