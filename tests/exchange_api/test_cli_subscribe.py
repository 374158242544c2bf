"""``zhongtai exchange subscribe | subscriptions | unsubscribe | deliver`` through the installed
command: the same decision, the same JSON, a refusal exits non-zero with its code.

The commands run in this process through the installed command's entry point
(``tests.fixtures.cli_runner``): nothing here is about the process itself."""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

from exchange_api.demo import DATASET
from tests.exchange_api.conftest import Platform
from tests.fixtures.cli_runner import run_zhongtai


def _run(platform: Platform, account: str | None, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(
        ZHONGTAI_VAR_DIR=str(platform.settings.var_dir),
        ZHONGTAI_ENVIRONMENT="test",
        ZHONGTAI_ENV_FILE=os.devnull,
        COLUMNS="200",
    )
    if account is not None:
        env["ZHONGTAI_TOKEN"] = platform.tokens.by_account[account]
    return run_zhongtai("exchange", *args, env=env)


def _json(done: subprocess.CompletedProcess[str]) -> Any:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_subscribe_deliver_list_and_unsubscribe(platform: Platform) -> None:
    filed = platform.client.post(
        "/api/v1/requests",
        headers=platform.headers("gaj-exchange"),
        json={
            "dataset": DATASET,
            "fields": ["period", "amount", "region"],
            "purpose": "案件协查按月同步",
            "access_modes": ["subscribe"],
        },
    )
    approved = platform.client.post(
        f"/api/v1/requests/{filed.json()['id']}/approve",
        headers=platform.headers("rsj-exchange"),
        json={},
    )
    assert approved.status_code == 200, approved.text
    both = _run(platform, "gaj-exchange", "subscribe", DATASET, "--folder", "a", "--webhook", "x")
    assert both.returncode == 2 and "subscription.invalid" in both.stderr
    escape = _run(platform, "gaj-exchange", "subscribe", DATASET, "--folder", "../330100SWJ")
    assert escape.returncode == 2 and "subscription.bad_target" in escape.stderr
    stranger = _run(
        platform,
        "swj-exchange",
        "subscribe",
        DATASET,
        "--folder",
        "x",
        "--grant",
        str(approved.json()["grant"]["id"]),
    )
    assert stranger.returncode == 2 and "grant.not_found" in stranger.stderr
    created = _json(
        _run(platform, "gaj-exchange", "subscribe", DATASET, "--folder", "协查", "--format", "csv")
    )
    assert created["format"] == "csv" and created["secret"] is None
    delivered = _json(_run(platform, None, "deliver"))
    mine = [o for o in delivered if o["subscription_id"] == created["id"]]
    assert [o["status"] for o in mine] == ["delivered"]
    assert [
        o for o in _json(_run(platform, None, "deliver")) if o["subscription_id"] == created["id"]
    ] == []
    listed = _json(_run(platform, "gaj-exchange", "subscriptions"))
    assert created["id"] in [s["id"] for s in listed]
    hidden = _run(platform, "swj-exchange", "unsubscribe", str(created["id"]))
    assert hidden.returncode == 2 and "subscription.not_found" in hidden.stderr
    cancelled = _json(
        _run(platform, "gaj-exchange", "unsubscribe", str(created["id"]), "--reason", "结案")
    )
    assert cancelled["cancelled_at"] and cancelled["cancel_reason"] == "结案"
    drop = platform.settings.resolved_drop_root / "330100GAJ" / "协查" / DATASET
    (snapshot,) = [p for p in drop.iterdir()]
    assert sorted(p.name for p in snapshot.iterdir()) == ["manifest.json", "part-0.csv"]
