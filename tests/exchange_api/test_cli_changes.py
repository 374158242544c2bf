"""``zhongtai exchange changes|snapshots`` through the installed command, as the account whose token
is in the environment: the same changes, refusals and audit as over HTTP.

The commands run in this process through the installed command's entry point
(``tests.fixtures.cli_runner``): nothing here is about the process itself."""

from __future__ import annotations

import json
import os
import subprocess

from sqlalchemy import func, select

from catalog.models import AuditEvent
from exchange_api.demo import DATASET
from tests.exchange_api import changes_fixtures
from tests.exchange_api.changes_fixtures import GAJ, SWJ, Lakehouse
from tests.fixtures.cli_runner import run_zhongtai

lakehouse = changes_fixtures.lakehouse  # SQLite- and PostgreSQL-metadata lakes


def _run(lh: Lakehouse, account: str, *args: str) -> subprocess.CompletedProcess[str]:
    settings = lh.platform.settings
    env = dict(
        ZHONGTAI_VAR_DIR=str(settings.var_dir),
        ZHONGTAI_ENVIRONMENT="test",
        ZHONGTAI_ENV_FILE=os.devnull,
        ZHONGTAI_LAKE_CATALOG=settings.lake_catalog,
        ZHONGTAI_TOKEN=lh.platform.tokens.by_account[account],
        COLUMNS="200",
    )
    return run_zhongtai("exchange", *args, env=env)


def _reads(lh: Lakehouse) -> int:
    with lh.platform.sessions() as session:
        query = select(func.count()).where(AuditEvent.action == "data.changes_read")
        return int(session.scalar(query) or 0)


def test_changes_from_the_terminal_match_the_api(lakehouse: Lakehouse) -> None:
    lh = lakehouse
    grant = str(lh.grant_id)
    listed = _run(lh, SWJ, "snapshots", DATASET, "--grant", grant)
    assert listed.returncode == 0, listed.stderr
    assert [s["snapshot_id"] for s in json.loads(listed.stdout)][:3] == [
        lh.first,
        lh.second,
        lh.edits,
    ]
    api = lh.client.get(
        f"/api/v1/datasets/{DATASET}/changes",
        headers=lh.headers(SWJ),
        params={"from_snapshot": lh.first, "to_snapshot": lh.edits, "grant_id": lh.grant_id},
    ).json()["changes"]
    before = _reads(lh)
    args = ("changes", DATASET, "--since", str(lh.first), "--until", str(lh.edits))
    done = _run(lh, SWJ, *args, "--grant", grant, "--page", "2", "--json")
    assert done.returncode == 0, done.stderr
    got = [json.loads(line) for line in done.stdout.splitlines()]
    assert got == api and len(got) > 2
    assert _reads(lh) - before == len(got) // 2 + 1  # every page is audited
    table = _run(lh, SWJ, *args, "--grant", grant)
    assert table.returncode == 0, table.stderr
    assert "added" in table.stdout and "removed" in table.stdout


def test_refusals_exit_non_zero_with_their_code(lakehouse: Lakehouse) -> None:
    lh = lakehouse
    unknown = _run(
        lh, SWJ, "changes", DATASET, "--since", str(lh.foreign), "--grant", str(lh.grant_id)
    )
    assert unknown.returncode == 2 and "snapshot.unknown" in unknown.stderr
    stranger = _run(
        lh, GAJ, "changes", DATASET, "--since", str(lh.first), "--grant", str(lh.grant_id)
    )
    assert stranger.returncode == 2 and "grant.missing" in stranger.stderr
    assert stranger.stdout == ""
